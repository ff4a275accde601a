// When a cron expression fires, as instants (UTC seconds), in a time zone.
// The DST rule (docs/scheduler.md, "Daylight saving time") follows Vixie/ISC
// cron, computed from the zone's rules rather than from clock jumps:
//
// - Spring forward (local times that do not exist): a fixed-time expression
//   (cron.h, fixed_time()) whose time falls in the gap fires once, at the
//   first instant after the gap (the transition: 01:30 in London on the
//   last Sunday of March fires at 02:00 BST). Several times in one gap give
//   one run. A wildcard expression ('*' in minute or hour) just skips the
//   minutes that do not exist.
// - Fall back (local times that happen twice): a fixed-time expression fires
//   once, at the first occurrence (01:30 BST, not again at 01:30 GMT). A
//   wildcard expression follows elapsed time and fires in both occurrences,
//   so "every 30 minutes" stays every 30 minutes.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "tapeline/scheduler/cron.h"
#include "tapeline/scheduler/zone.h"

namespace tapeline::scheduler {

// The first fire instant strictly after `after` (UTC seconds), or nullopt
// when there is none in the next 50 years.
// REQUIRES: z is a located zone.
std::optional<int64_t> next_fire(const cron_expr& cron, const zone& z,
                                 int64_t after);

}  // namespace tapeline::scheduler
