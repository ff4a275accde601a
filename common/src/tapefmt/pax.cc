// pax / ustar headers (docs/tape-format.md §3 and §6).
#include "tapeline/tapefmt/pax.h"

#include <cstdio>
#include <cstring>

namespace tapeline::tapefmt {
namespace {

constexpr uint64_t ustar_max_octal = 077777777777ull;  // 11 octal digits

// Writes `v` as zero-padded octal into field [p, p+width-1) plus a NUL.
void put_octal(char* p, size_t width, uint64_t v) {
  p[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0;) {
    p[i] = static_cast<char>('0' + (v & 7));
    v >>= 3;
  }
}

void put_string(char* p, size_t width, const std::string& s) {
  std::memcpy(p, s.data(), s.size() < width ? s.size() : width);
}

std::string dir_of(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? "." : name.substr(0, slash);
}

std::string base_of(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

void append_record(const std::string& key, const std::string& value,
                   std::string* out) {
  size_t base = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = base + 1;
  while (len != base + std::to_string(len).size())
    len = base + std::to_string(len).size();
  *out += std::to_string(len);
  *out += ' ';
  *out += key;
  *out += '=';
  *out += value;
  *out += '\n';
}

constexpr uint64_t ustar_max_id = 07777777ull;  // 7 octal digits

bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool is_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

// Whether `s` needs a pax record: too long for its ustar field, or UTF-8
// that is not ASCII. Names that are not UTF-8 stay raw in the ustar field
// when they fit (both GNU tar and bsdtar read those bytes back as they are).
bool needs_record(const std::string& s, size_t field) {
  return s.size() > field || (!is_ascii(s) && is_utf8(s));
}

// Appends the ustar header block of `h`; fields that do not fit are left
// zero (their pax records carry them).
void append_ustar(const member_header& h, std::string* out) {
  char b[block_size] = {};
  put_string(b, 100, h.name);
  put_octal(b + 100, 8, h.mode & 07777);
  put_octal(b + 108, 8, h.uid > ustar_max_id ? 0 : h.uid);
  put_octal(b + 116, 8, h.gid > ustar_max_id ? 0 : h.gid);
  put_octal(b + 124, 12, h.size > ustar_max_octal ? 0 : h.size);
  bool mtime_fits =
      h.mtime_sec >= 0 && static_cast<uint64_t>(h.mtime_sec) <= ustar_max_octal;
  put_octal(b + 136, 12, mtime_fits ? static_cast<uint64_t>(h.mtime_sec) : 0);
  b[156] = h.typeflag;
  put_string(b + 157, 100, h.linkname);
  std::memcpy(b + 257,
              "ustar\0"
              "00",
              8);
  if (h.uname.size() < 32) put_string(b + 265, 32, h.uname);
  if (h.gname.size() < 32) put_string(b + 297, 32, h.gname);
  if (h.typeflag == '3' || h.typeflag == '4') {
    put_octal(b + 329, 8, h.devmajor > ustar_max_id ? 0 : h.devmajor);
    put_octal(b + 337, 8, h.devminor > ustar_max_id ? 0 : h.devminor);
  }
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : b) sum += c;
  put_octal(b + 148, 7, sum);  // six digits, NUL, then the space kept
  out->append(b, block_size);
}

void append_ustar(const std::string& name, uint64_t size, int64_t mtime,
                  char typeflag, std::string* out) {
  member_header h;
  h.name = name;
  h.size = size;
  h.mtime_sec = mtime;
  h.typeflag = typeflag;
  append_ustar(h, out);
}

// Appends an extended header (`x` or `g`) named `name` holding `data`.
void append_extended(const std::string& name, char typeflag,
                     const std::string& data, std::string* out) {
  append_ustar(name.substr(0, 100), data.size(), 0, typeflag, out);
  *out += data;
  out->append(block_padding(data.size()), '\0');
}

uint64_t parse_number(const char* p, size_t width) {
  if (static_cast<unsigned char>(p[0]) & 0x80) {  // GNU base-256
    uint64_t v = static_cast<unsigned char>(p[0]) & 0x7f;
    for (size_t i = 1; i < width; ++i)
      v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }
  uint64_t v = 0;
  size_t i = 0;
  while (i < width && (p[i] == ' ' || p[i] == '0')) ++i;
  for (; i < width && p[i] >= '0' && p[i] <= '7'; ++i)
    v = (v << 3) | (p[i] - '0');
  return v;
}

std::string field_string(const char* p, size_t width) {
  return std::string(p, strnlen(p, width));
}

}  // namespace

void encode_member_header(const std::string& name, uint64_t size, int64_t mtime,
                          std::string* out) {
  std::string data;
  append_record("mtime", std::to_string(mtime), &data);
  if (name.size() > 100) append_record("path", name, &data);
  if (size > ustar_max_octal)
    append_record("size", std::to_string(size), &data);
  append_extended(dir_of(name) + "/PaxHeaders/" + base_of(name), 'x', data,
                  out);
  append_ustar(name, size, mtime, '0', out);
}

std::string format_pax_time(int64_t sec, uint32_t nsec) {
  if (nsec == 0) return std::to_string(sec);
  char frac[16];
  if (sec >= 0) {
    snprintf(frac, sizeof frac, ".%09u", nsec);
    return std::to_string(sec) + frac;
  }
  // sec + nsec/1e9 is negative: print -(|sec + 1|).(1e9 - nsec).
  snprintf(frac, sizeof frac, ".%09u", 1000000000u - nsec);
  return "-" + std::to_string(-(sec + 1)) + frac;
}

void encode_header(const member_header& h, std::string* out) {
  std::string data;
  append_record("mtime", format_pax_time(h.mtime_sec, h.mtime_nsec), &data);
  bool name_rec = needs_record(h.name, 100);
  bool link_rec = needs_record(h.linkname, 100);
  // A long name that is not UTF-8: bsdtar needs hdrcharset=BINARY to take
  // it as bytes (GNU tar 1.34 warns that it ignores the keyword, and
  // extracts the same bytes).
  if ((name_rec && !is_utf8(h.name)) || (link_rec && !is_utf8(h.linkname)))
    append_record("hdrcharset", "BINARY", &data);
  if (name_rec) append_record("path", h.name, &data);
  if (link_rec) append_record("linkpath", h.linkname, &data);
  if (h.size > ustar_max_octal)
    append_record("size", std::to_string(h.size), &data);
  if (h.uid > ustar_max_id) append_record("uid", std::to_string(h.uid), &data);
  if (h.gid > ustar_max_id) append_record("gid", std::to_string(h.gid), &data);
  if (needs_record(h.uname, 31)) append_record("uname", h.uname, &data);
  if (needs_record(h.gname, 31)) append_record("gname", h.gname, &data);
  for (const auto& [k, v] : h.extra) append_record(k, v, &data);
  std::string bare = h.name;
  while (bare.size() > 1 && bare.back() == '/') bare.pop_back();
  append_extended(dir_of(bare) + "/PaxHeaders/" + base_of(bare), 'x', data,
                  out);
  append_ustar(h, out);
}

void encode_global_header(const std::string& name, const pax_records& records,
                          std::string* out) {
  std::string data;
  for (const auto& [k, v] : records) append_record(k, v, &data);
  append_extended(name, 'g', data, out);
}

void encode_continuation(const std::string& member, uint64_t size_left,
                         uint64_t offset, unsigned volume, std::string* out) {
  std::string n = std::to_string(volume);
  encode_global_header("GlobalHead.0." + n,
                       {{"GNU.volume.filename", member},
                        {"GNU.volume.size", std::to_string(size_left)},
                        {"GNU.volume.offset", std::to_string(offset)}},
                       out);
  encode_member_header(
      dir_of(member) + "/GNUFileParts/" + base_of(member) + "." + n, size_left,
      0, out);
}

void encode_end_of_archive(std::string* out) {
  out->append(2 * block_size, '\0');
}

bool is_zero_block(const char* block) {
  for (size_t i = 0; i < block_size; ++i)
    if (block[i] != 0) return false;
  return true;
}

result<ustar_header> decode_ustar(const char* b) {
  if (std::memcmp(b + 257, "ustar", 5) != 0)
    return status(code::corrupt, "not a ustar header (no magic)");
  unsigned usum = 0;
  int ssum = 0;
  for (size_t i = 0; i < block_size; ++i) {
    bool in_sum = i >= 148 && i < 156;
    usum += in_sum ? ' ' : static_cast<unsigned char>(b[i]);
    ssum += in_sum ? ' ' : static_cast<signed char>(b[i]);
  }
  uint64_t want = parse_number(b + 148, 8);
  if (want != usum && static_cast<int64_t>(want) != ssum)
    return status(code::corrupt, "ustar header checksum mismatch");
  ustar_header h;
  h.name = field_string(b, 100);
  std::string prefix = field_string(b + 345, 155);
  if (!prefix.empty()) h.name = prefix + "/" + h.name;
  h.size = parse_number(b + 124, 12);
  h.mtime = static_cast<int64_t>(parse_number(b + 136, 12));
  h.typeflag = b[156] ? b[156] : '0';
  return h;
}

result<pax_records> decode_pax_records(std::string_view data) {
  pax_records out;
  while (!data.empty() && data.front() != '\0') {
    size_t sp = data.find(' ');
    size_t len = 0;
    for (size_t i = 0; i < sp && i < data.size(); ++i) {
      if (data[i] < '0' || data[i] > '9') {
        len = 0;
        break;
      }
      len = len * 10 + (data[i] - '0');
    }
    if (sp == std::string_view::npos || len <= sp + 2 || len > data.size() ||
        data[len - 1] != '\n')
      return status(code::corrupt, "malformed pax extended header record");
    std::string_view rec = data.substr(sp + 1, len - sp - 2);
    size_t eq = rec.find('=');
    if (eq == std::string_view::npos)
      return status(code::corrupt, "pax record without '='");
    out.emplace_back(std::string(rec.substr(0, eq)),
                     std::string(rec.substr(eq + 1)));
    data.remove_prefix(len);
  }
  return out;
}

const std::string* find_record(const pax_records& records,
                               const std::string& key) {
  for (const auto& [k, v] : records)
    if (k == key) return &v;
  return nullptr;
}

}  // namespace tapeline::tapefmt
