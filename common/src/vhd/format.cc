// VHD footer, dynamic header, BAT and bitmap encoding (docs/vhd.md §2–§5).
#include "tapeline/vhd/format.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace tapeline::vhd {
namespace {

constexpr char footer_cookie[] = "conectix";
constexpr char header_cookie[] = "cxsparse";

// Footer field offsets (docs/vhd.md §2).
constexpr size_t f_cookie = 0, f_features = 8, f_version = 12,
                 f_data_offset = 16, f_timestamp = 24, f_creator_app = 28,
                 f_creator_version = 32, f_creator_os = 36,
                 f_original_size = 40, f_current_size = 48, f_geometry = 56,
                 f_disk_type = 60, f_checksum = 64, f_unique_id = 68,
                 f_saved_state = 84;
// Dynamic header field offsets (docs/vhd.md §3).
constexpr size_t h_cookie = 0, h_data_offset = 8, h_table_offset = 16,
                 h_version = 24, h_max_entries = 28, h_block_size = 32,
                 h_checksum = 36, h_parent_id = 40, h_parent_timestamp = 56,
                 h_parent_name = 64, h_parent_name_bytes = 512,
                 h_locators = 576, locator_size = 24;

void put32(std::string* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = char(v >> (24 - 8 * i));
}
void put64(std::string* b, size_t at, uint64_t v) {
  put32(b, at, uint32_t(v >> 32));
  put32(b, at + 4, uint32_t(v));
}
uint32_t get32(std::string_view b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | uint8_t(b[at + i]);
  return v;
}
uint64_t get64(std::string_view b, size_t at) {
  return (uint64_t(get32(b, at)) << 32) | get32(b, at + 4);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

status bad(const char* what, uint64_t at, size_t field,
           const std::string& detail) {
  return make_error(code::corrupt, std::string("vhd ") + what + " at byte " +
                                       std::to_string(at) + ", field at +" +
                                       std::to_string(field) + ": " + detail +
                                       "; the image is damaged or not a VHD");
}

// The checks every VHD structure starts with: its cookie, then its
// one's-complement checksum (stored in the field at `checksum_at`).
status check_cookie_and_checksum(std::string_view b, uint64_t at,
                                 const char* what, const char* cookie,
                                 size_t checksum_at) {
  if (b.substr(0, 8) != cookie)
    return bad(what, at, 0, std::string("cookie is not \"") + cookie + "\"");
  uint32_t stored = get32(b, checksum_at);
  uint32_t want = vhd_checksum(b, checksum_at);
  if (stored != want)
    return bad(
        what, at, checksum_at,
        "checksum " + hex32(stored) + " but the bytes sum to " + hex32(want));
  return {};
}

}  // namespace

const char* to_string(disk_type t) {
  switch (t) {
    case disk_type::none:
      return "none";
    case disk_type::fixed:
      return "fixed";
    case disk_type::dynamic:
      return "dynamic";
    case disk_type::differencing:
      return "differencing";
  }
  return "unknown";
}

std::string to_string(const uuid& id) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    std::snprintf(buf, sizeof buf, "%02x", id[i]);
    s += buf;
  }
  return s;
}

chs geometry_for_size(uint64_t size_bytes) {
  // The spec's appendix "CHS Calculation", in integer arithmetic.
  uint64_t total = size_bytes / sector_size;
  total = std::min<uint64_t>(total, 65535ull * 16 * 255);
  uint64_t spt, heads, cyl_times_heads;
  if (total >= 65535ull * 16 * 63) {
    spt = 255;
    heads = 16;
    cyl_times_heads = total / spt;
  } else {
    spt = 17;
    cyl_times_heads = total / spt;
    heads = std::max<uint64_t>((cyl_times_heads + 1023) / 1024, 4);
    if (cyl_times_heads >= heads * 1024 || heads > 16) {
      spt = 31;
      heads = 16;
      cyl_times_heads = total / spt;
    }
    if (cyl_times_heads >= heads * 1024) {
      spt = 63;
      heads = 16;
      cyl_times_heads = total / spt;
    }
  }
  return {uint16_t(cyl_times_heads / heads), uint8_t(heads), uint8_t(spt)};
}

uint32_t vhd_checksum(std::string_view bytes, size_t checksum_offset) {
  uint32_t sum = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i >= checksum_offset && i < checksum_offset + 4) continue;
    sum += uint8_t(bytes[i]);
  }
  return ~sum;
}

std::string encode_footer(const footer& f) {
  std::string b(footer_size, '\0');
  std::memcpy(&b[f_cookie], footer_cookie, 8);
  put32(&b, f_features, f.features);
  put32(&b, f_version, f.version);
  put64(&b, f_data_offset, f.data_offset);
  put32(&b, f_timestamp, f.timestamp);
  std::memcpy(&b[f_creator_app], f.creator_app.data(), 4);
  put32(&b, f_creator_version, f.creator_version);
  put32(&b, f_creator_os, f.creator_os);
  put64(&b, f_original_size, f.original_size);
  put64(&b, f_current_size, f.current_size);
  b[f_geometry] = char(f.geometry.cylinders >> 8);
  b[f_geometry + 1] = char(f.geometry.cylinders);
  b[f_geometry + 2] = char(f.geometry.heads);
  b[f_geometry + 3] = char(f.geometry.sectors_per_track);
  put32(&b, f_disk_type, uint32_t(f.type));
  std::memcpy(&b[f_unique_id], f.unique_id.data(), 16);
  b[f_saved_state] = char(f.saved_state);
  put32(&b, f_checksum, vhd_checksum(b, f_checksum));
  return b;
}

result<footer> decode_footer(std::string_view b, uint64_t at) {
  assert(b.size() == footer_size);
  static_assert(f_cookie == 0);
  TL_RETURN_IF_ERROR(
      check_cookie_and_checksum(b, at, "footer", footer_cookie, f_checksum));
  footer f;
  f.checksum = get32(b, f_checksum);
  f.features = get32(b, f_features);
  f.version = get32(b, f_version);
  if ((f.version >> 16) != 1)
    return bad("footer", at, f_version,
               "file format version " + hex32(f.version) + " is not 1.x");
  f.data_offset = get64(b, f_data_offset);
  f.timestamp = get32(b, f_timestamp);
  std::memcpy(f.creator_app.data(), &b[f_creator_app], 4);
  f.creator_version = get32(b, f_creator_version);
  f.creator_os = get32(b, f_creator_os);
  f.original_size = get64(b, f_original_size);
  f.current_size = get64(b, f_current_size);
  f.geometry.cylinders =
      uint16_t(uint8_t(b[f_geometry]) << 8 | uint8_t(b[f_geometry + 1]));
  f.geometry.heads = uint8_t(b[f_geometry + 2]);
  f.geometry.sectors_per_track = uint8_t(b[f_geometry + 3]);
  uint32_t type = get32(b, f_disk_type);
  if (type != 2 && type != 3 && type != 4)
    return bad("footer", at, f_disk_type,
               "disk type " + std::to_string(type) +
                   " is not fixed (2), dynamic (3) or differencing (4)");
  f.type = disk_type(type);
  std::memcpy(f.unique_id.data(), &b[f_unique_id], 16);
  f.saved_state = uint8_t(b[f_saved_state]);
  return f;
}

std::string encode_header(const dynamic_header& h) {
  std::string b(header_size, '\0');
  std::memcpy(&b[h_cookie], header_cookie, 8);
  put64(&b, h_data_offset, h.data_offset);
  put64(&b, h_table_offset, h.table_offset);
  put32(&b, h_version, h.version);
  put32(&b, h_max_entries, h.max_table_entries);
  put32(&b, h_block_size, h.block_size);
  std::memcpy(&b[h_parent_id], h.parent_id.data(), 16);
  put32(&b, h_parent_timestamp, h.parent_timestamp);
  for (size_t i = 0; i < h.parent_name.size() && i < h_parent_name_bytes / 2;
       ++i) {
    b[h_parent_name + 2 * i] = char(h.parent_name[i] >> 8);
    b[h_parent_name + 2 * i + 1] = char(h.parent_name[i]);
  }
  for (size_t i = 0; i < parent_locator_count; ++i) {
    size_t at = h_locators + i * locator_size;
    const parent_locator& l = h.locators[i];
    put32(&b, at, l.platform_code);
    put32(&b, at + 4, l.data_space);
    put32(&b, at + 8, l.data_length);
    put64(&b, at + 16, l.data_offset);
  }
  put32(&b, h_checksum, vhd_checksum(b, h_checksum));
  return b;
}

result<dynamic_header> decode_header(std::string_view b, uint64_t at) {
  assert(b.size() == header_size);
  static_assert(h_cookie == 0);
  TL_RETURN_IF_ERROR(check_cookie_and_checksum(b, at, "dynamic header",
                                               header_cookie, h_checksum));
  dynamic_header h;
  h.checksum = get32(b, h_checksum);
  h.data_offset = get64(b, h_data_offset);
  h.table_offset = get64(b, h_table_offset);
  h.version = get32(b, h_version);
  if ((h.version >> 16) != 1)
    return bad("dynamic header", at, h_version,
               "header version " + hex32(h.version) + " is not 1.x");
  h.max_table_entries = get32(b, h_max_entries);
  h.block_size = get32(b, h_block_size);
  std::memcpy(h.parent_id.data(), &b[h_parent_id], 16);
  h.parent_timestamp = get32(b, h_parent_timestamp);
  for (size_t i = 0; i < h_parent_name_bytes / 2; ++i) {
    char16_t c = char16_t(uint8_t(b[h_parent_name + 2 * i]) << 8 |
                          uint8_t(b[h_parent_name + 2 * i + 1]));
    if (c == 0) break;
    h.parent_name += c;
  }
  for (size_t i = 0; i < parent_locator_count; ++i) {
    size_t off = h_locators + i * locator_size;
    parent_locator& l = h.locators[i];
    l.platform_code = get32(b, off);
    l.data_space = get32(b, off + 4);
    l.data_length = get32(b, off + 8);
    l.data_offset = get64(b, off + 16);
  }
  return h;
}

status check_dynamic(const footer& f, const dynamic_header& h,
                     const std::string& where) {
  if (f.type != disk_type::dynamic && f.type != disk_type::differencing)
    return make_error(
        code::invalid_argument,
        where + ": vhd disk type is " + std::string(to_string(f.type)) +
            ", only dynamic and differencing disks are supported");
  if (h.block_size < sector_size || (h.block_size & (h.block_size - 1)) != 0)
    return make_error(code::corrupt,
                      where + ": vhd dynamic header block size " +
                          std::to_string(h.block_size) +
                          " is not a power of two of at least 512");
  uint64_t need = (f.current_size + h.block_size - 1) / h.block_size;
  if (h.max_table_entries < need)
    return make_error(code::corrupt, where + ": vhd dynamic header has " +
                                         std::to_string(h.max_table_entries) +
                                         " BAT entries but the disk size " +
                                         std::to_string(f.current_size) +
                                         " needs " + std::to_string(need));
  if (h.table_offset % sector_size != 0)
    return make_error(code::corrupt, where + ": vhd BAT offset " +
                                         std::to_string(h.table_offset) +
                                         " is not sector-aligned");
  return status::ok_status();
}

uint64_t bat_bytes(uint32_t entries) {
  uint64_t raw = uint64_t(entries) * 4;
  return (raw + sector_size - 1) / sector_size * sector_size;
}

std::vector<uint32_t> decode_bat(std::string_view bytes, uint32_t entries) {
  std::vector<uint32_t> bat(entries);
  for (uint32_t i = 0; i < entries; ++i) bat[i] = get32(bytes, 4 * size_t(i));
  return bat;
}

std::string encode_bat(const std::vector<uint32_t>& bat) {
  std::string b(bat_bytes(uint32_t(bat.size())), '\xff');
  for (size_t i = 0; i < bat.size(); ++i) put32(&b, 4 * i, bat[i]);
  return b;
}

uint32_t bitmap_bytes(uint32_t block_size) {
  uint32_t bits = block_size / sector_size;
  uint32_t bytes = (bits + 7) / 8;
  return (bytes + sector_size - 1) / sector_size * sector_size;
}

void zero_absent_sectors(std::string_view bitmap, std::string* data) {
  uint32_t sectors = uint32_t(data->size() / sector_size);
  for (uint32_t s = 0; s < sectors; ++s)
    if (!bitmap_test(bitmap, s))
      std::fill_n(&(*data)[size_t(s) * sector_size], sector_size, '\0');
}

bool bitmap_full(std::string_view bitmap, uint32_t block_size) {
  uint32_t sectors = block_size / sector_size;
  for (uint32_t s = 0; s < sectors; ++s)
    if (!bitmap_test(bitmap, s)) return false;
  return true;
}

std::u16string utf16_from_utf8(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    uint8_t c = uint8_t(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xE0 && i + 2 < s.size()) {
      cp = (c & 0x0F) << 12 | (uint8_t(s[i + 1]) & 0x3F) << 6 |
           (uint8_t(s[i + 2]) & 0x3F);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = (c & 0x1F) << 6 | (uint8_t(s[i + 1]) & 0x3F);
      n = 2;
    }
    out += char16_t(cp);
    i += n;
  }
  return out;
}

std::string utf8_from_utf16(const std::u16string& s) {
  std::string out;
  for (char16_t c : s) {
    if (c < 0x80) {
      out += char(c);
    } else if (c < 0x800) {
      out += char(0xC0 | (c >> 6));
      out += char(0x80 | (c & 0x3F));
    } else {
      out += char(0xE0 | (c >> 12));
      out += char(0x80 | ((c >> 6) & 0x3F));
      out += char(0x80 | (c & 0x3F));
    }
  }
  return out;
}

}  // namespace tapeline::vhd
