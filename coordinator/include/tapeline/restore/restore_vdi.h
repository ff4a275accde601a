// Restoring a VDI through the drive (docs/restore.md, issue #5): the
// catalog's restore chain, step by step, read back through a tape agent's
// drive, verified and merged.
//
// For each object of the chain (the full, then its deltas in order) every
// part is read from its tape (mount_handler asks for the tape when another
// is loaded) into a layer file next to the output; the object's SHA-256 is
// computed as the parts arrive and must equal the catalog's. Then the
// layers merge (vhd::merge_files) into FILE.raw or FILE.vhd and the layer
// files are removed. Memory stays bounded: payloads stream to disk.
//
// Does not own the client or the handler. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tapeline/catalog/records.h"
#include "tapeline/common/status.h"
#include "tapeline/restore/drive_client.h"
#include "tapeline/restore/mount.h"
#include "tapeline/restore/progress.h"

namespace tapeline::restore {

// One tape file to read, in restore order.
struct read_step {
  size_t object_index = 0;  // into restore_chain::steps
  catalog::extent extent;
};

// The reads a chain needs: each object's extents by part, objects in chain
// order. code::invalid_argument when an object's parts do not cover its
// payload from 0 without gap or overlap (the catalog would not call it
// restorable; this guards against a hand-edited one).
result<std::vector<read_step>> plan_reads(const catalog::restore_chain& c);

// "object ID (vm01 disk 0, vdi_full)" for messages.
std::string describe(const catalog::object& o);

struct object_report {
  std::string object_id;
  std::string kind;
  std::vector<std::string> where;  // "LTO5-0001 file 3", one per part
  uint64_t bytes = 0;
  std::string sha256;
};

struct restore_report {
  std::string vm;
  uint32_t disk = 0;
  std::string output;
  std::string format;  // "raw" or "vhd"
  uint64_t disk_bytes = 0;
  uint64_t read_bytes = 0;  // payload read from tape
  double seconds = 0;
  double merge_seconds = 0;  // of `seconds`, merging the layers
  std::vector<object_report> objects;
};

struct restore_options {
  std::string to;  // FILE.raw or FILE.vhd
  mount_handler* mount = nullptr;
  // Progress lines with rate and ETA, about once a second; null: none.
  std::function<void(const std::string&)> on_progress;
};

result<restore_report> restore_vdi(drive_client& d,
                                   const catalog::restore_chain& c,
                                   const restore_options& opts);

}  // namespace tapeline::restore
