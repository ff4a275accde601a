// The due-run decision against a fixed clock: on-time runs, catch-up after
// downtime, too-late misses, and the clock jumping back and forward.
#include <gtest/gtest.h>
#include <time.h>

#include <map>

#include "tapeline/scheduler/due.h"

namespace tapeline::scheduler {
namespace {

using namespace std::chrono_literals;

int64_t utc(const char* text) {
  struct tm tm = {};
  EXPECT_NE(strptime(text, "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << text;
  return timegm(&tm);
}

// A schedule as the coordinator keeps it: the catalog's last_run and
// next_run, updated from each decision; runs counted.
struct schedule_sim {
  cron_expr cron;
  zone z;
  due_options options;
  int64_t last_run = 0, next_run = 0;
  int runs = 0;
  std::vector<due_decision> log;

  schedule_sim(const char* text, const char* zone_name)
      : cron(*cron_expr::parse(text)), z(*zone::locate(zone_name)) {}

  due_decision at(int64_t now) {
    auto d = decide(cron, z, last_run, next_run, now, options);
    last_run = d.last_run;
    next_run = d.next_run;
    if (d.action == due_action::run) ++runs;
    log.push_back(d);
    return d;
  }
  // Polls every `step` seconds in [from, to]; returns the runs started.
  int poll(int64_t from, int64_t to, int64_t step = 60) {
    int before = runs;
    for (int64_t t = from; t <= to; t += step) at(t);
    return runs - before;
  }
};

TEST(due, OnTimeRunThenWait) {
  schedule_sim s("30 22 * * *", "Europe/London");
  auto d = s.at(utc("2024-06-03T12:00:00"));
  EXPECT_EQ(d.action, due_action::wait);
  EXPECT_EQ(d.next_run, utc("2024-06-03T21:30:00"));  // 22:30 BST
  EXPECT_EQ(s.at(utc("2024-06-03T21:29:59")).action, due_action::wait);
  d = s.at(utc("2024-06-03T21:30:00"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_FALSE(d.catch_up);
  EXPECT_EQ(d.missed, 1);
  EXPECT_EQ(d.fire_time, utc("2024-06-03T21:30:00"));
  EXPECT_EQ(d.last_run, utc("2024-06-03T21:30:00"));
  EXPECT_EQ(d.next_run, utc("2024-06-04T21:30:00"));
  EXPECT_EQ(d.reason,
            "scheduled for Mon 2024-06-03 22:30 BST (2024-06-03 21:30 UTC); "
            "next run at Tue 2024-06-04 22:30 BST (2024-06-04 21:30 UTC)");
  EXPECT_EQ(s.poll(utc("2024-06-03T21:30:00"), utc("2024-06-04T21:29:00")), 0);
}

TEST(due, AFewMinutesLateIsOnTimeLaterIsCatchUp) {
  schedule_sim s("30 22 * * *", "Europe/London");
  s.next_run = utc("2024-06-03T21:30:00");
  auto d = s.at(utc("2024-06-03T21:34:00"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_FALSE(d.catch_up);
  s.next_run = utc("2024-06-04T21:30:00");
  d = s.at(utc("2024-06-04T21:36:00"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_TRUE(d.catch_up);
  EXPECT_EQ(d.missed, 1);
}

TEST(due, CatchUpOnceAfterThreeDaysDown) {
  schedule_sim s("30 22 * * *", "Europe/London");
  s.last_run = utc("2024-06-03T21:30:00");
  s.next_run = utc("2024-06-04T21:30:00");
  // Down from Tuesday until Friday 07:00 BST: Tue, Wed and Thu missed.
  auto d = s.at(utc("2024-06-07T06:00:00"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_TRUE(d.catch_up);
  EXPECT_EQ(d.missed, 3);
  EXPECT_EQ(d.fire_time, utc("2024-06-06T21:30:00"));
  EXPECT_EQ(d.next_run, utc("2024-06-07T21:30:00"));
  EXPECT_NE(d.reason.find("catch-up: 3 fire times missed since Tue "
                          "2024-06-04 22:30 BST"),
            std::string::npos)
      << d.reason;
  EXPECT_NE(d.reason.find("8h30m late"), std::string::npos) << d.reason;
  // Asking again at once, or all day, runs nothing more until tonight.
  EXPECT_EQ(s.poll(utc("2024-06-07T06:00:00"), utc("2024-06-07T21:29:00")), 0);
  EXPECT_EQ(s.poll(utc("2024-06-07T21:30:00"), utc("2024-06-07T21:40:00")), 1);
  EXPECT_FALSE(s.log.back().catch_up);
}

TEST(due, MissesOlderThanCatchUpWithinAreSkipped) {
  schedule_sim s("30 22 * * *", "Europe/London");
  s.last_run = utc("2024-06-03T21:30:00");
  s.next_run = utc("2024-06-04T21:30:00");
  auto d = s.at(utc("2024-06-07T12:00:00"));  // latest miss 14h30m ago
  EXPECT_EQ(d.action, due_action::skip);
  EXPECT_EQ(d.missed, 3);
  EXPECT_EQ(d.last_run, utc("2024-06-03T21:30:00"));
  EXPECT_EQ(d.next_run, utc("2024-06-07T21:30:00"));
  EXPECT_NE(d.reason.find("skipped 3 fire times missed since"),
            std::string::npos);
  EXPECT_NE(d.reason.find("is 14h30m old, more than catch_up_within 12h"),
            std::string::npos)
      << d.reason;
  EXPECT_EQ(s.poll(utc("2024-06-07T12:00:00"), utc("2024-06-07T21:29:00")), 0);

  schedule_sim never("30 22 * * *", "Europe/London");
  never.options.catch_up_within = 0s;
  never.next_run = utc("2024-06-04T21:30:00");
  EXPECT_EQ(never.at(utc("2024-06-04T22:30:00")).action, due_action::skip);
}

TEST(due, ClockBackTwoHoursAcrossAFireTimeDoesNotRunAgain) {
  schedule_sim s("30 22 * * *", "Europe/London");
  s.at(utc("2024-06-03T20:00:00"));
  EXPECT_EQ(s.poll(utc("2024-06-03T20:00:00"), utc("2024-06-03T21:31:00")), 1);
  // The clock is stepped back two hours, to before 22:30 BST, and runs on.
  auto d = s.at(utc("2024-06-03T19:31:00"));
  EXPECT_EQ(d.action, due_action::wait);
  EXPECT_NE(d.reason.find("clock is 1h59m behind the last run"),
            std::string::npos)
      << d.reason;
  EXPECT_EQ(s.poll(utc("2024-06-03T19:31:00"), utc("2024-06-04T21:29:00")), 0);
  EXPECT_EQ(s.poll(utc("2024-06-04T21:29:00"), utc("2024-06-04T21:31:00")), 1);
}

TEST(due, ClockBackWithNextRunLostStillDoesNotRunAgain) {
  schedule_sim s("30 22 * * *", "Europe/London");
  s.last_run = utc("2024-06-03T21:30:00");
  s.next_run = 0;  // e.g. the schedule was re-read from the configuration
  auto d = s.at(utc("2024-06-03T19:30:00"));
  EXPECT_EQ(d.action, due_action::wait);
  EXPECT_EQ(d.next_run, utc("2024-06-04T21:30:00"));
}

TEST(due, ClockForwardFiveHoursOverTwoFireTimesRunsOnce) {
  schedule_sim s("0 1,3 * * *", "Europe/London");
  s.at(utc("2024-06-03T23:00:00"));                   // 00:00 BST
  EXPECT_EQ(s.next_run, utc("2024-06-04T00:00:00"));  // 01:00 BST
  EXPECT_EQ(s.poll(utc("2024-06-03T23:00:00"), utc("2024-06-03T23:30:00")), 0);
  // 00:30 BST jumps to 05:30 BST, over 01:00 and 03:00.
  auto d = s.at(utc("2024-06-04T04:30:00"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_TRUE(d.catch_up);
  EXPECT_EQ(d.missed, 2);
  EXPECT_EQ(d.fire_time, utc("2024-06-04T02:00:00"));
  EXPECT_EQ(s.poll(utc("2024-06-04T04:30:00"), utc("2024-06-04T23:59:00")), 0);
}

TEST(due, ClockResetFarBackRestartsTheSchedule) {
  schedule_sim s("30 22 * * *", "Europe/London");
  // A clock a year fast ran the schedule; then it was corrected.
  s.last_run = utc("2025-06-03T21:30:00");
  s.next_run = utc("2025-06-04T21:30:00");
  auto d = s.at(utc("2024-06-03T12:00:00"));
  EXPECT_EQ(d.action, due_action::wait);
  EXPECT_EQ(d.next_run, utc("2024-06-03T21:30:00"));
  EXPECT_NE(d.reason.find("more than clock_reset_after 1d"), std::string::npos)
      << d.reason;
  EXPECT_EQ(s.poll(utc("2024-06-03T12:00:00"), utc("2024-06-05T12:00:00")), 2);
}

TEST(due, EveryMinuteDownForMonthsCountsToACap) {
  schedule_sim s("* * * * *", "UTC");
  s.next_run = utc("2024-01-01T00:00:00");
  auto d = s.at(utc("2024-06-01T00:00:30"));
  EXPECT_EQ(d.action, due_action::run);
  EXPECT_TRUE(d.missed_at_least);
  EXPECT_EQ(d.fire_time, utc("2024-06-01T00:00:00"));
  EXPECT_NE(d.reason.find("at least 100000 fire times"), std::string::npos);
}

TEST(due, AYearOfPollingAcrossDstRunsOncePerDay) {
  for (const char* zone_name : {"Europe/London", "America/New_York"}) {
    for (const char* text : {"30 1 * * *", "30 2 * * *", "0 0 * * *"}) {
      schedule_sim s(text, zone_name);
      s.poll(utc("2024-01-01T00:00:00"), utc("2024-12-31T00:00:00"), 600);
      std::map<std::string, int> per_day;
      for (const auto& d : s.log) {
        if (d.action != due_action::run) continue;
        EXPECT_FALSE(d.catch_up) << text << " in " << zone_name;
        time_t t = d.fire_time;
        setenv("TZ", zone_name, 1);
        tzset();
        struct tm tm;
        localtime_r(&t, &tm);
        char day[16];
        strftime(day, sizeof day, "%F", &tm);
        ++per_day[day];
      }
      unsetenv("TZ");
      tzset();
      EXPECT_GE(per_day.size(), 364u) << text << " in " << zone_name;
      for (const auto& [day, n] : per_day)
        EXPECT_EQ(n, 1) << text << " in " << zone_name << " on " << day;
    }
  }
}

}  // namespace
}  // namespace tapeline::scheduler
