// Merges a backup chain: a full (a dynamic VHD, or a raw image) and its
// deltas (differencing VHDs, oldest first) into one disk (docs/vhd.md §7).
//
// The merge is sector-granular: for each block, a delta's sector replaces
// the one below it only where the delta's bitmap bit is set. Memory is one
// block per call; sources are read once, in ascending block order.
// The chain does not own the images or sources; they must outlive the call.
// Not thread-safe.
#pragma once

#include <vector>

#include "tapeline/vhd/image.h"
#include "tapeline/vhd/stream_writer.h"

namespace tapeline::vhd {

struct chain {
  // Exactly one of the two is set.
  image* vhd_base = nullptr;
  random_access_source* raw_base = nullptr;
  std::vector<image*> deltas;  // differencing disks, oldest first
};

struct merge_options {
  // Require each delta's parent_id to be the unique_id of the layer below.
  // Off by default: XAPI gives each exported stream a fresh unique_id, so a
  // delta exported with base= names the base VDI's VHD on the SR, not the
  // stream Tapeline stored (docs/vhd.md §7).
  bool check_parent_ids = false;
};

// Sizes, disk types and block sizes agree; parent ids too if asked.
status check_chain(const chain& c, const merge_options& opt = {});

uint64_t chain_size(const chain& c);

// The merged disk as raw bytes: chain_size() bytes.
status merge_to_raw(const chain& c, byte_sink* out,
                    const merge_options& opt = {});

// The merged disk as a dynamic VHD stream (stream_writer's layout). A block
// is present when any layer holds it; with a raw base, every block is.
// `params.size` and `params.type` are taken from the chain.
status merge_to_vhd(const chain& c, disk_params params, byte_sink* out,
                    const merge_options& opt = {});

}  // namespace tapeline::vhd
