// Cron expressions (docs/scheduler.md, "Syntax"): five fields
//   minute hour day-of-month month day-of-week
// with lists (1,15), ranges (1-5), steps (*/15, 0-30/10, 5/20 = 5-max/20),
// `*`, names (jan-dec, sun-sat, case-insensitive), 7 = Sunday, and the
// macros @hourly @daily @midnight @weekly @monthly @yearly @annually.
// Day-of-month and day-of-week follow Vixie cron: when both are restricted
// (neither starts with '*') a day matches if EITHER matches; otherwise both
// must.
//
// A cron_expr is an immutable value: copyable, thread-safe to share. It knows
// nothing of time zones; it matches civil (wall-clock) minutes. next_fire.h
// maps it onto instants in a zone.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"

namespace tapeline::scheduler {

// A civil minute: minutes since 1970-01-01 00:00 of a wall clock.
using local_minute = int64_t;

// The civil fields of one wall-clock minute.
struct civil_minute {
  int year;
  int month;    // 1..12
  int mday;     // 1..31
  int hour;     // 0..23
  int minute;   // 0..59
  int weekday;  // 0 = Sunday .. 6
};

civil_minute to_civil(local_minute m);
local_minute from_civil(int year, int month, int mday, int hour, int minute);

class cron_expr {
 public:
  // Parses `text`. Errors (code::invalid_argument) quote the expression and
  // name the field and the bad token:
  //   cron '30 25 * * *': hour 25 is out of range 0-23
  // An expression that can never fire (day 31 of April only) is refused.
  static result<cron_expr> parse(std::string_view text);

  // Whether the wall-clock minute matches every field.
  bool matches(const civil_minute& c) const;
  // The first matching minute in [from, until], or nullopt.
  std::optional<local_minute> next_match(local_minute from,
                                         local_minute until) const;

  // Vixie cron's "fixed time" job: neither the minute nor the hour field
  // starts with '*' (so @daily is fixed, @hourly and "*/5 * * * *" are not).
  // next_fire.h applies the DST rules only to fixed-time expressions.
  bool fixed_time() const { return !minute_star_ && !hour_star_; }
  // The expression as written (a macro stays a macro).
  const std::string& text() const { return text_; }

 private:
  bool day_matches(int month, int mday, int weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> mdays_;    // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool minute_star_ = false;
  bool hour_star_ = false;
  bool mday_star_ = false;
  bool weekday_star_ = false;
};

}  // namespace tapeline::scheduler
