#include "tapeline/common/units.h"

#include <cctype>
#include <cstdio>
#include <limits>

namespace tapeline {
namespace {

using u128 = unsigned __int128;

constexpr char size_hint[] =
    "expected a size such as 256K, 512M, 1.5T or 64KiB";
constexpr char duration_hint[] =
    "expected a duration such as 30s, 5m, 1h30m or 14d";

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

// The multiplier of a size suffix, 0 when unknown.
uint64_t size_multiplier(std::string_view suffix) {
  static constexpr struct {
    const char* name;
    uint64_t mult;
  } table[] = {
      {"", 1},
      {"b", 1},
      {"k", kib},
      {"kib", kib},
      {"kb", 1000},
      {"m", mib},
      {"mib", mib},
      {"mb", 1000000},
      {"g", gib},
      {"gib", gib},
      {"gb", 1000000000},
      {"t", tib},
      {"tib", tib},
      {"tb", 1000000000000},
      {"p", tib * kib},
      {"pib", tib * kib},
      {"pb", 1000000000000000},
  };
  auto key = lower(suffix);
  for (auto& e : table)
    if (key == e.name) return e.mult;
  return 0;
}

// Reads [0-9]+ from s at pos into *out (with the digit count in *ndigits).
// Returns false on overflow of 128 bits' worth of 38 digits.
bool read_digits(std::string_view s, size_t& pos, u128* out, int* ndigits) {
  *out = 0;
  *ndigits = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
    if (*ndigits >= 38) return false;
    *out = *out * 10 + static_cast<unsigned>(s[pos] - '0');
    ++*ndigits;
    ++pos;
  }
  return true;
}

}  // namespace

result<uint64_t> parse_size(std::string_view text) {
  auto fail = [&] {
    return make_error(code::invalid_argument,
                      std::string(size_hint) + ", got " + quoted(text));
  };
  size_t pos = 0;
  u128 whole = 0, frac = 0;
  int nwhole = 0, nfrac = 0;
  if (!read_digits(text, pos, &whole, &nwhole)) return fail();
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!read_digits(text, pos, &frac, &nfrac) || nfrac > 18) return fail();
    if (nfrac == 0) return fail();
  }
  if (nwhole == 0) return fail();
  if (pos < text.size() && text[pos] == ' ') ++pos;
  uint64_t mult = size_multiplier(text.substr(pos));
  if (mult == 0) return fail();
  u128 scale = 1;
  for (int i = 0; i < nfrac; ++i) scale *= 10;
  u128 value = whole * mult + frac * mult / scale;
  if (nwhole > 20 || value > std::numeric_limits<uint64_t>::max())
    return make_error(code::invalid_argument,
                      "expected a size below 16E, got " + quoted(text));
  return static_cast<uint64_t>(value);
}

std::string format_size_exact(uint64_t bytes) {
  static constexpr struct {
    char suffix;
    uint64_t mult;
  } units[] = {
      {'P', tib * kib}, {'T', tib}, {'G', gib}, {'M', mib}, {'K', kib}};
  if (bytes == 0) return "0";
  for (auto& u : units)
    if (bytes % u.mult == 0) return std::to_string(bytes / u.mult) + u.suffix;
  return std::to_string(bytes);
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* names[] = {"B",   "KiB", "MiB", "GiB",
                                          "TiB", "PiB", "EiB"};
  if (bytes < kib) return std::to_string(bytes) + " B";
  int unit = 0;
  u128 div = 1;
  while (unit < 6 && bytes >= div * 1024) {
    div *= 1024;
    ++unit;
  }
  u128 tenths = (u128{bytes} * 10 + div / 2) / div;
  if (tenths >= 10240 && unit < 6) {  // 1023.96 KiB rounds to 1 MiB
    ++unit;
    div *= 1024;
    tenths = (u128{bytes} * 10 + div / 2) / div;
  }
  auto whole = static_cast<uint64_t>(tenths / 10);
  auto tenth = static_cast<unsigned>(tenths % 10);
  std::string out = std::to_string(whole);
  if (tenth != 0) out += "." + std::to_string(tenth);
  return out + " " + names[unit];
}

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto fail = [&] {
    return make_error(code::invalid_argument,
                      std::string(duration_hint) + ", got " + quoted(text));
  };
  static constexpr struct {
    const char* name;
    uint64_t ms;
  } units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
               {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
  size_t pos = 0;
  u128 total = 0;
  if (text.empty()) return fail();
  while (pos < text.size()) {
    u128 n = 0;
    int ndigits = 0;
    if (!read_digits(text, pos, &n, &ndigits) || ndigits == 0) return fail();
    size_t start = pos;
    while (pos < text.size() &&
           std::isalpha(static_cast<unsigned char>(text[pos])))
      ++pos;
    auto unit = lower(text.substr(start, pos - start));
    uint64_t ms = 0;
    for (auto& u : units)
      if (unit == u.name) ms = u.ms;
    if (ms == 0 || ndigits > 18) return fail();
    total += n * ms;
    if (total > static_cast<u128>(std::numeric_limits<int64_t>::max()))
      return fail();
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::string format_duration(std::chrono::milliseconds d) {
  static constexpr struct {
    const char* name;
    int64_t ms;
  } units[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  int64_t left = d.count();
  if (left <= 0) return left == 0 ? "0s" : "-" + format_duration(-d);
  std::string out;
  for (auto& u : units) {
    if (left >= u.ms) {
      out += std::to_string(left / u.ms) + u.name;
      left %= u.ms;
    }
  }
  return out;
}

}  // namespace tapeline
