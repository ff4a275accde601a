// Cron fire instants in a time zone, with Vixie cron's DST rule
// (next_fire.h; docs/scheduler.md, "Daylight saving time").
//
// The zone's timeline is a series of periods of constant UTC offset (the
// date library's sys_info). Inside one period, wall time is UTC plus the
// offset, so matches are found on the wall clock and shifted back. At a
// period's start the wall clock jumped: forward (a gap of missing minutes)
// or back (minutes that come again).
#include <date/tz.h>

#include <algorithm>

#include "tapeline/scheduler/next_fire.h"

namespace tapeline::scheduler {
namespace {

constexpr int64_t kHorizon = int64_t{50} * 366 * 86400;  // seconds

int64_t floor_minute(int64_t s) {
  return s / 60 - (s % 60 < 0);
}
int64_t ceil_minute(int64_t s) {
  return -floor_minute(-s);
}

struct period {
  int64_t begin, end;   // UTC seconds, [begin, end)
  int64_t offset;       // seconds
  int64_t prev_offset;  // of the period before; == offset when none
};

period period_at(const date::time_zone* tz, int64_t t) {
  auto info = tz->get_info(date::sys_seconds{std::chrono::seconds{t}});
  period p{info.begin.time_since_epoch().count(),
           info.end.time_since_epoch().count(), info.offset.count(),
           info.offset.count()};
  if (p.begin > t - kHorizon) {
    auto before =
        tz->get_info(date::sys_seconds{std::chrono::seconds{p.begin - 1}});
    p.prev_offset = before.offset.count();
  }
  return p;
}

}  // namespace

std::optional<int64_t> next_fire(const cron_expr& cron, const zone& z,
                                 int64_t after) {
  const int64_t limit = after + kHorizon;
  const bool fixed = cron.fixed_time();
  int64_t t = after + 1;
  while (t <= limit) {
    period p = period_at(z.tz(), t);
    int64_t end = std::min(p.end, limit);
    // A gap at the start of this period: its missing wall-clock minutes run
    // once, at the transition, if a fixed-time expression names one.
    if (fixed && p.begin >= t && p.offset > p.prev_offset) {
      int64_t gap_from = ceil_minute(p.begin + p.prev_offset);
      int64_t gap_to = ceil_minute(p.begin + p.offset) - 1;
      if (cron.next_match(gap_from, gap_to)) return p.begin;
    }
    int64_t from_local = t + p.offset;
    // After falling back, a fixed-time expression does not fire again for
    // wall-clock minutes the previous period already showed.
    if (fixed && p.prev_offset > p.offset)
      from_local = std::max(from_local, p.begin + p.prev_offset);
    int64_t until_local = end - 1 + p.offset;
    if (from_local <= until_local) {
      auto m =
          cron.next_match(ceil_minute(from_local), floor_minute(until_local));
      if (m) return *m * 60 - p.offset;
    }
    t = end;
  }
  return std::nullopt;
}

}  // namespace tapeline::scheduler
