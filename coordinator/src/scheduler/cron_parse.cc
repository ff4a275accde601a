// Parsing of cron expressions (cron.h; docs/scheduler.md, "Syntax").
#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "tapeline/scheduler/cron.h"

namespace tapeline::scheduler {
namespace {

struct field_spec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names[i] is value names_base + i
  int names_base;
  int names_count;
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kWeekdayNames[] = {"sun", "mon", "tue", "wed",
                                     "thu", "fri", "sat"};

const field_spec kFields[5] = {
    {"minute", 0, 59, nullptr, 0, 0},
    {"hour", 0, 23, nullptr, 0, 0},
    {"day-of-month", 1, 31, nullptr, 0, 0},
    {"month", 1, 12, kMonthNames, 1, 12},
    {"day-of-week", 0, 7, kWeekdayNames, 0, 7},
};

struct macro {
  const char* name;
  const char* expansion;
};
const macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower((unsigned char)ch));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace((unsigned char)s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace((unsigned char)s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isdigit((unsigned char)c); });
}

// Parses one field into bits [0, 64). Errors are prefixed by the caller.
class field_parser {
 public:
  field_parser(const field_spec& spec, std::string_view text)
      : spec_(spec), text_(text) {}

  status parse(uint64_t* bits) {
    for (auto item : split(text_, ',')) {
      if (item.empty())
        return fail("has an empty item in '" + std::string(text_) +
                    "'; separate values with single commas");
      TL_RETURN_IF_ERROR(parse_item(item, bits));
    }
    return {};
  }

 private:
  status parse_item(std::string_view item, uint64_t* bits) {
    auto parts = split(item, '/');
    if (parts.size() > 2)
      return fail("'" + std::string(item) + "' has more than one '/'");
    int lo, hi;
    auto base = parts[0];
    if (base == "*") {
      lo = spec_.min;
      hi = spec_.max;
    } else if (auto dash = base.find('-'); dash != std::string_view::npos) {
      TL_RETURN_IF_ERROR(value(base.substr(0, dash), &lo));
      TL_RETURN_IF_ERROR(value(base.substr(dash + 1), &hi));
      if (lo > hi)
        return fail("range " + std::string(base) +
                    " runs backwards; write it as two ranges, e.g. " +
                    std::to_string(lo) + "-" + std::to_string(spec_.max) + "," +
                    std::to_string(spec_.min) + "-" + std::to_string(hi));
    } else {
      TL_RETURN_IF_ERROR(value(base, &lo));
      hi = parts.size() == 2 ? spec_.max : lo;
    }
    int step = 1;
    if (parts.size() == 2) {
      auto s = parts[1];
      if (!all_digits(s) || std::stoi(std::string(s)) == 0)
        return fail("step '" + std::string(s) + "' in '" + std::string(item) +
                    "' is not a whole number of at least 1");
      step = std::stoi(std::string(s));
    }
    for (int v = lo; v <= hi; v += step) *bits |= uint64_t{1} << v;
    return {};
  }

  status value(std::string_view token, int* out) {
    if (all_digits(token)) {
      int v = std::stoi(std::string(token));
      if (v < spec_.min || v > spec_.max)
        return fail(std::to_string(v) + " is out of range " +
                    std::to_string(spec_.min) + "-" +
                    std::to_string(spec_.max));
      *out = v;
      return {};
    }
    auto l = lower(token);
    for (int i = 0; i < spec_.names_count; ++i) {
      if (l == spec_.names[i]) {
        *out = spec_.names_base + i;
        return {};
      }
    }
    std::string what = "'" + std::string(token) + "' is not a number";
    if (spec_.names)
      what += " or a name (" + std::string(spec_.names[0]) + "-" +
              spec_.names[spec_.names_count - 1] + ")";
    return fail(what);
  }

  status fail(const std::string& what) const {
    return make_error(code::invalid_argument,
                      std::string(spec_.name) + " " + what);
  }

  const field_spec& spec_;
  std::string_view text_;
};

int max_mday(int month) {
  static const int kDays[13] = {0,  31, 29, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
  return kDays[month];
}

}  // namespace

result<cron_expr> cron_expr::parse(std::string_view text) {
  std::string original(text);
  auto fail = [&](const std::string& what) -> status {
    return make_error(code::invalid_argument,
                      "cron '" + original + "': " + what);
  };
  auto fields = split_blanks(text);
  std::string expanded;
  if (fields.size() == 1 && fields[0].substr(0, 1) == "@") {
    auto name = lower(fields[0]);
    for (const auto& m : kMacros)
      if (name == m.name) expanded = m.expansion;
    if (expanded.empty())
      return fail("unknown macro '" + std::string(fields[0]) +
                  "'; use @hourly, @daily, @midnight, @weekly, @monthly, "
                  "@yearly or @annually (there is no @reboot: the "
                  "coordinator runs schedules, not boot jobs)");
    fields = split_blanks(expanded);
  }
  if (fields.size() != 5)
    return fail(
        "expected 5 fields (minute hour day-of-month month "
        "day-of-week) or a macro such as @daily, got " +
        std::to_string(fields.size()) +
        (fields.size() == 6 ? " (there is no seconds or year field)" : ""));
  cron_expr e;
  e.text_ = original;
  uint64_t bits[5] = {};
  for (int i = 0; i < 5; ++i) {
    field_parser p(kFields[i], fields[i]);
    if (auto st = p.parse(&bits[i]); !st.ok()) return fail(st.message());
  }
  if (bits[4] & (uint64_t{1} << 7)) bits[4] = (bits[4] | 1) & 0x7f;  // 7: Sun
  e.minutes_ = std::bitset<60>(bits[0]);
  e.hours_ = std::bitset<24>(bits[1]);
  e.mdays_ = std::bitset<32>(bits[2]);
  e.months_ = std::bitset<13>(bits[3]);
  e.weekdays_ = std::bitset<7>(bits[4]);
  e.minute_star_ = fields[0][0] == '*';
  e.hour_star_ = fields[1][0] == '*';
  e.mday_star_ = fields[2][0] == '*';
  e.weekday_star_ = fields[4][0] == '*';

  // With day-of-week '*' (AND rule), a day-of-month that no chosen month has
  // (31 in April) would never fire. Under the OR rule the weekday still does.
  if (!(e.mday_star_ || e.weekday_star_)) return e;
  for (int m = 1; m <= 12; ++m)
    for (int d = 1; d <= max_mday(m); ++d)
      if (e.months_[m] && e.mdays_[d]) return e;
  return fail("never fires: no month in '" + std::string(fields[3]) +
              "' has a day in '" + std::string(fields[2]) +
              "'; check the day-of-month and month fields");
}

}  // namespace tapeline::scheduler
