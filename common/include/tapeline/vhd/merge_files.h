// Merging a backup chain whose layers are files (docs/vhd.md §7): what
// tapeline-vhd merge, tapeline-extract restore-chain and restores through
// the drive (tapeline_restore) share.
//
// Memory is one block at a time: the layers are read by random access.
// Stateless; thread-safe as long as callers use different files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::vhd {

enum class merged_format { raw, vhd };

// Opens `layers` (the full first: a raw image when `raw_base`, else a
// dynamic VHD; then differencing VHDs, oldest first), checks the chain
// (sizes, block sizes) and writes the merged disk to `out` ("-": standard
// output), flushed to disk. A failed merge removes `out`. Returns the
// disk's virtual size. Errors name the layer file at fault.
result<uint64_t> merge_files(const std::vector<std::string>& layers,
                             bool raw_base, merged_format format,
                             const std::string& out);

}  // namespace tapeline::vhd
