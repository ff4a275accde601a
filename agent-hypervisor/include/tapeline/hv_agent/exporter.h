// Exporters: one detached CAF actor per data stream (DESIGN.md, "hv agent").
//
// An exporter opens its source (a VDI export, a file set, the pool
// metadata) on its own thread, streams it to one drive of a tape agent with
// the stream sender (common/caf/stream_sender.h: open, chunks under credit,
// close with the SHA-256) and records the outcome. If anything fails, the
// stream is aborted and the drive records nothing as restorable; the
// outcome says why.
//
// The actor blocks (XAPI and the tape agent are both blocking peers), so it
// is detached. Its outcome is written to a shared slot before it exits; a
// parent monitors it and reads the slot on the down message. No C++ type
// crosses a CAF mailbox.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tapeline/caf/stream_sender.h"
#include "tapeline/common/status.h"
#include "tapeline/v1/stream.pb.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::hv_agent {

// A drive of a tape agent: "HOST:PORT/DRIVE".
struct drive_target {
  std::string host;
  uint16_t port = 0;
  std::string drive;
  std::string to_string() const;
};
result<drive_target> parse_target(std::string_view text);

struct stream_settings {
  uint32_t chunk_bytes = 1u << 20;
  uint64_t window_bytes = 4ull << 20;
  // Called about once a second from the exporter's thread with the object's
  // description; must be thread-safe.
  std::function<void(const std::string& what, const stream::progress_info&)>
      on_progress;
};

struct export_task {
  std::string what;  // "disk 0 of VM web01", for logs and messages
  drive_target target;
  v1::ObjectManifest manifest;
  stream_settings settings;
  bool finish_session = false;  // the drive writes its session catalog after
  // Opens the source on the exporter's thread. The source, and anything it
  // owns (an XAPI client, a reader), is destroyed on that thread once the
  // stream ends.
  std::function<result<std::unique_ptr<stream::byte_source>>()> open;
};

struct export_outcome {
  std::string what;
  drive_target target;
  v1::ObjectManifest manifest;
  bool ok = false;
  std::string error;        // what failed, when !ok
  v1::StreamResult result;  // the drive's answer, when it gave one
  double seconds = 0;
};

// Spawns the exporter. `out` is filled before the actor terminates.
caf::actor spawn_exporter(caf::actor_system& sys, export_task task,
                          std::shared_ptr<export_outcome> out);

// Runs tasks to completion: one exporter per task, tasks of the same drive
// one after another in the given order, different drives at once. Returns
// the outcomes in the order of `tasks`. Blocks the calling thread.
std::vector<export_outcome> run_exports(caf::actor_system& sys,
                                        std::vector<export_task> tasks);

}  // namespace tapeline::hv_agent
