// The due-run decision (docs/scheduler.md, "When a schedule runs"): given a
// schedule's stored state (catalog records.h `schedule`: last_run, next_run,
// UTC seconds, 0 = never/not computed) and "now", whether to run, and the
// state to store. The caller owns the clock; nothing here reads one.
//
// Rules, in order:
//   1. next_run == 0: compute it (strictly after max(now, last_run)); wait.
//   2. now < last_run (the clock went back): never run a fire time at or
//      before last_run again; wait for next_run. If the clock is behind by
//      more than clock_reset_after, the stored times came from a wrong clock:
//      a next_run beyond the next fire after now is pulled back to it.
//   3. now < next_run: wait.
//   4. now >= next_run: count the fire times in [next_run, now] (missed).
//      One fire and at most on_time_grace late: run. More, or later (the
//      coordinator was down, or the clock jumped forward): run ONCE, as a
//      catch-up, if the latest missed fire time is within catch_up_within;
//      otherwise skip them all, with the reason. Either way next_run becomes
//      the first fire time strictly after now.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tapeline/scheduler/cron.h"
#include "tapeline/scheduler/zone.h"

namespace tapeline::scheduler {

struct due_options {
  // A missed run older than this is skipped, not caught up. 0: never catch up.
  std::chrono::seconds catch_up_within = std::chrono::hours(12);
  // A run this late or less is on time, not a catch-up.
  std::chrono::seconds on_time_grace = std::chrono::minutes(5);
  // A clock behind last_run by more than this is treated as reset.
  std::chrono::seconds clock_reset_after = std::chrono::hours(24);
};

enum class due_action {
  wait,  // nothing to run now; store next_run
  run,   // start the schedule's policy now; store last_run and next_run
  skip,  // missed runs too old to catch up; store next_run
};

const char* to_string(due_action a);

struct due_decision {
  due_action action = due_action::wait;
  bool catch_up = false;  // a run standing in for missed fire times
  int64_t missed = 0;     // fire times in [old next_run, now]; 0 when none
  bool missed_at_least = false;  // `missed` stopped counting at a cap
  int64_t fire_time = 0;  // the latest missed fire time this run stands for
  int64_t last_run = 0;   // state to store
  int64_t next_run = 0;   // state to store; 0 when the cron never fires again
  std::string reason;     // one line for the log and `tapeline schedule list`
};

// REQUIRES: z is a located zone.
due_decision decide(const cron_expr& cron, const zone& z, int64_t last_run,
                    int64_t next_run, int64_t now,
                    const due_options& options = {});

}  // namespace tapeline::scheduler
