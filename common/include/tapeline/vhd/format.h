// The Microsoft VHD structures Tapeline reads and writes (docs/vhd.md): the
// 512-byte footer, the 1024-byte dynamic disk header with its parent
// locators, the BAT and the per-block sector bitmap.
//
// Everything here is pure: encode/decode between structs and big-endian
// bytes, checksums, CHS geometry. All functions are thread-safe.
// decode_*() verify cookies and checksums and name the field and byte offset
// of the first thing that is wrong.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::vhd {

constexpr uint32_t sector_size = 512;
constexpr uint32_t footer_size = 512;
constexpr uint32_t header_size = 1024;
constexpr uint32_t default_block_size = 2 * 1024 * 1024;  // 2 MiB
constexpr uint32_t bat_unused = 0xFFFFFFFFu;
constexpr uint64_t no_data_offset = 0xFFFFFFFFFFFFFFFFull;
constexpr uint32_t format_version = 0x00010000u;
constexpr uint32_t features_reserved = 0x00000002u;  // always set (spec)
constexpr uint32_t parent_locator_count = 8;

enum class disk_type : uint32_t {
  none = 0,
  fixed = 2,
  dynamic = 3,
  differencing = 4,
};
const char* to_string(disk_type t);

using uuid = std::array<uint8_t, 16>;
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", bytes in stored (big-endian) order.
std::string to_string(const uuid& id);

struct chs {
  uint16_t cylinders = 0;
  uint8_t heads = 0;
  uint8_t sectors_per_track = 0;
  bool operator==(const chs& o) const {
    return cylinders == o.cylinders && heads == o.heads &&
           sectors_per_track == o.sectors_per_track;
  }
};
// CHS geometry for a disk of `size_bytes`, by the spec's appendix algorithm.
chs geometry_for_size(uint64_t size_bytes);

struct footer {
  uint32_t features = features_reserved;
  uint32_t version = format_version;
  uint64_t data_offset = no_data_offset;  // the dynamic header's offset
  uint32_t timestamp = 0;                 // seconds since 2000-01-01 UTC
  std::array<char, 4> creator_app = {'t', 'p', 'l', 'n'};
  uint32_t creator_version = 0x00010000u;
  uint32_t creator_os = 0x4C6E7578u;  // "Lnux"
  uint64_t original_size = 0;
  uint64_t current_size = 0;  // the virtual disk's size in bytes
  chs geometry;
  disk_type type = disk_type::dynamic;
  uint32_t checksum = 0;  // filled by encode, checked by decode
  uuid unique_id{};
  uint8_t saved_state = 0;
};

struct parent_locator {
  uint32_t platform_code = 0;  // 0 = unused; "MacX", "W2ku", "W2ru"
  uint32_t data_space = 0;     // bytes reserved (some writers: sectors)
  uint32_t data_length = 0;    // bytes used
  uint64_t data_offset = 0;    // absolute file offset of the locator data
};
constexpr uint32_t platform_macx = 0x4D616358u;  // "MacX": file:// URL, UTF-8
constexpr uint32_t platform_w2ku = 0x57326B75u;  // "W2ku": UTF-16LE path

struct dynamic_header {
  uint64_t data_offset = no_data_offset;
  uint64_t table_offset = 0;  // the BAT's offset
  uint32_t version = format_version;
  uint32_t max_table_entries = 0;
  uint32_t block_size = default_block_size;
  uint32_t checksum = 0;
  uuid parent_id{};  // differencing disks: the parent's footer unique_id
  uint32_t parent_timestamp = 0;
  std::u16string parent_name;  // stored as UTF-16BE, 512 bytes
  std::array<parent_locator, parent_locator_count> locators{};
};

// VHD checksum: one's complement of the byte sum, `checksum_offset`'s four
// bytes counted as zero.
uint32_t vhd_checksum(std::string_view bytes, size_t checksum_offset);

// Encoders fill the checksum. The struct's own checksum field is ignored.
std::string encode_footer(const footer& f);
std::string encode_header(const dynamic_header& h);

// `at` is the structure's byte offset in the file or stream, for messages.
// REQUIRES: bytes.size() == footer_size / header_size.
result<footer> decode_footer(std::string_view bytes, uint64_t at);
result<dynamic_header> decode_header(std::string_view bytes, uint64_t at);

// Consistency of a dynamic or differencing disk's footer and header: disk
// type, block size (a power of two, >= one sector), max table entries covering
// current_size. `where` names the disk in messages.
status check_dynamic(const footer& f, const dynamic_header& h,
                     const std::string& where);

// The BAT occupies whole sectors.
uint64_t bat_bytes(uint32_t max_table_entries);
std::vector<uint32_t> decode_bat(std::string_view bytes, uint32_t entries);
// Padded with bat_unused to bat_bytes(bat.size()).
std::string encode_bat(const std::vector<uint32_t>& bat);

// The sector bitmap in front of each block, padded to whole sectors.
uint32_t bitmap_bytes(uint32_t block_size);
// Bit i (MSB first within each byte) says the block holds sector i.
inline bool bitmap_test(std::string_view bitmap, uint32_t sector) {
  return (static_cast<uint8_t>(bitmap[sector / 8]) >> (7 - sector % 8)) & 1;
}
inline void bitmap_set(std::string* bitmap, uint32_t sector) {
  (*bitmap)[sector / 8] =
      static_cast<char>((*bitmap)[sector / 8] | (0x80 >> (sector % 8)));
}

// Zeroes each sector of `data` whose bitmap bit is clear: a sector a
// dynamic disk does not hold reads as zero.
void zero_absent_sectors(std::string_view bitmap, std::string* data);
// True when every sector of a block of `block_size` bytes is present.
bool bitmap_full(std::string_view bitmap, uint32_t block_size);

// Encodes an ASCII/UTF-8 name as UTF-16 code units (no surrogate handling
// beyond the BMP is needed for file names we write).
std::u16string utf16_from_utf8(std::string_view s);
std::string utf8_from_utf16(const std::u16string& s);

}  // namespace tapeline::vhd
