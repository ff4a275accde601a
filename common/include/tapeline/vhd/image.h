// Random-access reading of a dynamic or differencing VHD (docs/vhd.md §2–§5).
//
// open() reads and verifies the trailing footer and its copy at byte 0
// (either one damaged is an error naming it), the dynamic header and the BAT,
// and checks that every allocated block lies inside the file.
//
// An image does not own its source, which must outlive it. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tapeline/vhd/format.h"
#include "tapeline/vhd/io.h"

namespace tapeline::vhd {

class image {
 public:
  static result<image> open(random_access_source* src);

  const vhd::footer& footer() const { return footer_; }
  const dynamic_header& header() const { return header_; }
  const std::vector<uint32_t>& bat() const { return bat_; }
  uint32_t block_count() const { return header_.max_table_entries; }
  bool has_block(uint32_t index) const {
    return index < bat_.size() && bat_[index] != bat_unused;
  }
  // The parent locator data of slot i (MacX: a file:// URL, W2ku: UTF-16LE).
  result<std::string> locator_data(uint32_t i);

  // Reads a block's sector bitmap and data (header().block_size bytes).
  // REQUIRES: has_block(index).
  status read_block(uint32_t index, std::string* bitmap, std::string* data);

  // The disk's contents as this image alone holds them, sectors absent from
  // it being zero: current_size bytes to out.
  status render_raw(byte_sink* out);

 private:
  explicit image(random_access_source* src) : src_(src) {}
  random_access_source* src_;
  vhd::footer footer_;
  dynamic_header header_;
  std::vector<uint32_t> bat_;
};

}  // namespace tapeline::vhd
