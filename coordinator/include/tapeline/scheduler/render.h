// Text for operators: instants in a schedule's zone and in UTC, and the
// next N fire times for `tapeline schedule list`.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tapeline/scheduler/cron.h"
#include "tapeline/scheduler/zone.h"

namespace tapeline::scheduler {

// "Mon 2024-06-03 22:30 BST" (wall clock with the zone's abbreviation).
std::string format_local(const zone& z, int64_t utc_second);
// "2024-06-03 21:30 UTC"
std::string format_utc(int64_t utc_second);
// "Mon 2024-06-03 22:30 BST (2024-06-03 21:30 UTC)"
std::string format_both(const zone& z, int64_t utc_second);

struct fire_time {
  int64_t utc_second;
  std::string local;  // format_local
  std::string utc;    // format_utc
};

// The next `n` fire times strictly after `after`; fewer if the expression
// stops firing (next_fire.h's horizon).
std::vector<fire_time> next_fire_times(const cron_expr& cron, const zone& z,
                                       int64_t after, int n);

// One line per fire time, "  Mon 2024-06-03 22:30 BST   2024-06-03 21:30
// UTC", under a heading "NAME  CRON  (ZONE)".
std::string render_next(const std::string& name, const cron_expr& cron,
                        const zone& z, int64_t after, int n);

}  // namespace tapeline::scheduler
