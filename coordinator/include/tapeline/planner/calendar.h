// Civil dates for the planner: a night is a whole day number in the site's
// time zone, counted from 1970-01-01 (day 0, a Thursday). The caller turns
// "now" into a day; nothing here reads a clock (STYLE.md rule 5).
//
// Weeks start on Monday (ISO 8601). All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace tapeline::planner {

using day = int32_t;

struct civil_date {
  int year;
  int month;  // 1..12
  int mday;   // 1..31
};

day day_from_civil(int year, int month, int mday);
civil_date civil_from_day(day d);

// 0 = Sunday ... 6 = Saturday.
int weekday(day d);
// A number that grows by one each Monday.
int32_t week_index(day d);
// The Monday of week `w`.
day week_start(int32_t w);
// year * 12 + (month - 1).
int32_t month_index(day d);
// The first day of month index `m`.
day month_start(int32_t m);
bool is_last_day_of_week(day d);  // a Sunday
bool is_last_day_of_month(day d);

// "2026-11-28"
std::string format_iso(day d);
// "Sat 2026-11-28"
std::string format_day(day d);
// "Sat"
const char* weekday_name(int wd);

}  // namespace tapeline::planner
