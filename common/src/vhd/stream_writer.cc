// Stream-order VHD writer (docs/vhd.md §6, "What Tapeline writes").
#include "tapeline/vhd/stream_writer.h"

namespace tapeline::vhd {
namespace {

constexpr uint64_t header_offset = 512;
constexpr uint64_t locator_offset = 1536;
constexpr uint64_t table_offset = 2048;

}  // namespace

std::string full_bitmap() {
  return std::string(bitmap_bytes(default_block_size), '\xff');
}

result<stream_writer> stream_writer::start(const disk_params& p,
                                           std::vector<uint32_t> blocks,
                                           byte_sink* out) {
  if (p.size == 0 || p.size % sector_size != 0)
    return make_error(code::invalid_argument,
                      "vhd size " + std::to_string(p.size) +
                          " is not a positive multiple of 512");
  if (p.type != disk_type::dynamic && p.type != disk_type::differencing)
    return make_error(code::invalid_argument,
                      "vhd writer makes only dynamic and differencing disks");
  uint64_t count = (p.size + default_block_size - 1) / default_block_size;
  if (count > 0xFFFFFFF0ull)
    return make_error(code::invalid_argument, "vhd size is too large");
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i] >= count || (i > 0 && blocks[i] <= blocks[i - 1]))
      return make_error(code::invalid_argument,
                        "vhd block list must be ascending and below " +
                            std::to_string(count) + "; entry " +
                            std::to_string(i) + " is " +
                            std::to_string(blocks[i]));
  }
  stream_writer w;
  w.out_ = out;
  w.blocks_ = std::move(blocks);
  w.block_count_ = uint32_t(count);

  vhd::footer& f = w.footer_;
  f.data_offset = header_offset;
  f.timestamp = p.timestamp;
  f.original_size = p.size;
  f.current_size = p.size;
  f.geometry = geometry_for_size(p.size);
  f.type = p.type;
  f.unique_id = p.unique_id;

  dynamic_header h;
  h.table_offset = table_offset;
  h.max_table_entries = w.block_count_;
  h.block_size = default_block_size;
  std::string locator;
  if (p.type == disk_type::differencing) {
    h.parent_id = p.parent_id;
    h.parent_timestamp = p.parent_timestamp;
    h.parent_name = utf16_from_utf8(p.parent_name);
    locator = "file://" + p.parent_name;
    if (locator.size() > table_offset - locator_offset)
      return make_error(code::invalid_argument,
                        "vhd parent name is longer than 505 bytes");
    h.locators[0] = {platform_macx, 512, uint32_t(locator.size()),
                     locator_offset};
  }

  uint64_t bat_len = bat_bytes(w.block_count_);
  w.data_start_ = table_offset + bat_len;
  uint64_t full = bitmap_bytes(default_block_size) + default_block_size;
  std::vector<uint32_t> bat(w.block_count_, bat_unused);
  for (size_t i = 0; i < w.blocks_.size(); ++i) {
    uint64_t sector = (w.data_start_ + i * full) / sector_size;
    if (sector >= bat_unused)
      return make_error(code::invalid_argument, "vhd is too large for a BAT");
    bat[w.blocks_[i]] = uint32_t(sector);
  }

  std::string head = encode_footer(f) + encode_header(h);
  locator.resize(table_offset - locator_offset, '\0');
  head += locator;
  head += encode_bat(bat);
  TL_RETURN_IF_ERROR(out->write(head));
  return w;
}

status stream_writer::add_block(uint32_t index, std::string_view bitmap,
                                std::string_view data) {
  if (next_ >= blocks_.size() || blocks_[next_] != index)
    return make_error(code::invalid_argument,
                      "vhd writer got block " + std::to_string(index) +
                          " out of the order announced to start()");
  if (bitmap.size() != bitmap_bytes(default_block_size) ||
      data.size() != default_block_size)
    return make_error(code::invalid_argument,
                      "vhd block " + std::to_string(index) +
                          " has the wrong bitmap or data size");
  ++next_;
  TL_RETURN_IF_ERROR(out_->write(bitmap));
  return out_->write(data);
}

status stream_writer::finish() {
  if (next_ != blocks_.size())
    return make_error(code::invalid_argument,
                      "vhd writer finished after " + std::to_string(next_) +
                          " of " + std::to_string(blocks_.size()) + " blocks");
  return out_->write(encode_footer(footer_));
}

uint64_t stream_writer::stream_size() const {
  uint64_t full = bitmap_bytes(default_block_size) + default_block_size;
  return data_start_ + blocks_.size() * full + footer_size;
}

}  // namespace tapeline::vhd
