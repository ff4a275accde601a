// Matching wall-clock minutes against a cron expression (cron.h).
#include <date/date.h>

#include "tapeline/scheduler/cron.h"

namespace tapeline::scheduler {
namespace {

constexpr int64_t kMinutesPerDay = 24 * 60;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

civil_minute to_civil(local_minute m) {
  int64_t days = floor_div(m, kMinutesPerDay);
  int64_t in_day = m - days * kMinutesPerDay;
  date::sys_days d{date::days{days}};
  date::year_month_day ymd{d};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(in_day / 60),
          static_cast<int>(in_day % 60),
          static_cast<int>(date::weekday{d}.c_encoding())};
}

local_minute from_civil(int year, int month, int mday, int hour, int minute) {
  date::sys_days d{date::year{year} / month / mday};
  return d.time_since_epoch().count() * kMinutesPerDay + hour * 60 + minute;
}

bool cron_expr::day_matches(int month, int mday, int weekday) const {
  if (!months_[month]) return false;
  bool dom = mdays_[mday];
  bool dow = weekdays_[weekday];
  // Vixie cron: both restricted means either; otherwise both.
  if (mday_star_ || weekday_star_) return dom && dow;
  return dom || dow;
}

bool cron_expr::matches(const civil_minute& c) const {
  return minutes_[c.minute] && hours_[c.hour] &&
         day_matches(c.month, c.mday, c.weekday);
}

std::optional<local_minute> cron_expr::next_match(local_minute from,
                                                  local_minute until) const {
  local_minute m = from;
  while (m <= until) {
    auto c = to_civil(m);
    local_minute day_start = m - c.hour * 60 - c.minute;
    if (!months_[c.month]) {
      m = c.month == 12 ? from_civil(c.year + 1, 1, 1, 0, 0)
                        : from_civil(c.year, c.month + 1, 1, 0, 0);
      continue;
    }
    if (!day_matches(c.month, c.mday, c.weekday)) {
      m = day_start + kMinutesPerDay;
      continue;
    }
    if (!hours_[c.hour]) {
      m = day_start + (c.hour + 1) * 60;
      continue;
    }
    if (!minutes_[c.minute]) {
      int next = c.minute + 1;
      while (next < 60 && !minutes_[next]) ++next;
      m = day_start + c.hour * 60 + next;  // next == 60: the next hour
      continue;
    }
    return m;
  }
  return std::nullopt;
}

}  // namespace tapeline::scheduler
