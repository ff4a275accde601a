// A restore's link to one drive of a tape agent (docs/restore.md): commands
// (STATUS, LOAD, EJECT) and READ, which streams one object part back from
// the loaded tape (docs/wire-protocol.md "Reading back"), flow-controlled by
// the credit this side grants, so memory stays bounded by `window_bytes`.
//
// Blocking: runs on the calling thread through a caf::scoped_actor. The
// actor system must outlive the client. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "tapeline/common/status.h"
#include "tapeline/v1/stream.pb.h"

namespace tapeline::restore {

// Receives a part's payload in order. A non-ok status stops the read (the
// drive is told, and the error is returned).
using payload_sink = std::function<status(const char* data, size_t n)>;

struct part_read {
  v1::ObjectManifest manifest;  // as the drive read it from tape
  uint64_t bytes = 0;           // payload bytes of this part
  std::string sha256;           // of this part's payload, as the drive read it
};

struct client_options {
  std::string host;
  uint16_t port = 0;
  std::string drive;
  // Credit granted to the drive: payload bytes in flight at most.
  uint64_t window_bytes = 64ull << 20;
  // How long to wait for any frame from the drive before giving up.
  std::chrono::seconds answer_timeout{600};
};

class drive_client {
 public:
  // Connects (mutual TLS, the node's certificate) and attaches to the drive.
  static result<std::unique_ptr<drive_client>> connect(
      caf::actor_system& sys, const client_options& opts);
  ~drive_client();

  const std::string& drive() const { return opts_.drive; }

  // Sends one command to the drive and returns its reply; a refused command
  // (reply.ok false) is an error naming the drive and the reason.
  result<v1::DriveCommandReply> command(v1::DriveCommand c);
  result<v1::DriveStatus> status_report();

  // READ: streams the part in tape file `file_number` of `volume` (which
  // must be the loaded tape) to `sink`. Checks each chunk's sequence and
  // CRC32C and the close's byte count and SHA-256 against what arrived.
  // Errors name the volume and tape file: a media error or damage on tape
  // (code::corrupt), a lost tape agent (code::unavailable).
  result<part_read> read_part(const std::string& volume, uint32_t file_number,
                              const payload_sink& sink);

 private:
  struct impl;
  explicit drive_client(std::unique_ptr<impl> p, client_options o);
  std::unique_ptr<impl> impl_;
  client_options opts_;
};

}  // namespace tapeline::restore
