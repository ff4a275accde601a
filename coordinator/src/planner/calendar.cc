#include "tapeline/planner/calendar.h"

#include <cstdio>

namespace tapeline::planner {

// Howard Hinnant's days_from_civil / civil_from_days (public domain
// algorithms, "chrono-Compatible Low-Level Date Algorithms").
day day_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int>(doe) - 719468;
}

civil_date civil_from_day(day z) {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(day d) {
  return ((d + 4) % 7 + 7) % 7;
}

int32_t week_index(day d) {
  // Day 0 is a Thursday; Monday 1969-12-29 is day -3.
  const int32_t x = d + 3;
  return x >= 0 ? x / 7 : (x - 6) / 7;
}

day week_start(int32_t w) {
  return w * 7 - 3;
}

int32_t month_index(day d) {
  const civil_date c = civil_from_day(d);
  return c.year * 12 + (c.month - 1);
}

day month_start(int32_t m) {
  const int y = m >= 0 ? m / 12 : (m - 11) / 12;
  return day_from_civil(y, m - y * 12 + 1, 1);
}

bool is_last_day_of_week(day d) {
  return weekday(d) == 0;
}

bool is_last_day_of_month(day d) {
  return month_index(d + 1) != month_index(d);
}

const char* weekday_name(int wd) {
  static const char* names[] = {"Sun", "Mon", "Tue", "Wed",
                                "Thu", "Fri", "Sat"};
  return names[((wd % 7) + 7) % 7];
}

std::string format_iso(day d) {
  const civil_date c = civil_from_day(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.mday);
  return buf;
}

std::string format_day(day d) {
  return std::string(weekday_name(weekday(d))) + " " + format_iso(d);
}

}  // namespace tapeline::planner
