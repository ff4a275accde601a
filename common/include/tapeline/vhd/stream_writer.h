// Writes a dynamic or differencing VHD as one forward-only stream, in the
// layout XAPI's export uses (docs/vhd.md §6): footer copy at 0, dynamic
// header at 512, parent locator data at 1536, BAT at 2048, the blocks in
// ascending index order right after the BAT, and the footer.
//
// Usage: start() with the disk's parameters and the ascending list of block
// indices that will be present (the BAT precedes the data), then add_block()
// for each of them in that order, then finish(). Writes go straight to the
// sink; nothing is buffered. Not thread-safe. The sink must outlive the
// writer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tapeline/vhd/format.h"
#include "tapeline/vhd/io.h"

namespace tapeline::vhd {

struct disk_params {
  uint64_t size = 0;  // virtual size in bytes; a multiple of 512
  disk_type type = disk_type::dynamic;
  uuid unique_id{};
  uint32_t timestamp = 0;  // seconds since 2000-01-01 UTC
  // Differencing disks only.
  uuid parent_id{};
  uint32_t parent_timestamp = 0;
  std::string parent_name;  // a file name; also written as a MacX locator
};

class stream_writer {
 public:
  // REQUIRES: blocks strictly ascending, each < the disk's block count.
  static result<stream_writer> start(const disk_params& params,
                                     std::vector<uint32_t> blocks,
                                     byte_sink* out);

  // REQUIRES: index is the next block of the list given to start();
  // bitmap is bitmap_bytes(default_block_size) bytes; data is
  // default_block_size bytes.
  status add_block(uint32_t index, std::string_view bitmap,
                   std::string_view data);
  // REQUIRES: every block added.
  status finish();

  const vhd::footer& footer() const { return footer_; }
  uint32_t block_count() const { return block_count_; }
  // The total stream length once finished.
  uint64_t stream_size() const;

 private:
  stream_writer() = default;
  byte_sink* out_ = nullptr;
  vhd::footer footer_;
  std::vector<uint32_t> blocks_;
  size_t next_ = 0;
  uint32_t block_count_ = 0;
  uint64_t data_start_ = 0;
};

// A full sector bitmap (every sector present) for default_block_size.
std::string full_bitmap();

}  // namespace tapeline::vhd
