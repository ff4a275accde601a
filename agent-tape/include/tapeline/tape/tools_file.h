// The tools file (docs/tape-format.md §2): tape file 1 of every tape
// labelled with a tools binary, a pax archive holding `tapeline-extract`
// (mode 0755) and `README.txt`, so a tape can be restored with nothing but
// itself, `mt` and GNU tar (docs/disaster-recovery.md).
//
// Reads the binary from disk; otherwise pure. Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::tape {

// The README.txt stored beside the binary.
const std::string& tools_readme();

// The whole tape file: both members, end of archive, zero padding to a
// multiple of `record_size`. Errors name `binary_path` and what to do.
// REQUIRES: record_size is a multiple of 512.
result<std::string> encode_tools_file(const std::string& binary_path,
                                      int64_t mtime, uint32_t record_size);

}  // namespace tapeline::tape
