// Random-access VHD reader (docs/vhd.md §2–§5).
#include "tapeline/vhd/image.h"

#include <algorithm>

namespace tapeline::vhd {

result<image> image::open(random_access_source* src) {
  const std::string name = src->name();
  uint64_t size = src->size();
  if (size < footer_size + header_size + footer_size)
    return make_error(code::corrupt, name + ": " + std::to_string(size) +
                                         " bytes is too short for a dynamic "
                                         "VHD");
  image img(src);
  std::string buf;
  TL_RETURN_IF_ERROR(src->read_at(size - footer_size, footer_size, &buf));
  auto f = decode_footer(buf, size - footer_size);
  if (!f.ok()) return f.error().with_context(name);
  img.footer_ = *f;
  TL_RETURN_IF_ERROR(src->read_at(0, footer_size, &buf));
  auto copy = decode_footer(buf, 0);
  if (!copy.ok()) return copy.error().with_context(name + " (footer copy)");
  if (buf != encode_footer(img.footer_))
    return make_error(code::corrupt,
                      name +
                          ": the footer copy at byte 0 differs from the "
                          "footer at byte " +
                          std::to_string(size - footer_size));

  uint64_t hoff = img.footer_.data_offset;
  if (img.footer_.type == disk_type::fixed)
    return make_error(code::invalid_argument,
                      name +
                          ": fixed VHDs are not supported; use the raw "
                          "image instead");
  if (hoff < footer_size || hoff > size - footer_size - header_size)
    return make_error(code::corrupt, name + ": vhd footer data offset " +
                                         std::to_string(hoff) +
                                         " is outside the file");
  TL_RETURN_IF_ERROR(src->read_at(hoff, header_size, &buf));
  auto h = decode_header(buf, hoff);
  if (!h.ok()) return h.error().with_context(name);
  img.header_ = *h;
  TL_RETURN_IF_ERROR(check_dynamic(img.footer_, img.header_, name));

  uint64_t toff = img.header_.table_offset;
  uint64_t tbytes = bat_bytes(img.header_.max_table_entries);
  if (toff > size || tbytes > size - toff)
    return make_error(code::corrupt, name + ": vhd BAT at byte " +
                                         std::to_string(toff) + " (" +
                                         std::to_string(tbytes) +
                                         " bytes) is past the end of the file");
  TL_RETURN_IF_ERROR(src->read_at(toff, tbytes, &buf));
  img.bat_ = decode_bat(buf, img.header_.max_table_entries);

  uint64_t full =
      bitmap_bytes(img.header_.block_size) + uint64_t(img.header_.block_size);
  for (uint32_t i = 0; i < img.bat_.size(); ++i) {
    if (img.bat_[i] == bat_unused) continue;
    uint64_t at = uint64_t(img.bat_[i]) * sector_size;
    if (at + full > size - footer_size)
      return make_error(code::corrupt,
                        name + ": vhd BAT entry " + std::to_string(i) +
                            " (at byte " + std::to_string(toff + 4ull * i) +
                            ") points to sector " +
                            std::to_string(img.bat_[i]) +
                            ", past the end of the file's data (" +
                            std::to_string(size) + " bytes)");
  }
  return img;
}

result<std::string> image::locator_data(uint32_t i) {
  const parent_locator& l = header_.locators.at(i);
  std::string out;
  TL_RETURN_IF_ERROR(src_->read_at(l.data_offset, l.data_length, &out));
  return out;
}

status image::read_block(uint32_t index, std::string* bitmap,
                         std::string* data) {
  assert(has_block(index));
  uint64_t at = uint64_t(bat_[index]) * sector_size;
  uint32_t bm = bitmap_bytes(header_.block_size);
  TL_RETURN_IF_ERROR(src_->read_at(at, bm, bitmap));
  return src_->read_at(at + bm, header_.block_size, data);
}

status image::render_raw(byte_sink* out) {
  const uint32_t bs = header_.block_size;
  const std::string zeros(bs, '\0');
  std::string bitmap, data;
  uint64_t left = footer_.current_size;
  for (uint32_t i = 0; left > 0; ++i) {
    size_t n = size_t(std::min<uint64_t>(left, bs));
    if (has_block(i)) {
      TL_RETURN_IF_ERROR(read_block(i, &bitmap, &data));
      zero_absent_sectors(bitmap, &data);
      TL_RETURN_IF_ERROR(out->write(std::string_view(data).substr(0, n)));
    } else {
      TL_RETURN_IF_ERROR(out->write(std::string_view(zeros).substr(0, n)));
    }
    left -= n;
  }
  return status::ok_status();
}

}  // namespace tapeline::vhd
