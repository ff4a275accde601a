// The due-run decision (due.h; docs/scheduler.md, "When a schedule runs").
#include "tapeline/scheduler/due.h"

#include <algorithm>

#include "tapeline/common/units.h"
#include "tapeline/scheduler/next_fire.h"
#include "tapeline/scheduler/render.h"

namespace tapeline::scheduler {
namespace {

// Counting missed fire times stops here ("at least N"): an every-minute
// schedule down for months.
constexpr int64_t kMissedCap = 100000;

std::string span(int64_t seconds) {
  return format_duration(std::chrono::seconds(seconds));
}

std::string span(std::chrono::seconds s) {
  return span(s.count());
}

class decider {
 public:
  decider(const cron_expr& cron, const zone& z, const due_options& o)
      : cron_(cron), z_(z), o_(o) {}

  int64_t next_after(int64_t t) const {
    auto f = next_fire(cron_, z_, t);
    return f ? *f : 0;
  }

  std::string when(int64_t t) const {
    return t ? format_both(z_, t)
             : std::string(
                   "never (the expression does not fire in the next "
                   "50 years)");
  }

  // Fills missed, missed_at_least and fire_time for a due schedule.
  void count_missed(int64_t next_run, int64_t now, due_decision* d) const {
    int64_t latest = next_run, missed = 1;
    for (int64_t t = next_run;;) {
      auto f = next_fire(cron_, z_, t);
      if (!f || *f > now) break;
      latest = t = *f;
      if (++missed >= kMissedCap) {
        d->missed_at_least = true;
        break;
      }
    }
    if (d->missed_at_least) {
      // Only whether the latest is recent enough to catch up matters.
      int64_t from = std::max(latest, now - o_.catch_up_within.count() - 1);
      for (auto f = next_fire(cron_, z_, from); f && *f <= now;
           f = next_fire(cron_, z_, *f))
        latest = *f;
    }
    d->missed = missed;
    d->fire_time = latest;
  }

  void due(int64_t next_run, int64_t now, due_decision* d) const {
    count_missed(next_run, now, d);
    d->next_run = next_after(now);
    int64_t lateness = now - d->fire_time;
    std::string count = (d->missed_at_least ? "at least " : "") +
                        std::to_string(d->missed) + " fire time" +
                        (d->missed == 1 ? "" : "s");
    std::string next = "; next run at " + when(d->next_run);
    if (d->missed == 1 && lateness <= o_.on_time_grace.count()) {
      d->action = due_action::run;
      d->last_run = now;
      d->reason = "scheduled for " + when(d->fire_time) + next;
    } else if (o_.catch_up_within.count() > 0 &&
               lateness <= o_.catch_up_within.count()) {
      d->action = due_action::run;
      d->catch_up = true;
      d->last_run = now;
      d->reason = "catch-up: " + count + " missed since " + when(next_run) +
                  " (the coordinator was down or the clock jumped forward); "
                  "running once for the latest, " +
                  when(d->fire_time) + ", " + span(lateness) + " late" + next;
    } else {
      d->action = due_action::skip;
      d->reason = "skipped " + count + " missed since " + when(next_run) +
                  ": the latest, " + when(d->fire_time) + ", is " +
                  span(lateness) + " old, more than catch_up_within " +
                  span(o_.catch_up_within) + next +
                  "; use 'tapeline run' to run it now";
    }
  }

 private:
  const cron_expr& cron_;
  const zone& z_;
  const due_options& o_;
};

}  // namespace

const char* to_string(due_action a) {
  switch (a) {
    case due_action::wait:
      return "wait";
    case due_action::run:
      return "run";
    case due_action::skip:
      return "skip";
  }
  return "?";
}

due_decision decide(const cron_expr& cron, const zone& z, int64_t last_run,
                    int64_t next_run, int64_t now, const due_options& options) {
  decider dc(cron, z, options);
  due_decision d;
  d.last_run = last_run;
  d.next_run = next_run;
  if (last_run > 0 && now < last_run) {
    int64_t behind = last_run - now;
    std::string head = "clock is " + span(behind) + " behind the last run at " +
                       dc.when(last_run);
    if (behind <= options.clock_reset_after.count()) {
      if (next_run <= last_run) d.next_run = dc.next_after(last_run);
      d.reason = head +
                 "; fire times up to then do not run again; next run "
                 "at " +
                 dc.when(d.next_run);
      return d;
    }
    int64_t expected = dc.next_after(now);
    if (next_run == 0 || next_run > expected) {
      d.next_run = expected;
      d.reason = head + ", more than clock_reset_after " +
                 span(options.clock_reset_after) +
                 ": the clock was reset, so the schedule restarts from now; "
                 "next run at " +
                 dc.when(expected);
      return d;
    }
  } else if (next_run == 0) {
    d.next_run = dc.next_after(std::max(now, last_run));
    d.reason = "next run at " + dc.when(d.next_run);
    return d;
  }
  if (now < next_run) {
    d.reason =
        "next run at " + dc.when(next_run) + ", in " + span(next_run - now);
    return d;
  }
  dc.due(next_run, now, &d);
  return d;
}

}  // namespace tapeline::scheduler
