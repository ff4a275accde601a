// POSIX pax / ustar member headers, as docs/tape-format.md §3 specifies them,
// plus the GNU multi-volume continuation headers of §6.
//
// Pure functions over byte strings; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::tapefmt {

constexpr size_t block_size = 512;

// Bytes of zero padding after `size` data bytes (to a multiple of 512).
inline size_t block_padding(uint64_t size) {
  return static_cast<size_t>((block_size - size % block_size) % block_size);
}

using pax_records = std::vector<std::pair<std::string, std::string>>;

// Appends the header blocks of one regular-file member (pax `x` header with
// mtime, and path/size when they do not fit ustar; then the ustar header).
void encode_member_header(const std::string& name, uint64_t size, int64_t mtime,
                          std::string* out);

// One member of a general archive (a file set, docs/fileset.md): any type,
// with owner, mode and times. encode_header() writes the ustar fields that
// fit and pax records for the rest: `path`/`linkpath` over 100 bytes or
// non-ASCII UTF-8 (plus `hdrcharset=BINARY` when a long one is not UTF-8),
// `size` of 8 GiB or more, `uid`/`gid` over 2097151, `uname`/`gname` over 31
// bytes; `mtime` always, with nanoseconds when not zero.
struct member_header {
  std::string name;      // "dir/", "dir/file"; bytes, not necessarily UTF-8
  std::string linkname;  // symlink target or hard link's first member
  char typeflag = '0';   // '0' file, '1' hard link, '2' symlink, '3' char,
                         // '4' block, '5' directory, '6' FIFO
  uint32_t mode = 0644;  // permission bits incl. setuid/setgid/sticky
  uint64_t uid = 0, gid = 0;
  std::string uname, gname;
  uint64_t size = 0;
  int64_t mtime_sec = 0;
  uint32_t mtime_nsec = 0;  // < 1e9
  uint32_t devmajor = 0, devminor = 0;
  pax_records extra;  // appended as given, e.g. SCHILY.xattr.*, SCHILY.acl.*
};

// Appends the pax `x` header and the ustar header of `h` (not its data).
void encode_header(const member_header& h, std::string* out);

// "sec" or "sec.nnnnnnnnn" as pax time values are written (negative times
// count back from the epoch: -1.5 is 1.5 s before it).
std::string format_pax_time(int64_t sec, uint32_t nsec);

// Appends a pax global header (typeflag `g`) holding `records`.
void encode_global_header(const std::string& name, const pax_records& records,
                          std::string* out);

// Appends the continuation of §6: the global header with GNU.volume.* and
// the GNUFileParts member header for `member`. `volume` counts from 1 (the
// first continuation is on volume 2).
void encode_continuation(const std::string& member, uint64_t size_left,
                         uint64_t offset, unsigned volume, std::string* out);

// Appends the end of archive: two zero blocks.
void encode_end_of_archive(std::string* out);

// One decoded ustar header block.
struct ustar_header {
  std::string name;  // name field (prefix/name joined when prefix is set)
  uint64_t size = 0;
  int64_t mtime = 0;
  char typeflag = '0';
};

bool is_zero_block(const char* block);

// Decodes a 512-byte header block, verifying magic and checksum.
result<ustar_header> decode_ustar(const char* block);

// Parses pax extended header data ("LEN key=value\n"...).
result<pax_records> decode_pax_records(std::string_view data);

// The value of `key` in `records`, or nullptr.
const std::string* find_record(const pax_records& records,
                               const std::string& key);

}  // namespace tapeline::tapefmt
