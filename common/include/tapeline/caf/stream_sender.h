// The sending side of the data-stream protocol (docs/wire-protocol.md):
// attach to a drive on a tape agent, open, send chunks within the credit the
// drive grants, close with the SHA-256, and wait for the result.
//
// Blocking: runs on the calling thread through a caf::scoped_actor. Used by
// tapeline-send and the hypervisor agent's exporters. The SHA-256 is computed
// here, once, at the source; the drive checks a CRC32C per chunk.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "tapeline/common/status.h"
#include "tapeline/v1/stream.pb.h"

namespace tapeline::stream {

// Where the payload comes from. read() returns the bytes read, 0 at the end.
class byte_source {
 public:
  virtual ~byte_source() = default;
  virtual result<size_t> read(char* buf, size_t cap) = 0;
};

struct progress_info {
  uint64_t bytes = 0;
  uint64_t expected = 0;  // 0 when unknown
  double seconds = 0;
};

struct send_options {
  std::string host = "127.0.0.1";
  uint16_t port = 4711;
  std::string drive;
  v1::ObjectManifest manifest;  // expected_size -1 when unknown
  uint32_t chunk_bytes = 1u << 20;
  // How long to wait for any answer from the drive (credit, result) before
  // giving up. Spanning waits for an operator, so this is long by default.
  std::chrono::seconds answer_timeout{3600};
  bool finish_session = false;  // ask the drive to write its catalog after
  // Most payload bytes on their way (sent, not yet received by the drive),
  // when the drive acknowledges receipt. Credit bounds the drive's buffer;
  // this bounds what piles up in our own node and socket.
  uint64_t window_bytes = 32ull << 20;
  std::function<void(const progress_info&)> on_progress;  // ~1 per second
};

// Sends one object. Returns the drive's StreamResult (ok or not); a status
// when the stream could not run at all (unreachable, unknown drive, lost
// peer), with a message saying what to do.
result<v1::StreamResult> send_object(caf::actor_system& sys,
                                     const send_options& opts,
                                     byte_source& src);

// Connects to the tape agent at host:port (its published agent actor).
// code::unavailable with what to check when it cannot.
result<caf::actor> connect_agent(caf::actor_system& sys,
                                 const std::string& host, uint16_t port);
// ATTACH: the drive actor's handle from the agent actor, so that data then
// goes to the drive directly. code::not_found for an unknown drive.
result<caf::actor> attach_drive(caf::scoped_actor& self,
                                const caf::actor& agent,
                                const std::string& drive);

// Sends one command to a drive through the agent and returns the reply.
result<v1::DriveCommandReply> send_command(caf::actor_system& sys,
                                           const std::string& host,
                                           uint16_t port,
                                           const v1::DriveCommand& cmd);

// Subscribes to the events of `drive` (every drive when empty), calls
// `on_ready` with the drives once subscribed, then `on_event` for each
// event, until `on_event` returns false or the agent goes away (then a
// status saying so). Blocks the calling thread.
status watch_events(
    caf::actor_system& sys, const std::string& host, uint16_t port,
    const std::string& drive,
    const std::function<bool(const v1::DriveEvent&)>& on_event,
    const std::function<void(const std::vector<std::string>&)>& on_ready = {});

}  // namespace tapeline::stream
