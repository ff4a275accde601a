// Next fire instants in real zones: month ends, leap years, and the DST days
// of Europe/London and America/New_York. Expected instants are UTC, worked
// out from the zones' published rules (London: 01:00 UTC on the last Sunday
// of March and October; New York: 07:00 UTC on the second Sunday of March,
// 06:00 UTC on the first Sunday of November) and converted with glibc's
// timegm, not with the date library under test.
#include <gtest/gtest.h>
#include <time.h>

#include "tapeline/scheduler/next_fire.h"

namespace tapeline::scheduler {
namespace {

// "2024-03-31T01:00" (UTC) as seconds since the epoch.
int64_t utc(const char* text) {
  struct tm tm = {};
  EXPECT_NE(strptime(text, "%Y-%m-%dT%H:%M", &tm), nullptr) << text;
  return timegm(&tm);
}

std::string iso(int64_t t) {
  time_t tt = t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
  return buf;
}

// The next `n` fire instants after `after`, as UTC "YYYY-MM-DDTHH:MM".
std::vector<std::string> fires(const char* cron, const char* zone_name,
                               const char* after, int n) {
  auto e = cron_expr::parse(cron);
  auto z = zone::locate(zone_name);
  EXPECT_TRUE(e.ok() && z.ok());
  std::vector<std::string> out;
  int64_t t = utc(after);
  for (int i = 0; i < n; ++i) {
    auto f = next_fire(*e, *z, t);
    if (!f) break;
    EXPECT_GT(*f, t);
    out.push_back(iso(*f));
    t = *f;
  }
  return out;
}

using v = std::vector<std::string>;

TEST(next_fire, CaseStudyNightlyInLondon) {
  // 22:30 BST is 21:30 UTC; 22:30 GMT is 22:30 UTC.
  EXPECT_EQ(fires("30 22 * * *", "Europe/London", "2024-06-03T21:30", 2),
            (v{"2024-06-04T21:30", "2024-06-05T21:30"}));
  EXPECT_EQ(fires("30 22 * * 1-5", "Europe/London", "2024-12-06T23:00", 2),
            (v{"2024-12-09T22:30", "2024-12-10T22:30"}));
}

TEST(next_fire, StrictlyAfter) {
  EXPECT_EQ(fires("0 3 * * *", "UTC", "2024-06-03T03:00", 1),
            v{"2024-06-04T03:00"});
  EXPECT_EQ(fires("0 3 * * *", "UTC", "2024-06-03T02:59", 1),
            v{"2024-06-03T03:00"});
}

TEST(next_fire, MonthEnds) {
  EXPECT_EQ(fires("0 3 31 * *", "Europe/London", "2024-04-15T00:00", 3),
            (v{"2024-05-31T02:00", "2024-07-31T02:00", "2024-08-31T02:00"}));
  EXPECT_EQ(fires("59 23 30 * *", "America/New_York", "2024-02-01T00:00", 2),
            (v{"2024-03-31T03:59", "2024-05-01T03:59"}));  // no Feb 30
  EXPECT_EQ(fires("0 0 1 * *", "UTC", "2024-12-31T23:59", 2),
            (v{"2025-01-01T00:00", "2025-02-01T00:00"}));
}

TEST(next_fire, LeapYears) {
  EXPECT_EQ(fires("0 0 29 2 *", "Europe/London", "2024-03-01T00:00", 2),
            (v{"2028-02-29T00:00", "2032-02-29T00:00"}));
  EXPECT_EQ(fires("0 0 29 2 *", "America/New_York", "2023-06-01T00:00", 1),
            v{"2024-02-29T05:00"});
  // 2100 is not a leap year.
  EXPECT_EQ(fires("0 12 29 2 *", "UTC", "2096-03-01T00:00", 1),
            v{"2104-02-29T12:00"});
}

TEST(next_fire, LondonSpringForwardFixedTimeRunsAfterTheGap) {
  // 2024-03-31: 01:00 GMT jumps to 02:00 BST at 01:00 UTC; 01:30 is missing.
  EXPECT_EQ(fires("30 1 * * *", "Europe/London", "2024-03-30T12:00", 3),
            (v{"2024-03-31T01:00", "2024-04-01T00:30", "2024-04-02T00:30"}));
  // Two missing times give one run; 02:00 BST itself is that same run.
  EXPECT_EQ(fires("0,30 1,2 * * *", "Europe/London", "2024-03-31T00:00", 3),
            (v{"2024-03-31T01:00", "2024-03-31T01:30", "2024-04-01T00:00"}));
}

TEST(next_fire, LondonSpringForwardWildcardSkipsMissingMinutes) {
  EXPECT_EQ(fires("30 * * * *", "Europe/London", "2024-03-31T00:00", 3),
            (v{"2024-03-31T00:30", "2024-03-31T01:30", "2024-03-31T02:30"}));
}

TEST(next_fire, LondonFallBackFixedTimeRunsOnce) {
  // 2024-10-27: 02:00 BST goes back to 01:00 GMT at 01:00 UTC; 01:30 twice.
  EXPECT_EQ(fires("30 1 * * *", "Europe/London", "2024-10-26T12:00", 2),
            (v{"2024-10-27T00:30", "2024-10-28T01:30"}));
  // Asked from inside the repeated hour: still not again.
  EXPECT_EQ(fires("30 1 * * *", "Europe/London", "2024-10-27T00:45", 1),
            v{"2024-10-28T01:30"});
}

TEST(next_fire, LondonFallBackWildcardFollowsElapsedTime) {
  EXPECT_EQ(fires("*/30 * * * *", "Europe/London", "2024-10-27T00:10", 4),
            (v{"2024-10-27T00:30", "2024-10-27T01:00", "2024-10-27T01:30",
               "2024-10-27T02:00"}));
}

TEST(next_fire, NewYorkSpringForward) {
  // 2024-03-10: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
  EXPECT_EQ(fires("30 2 * * *", "America/New_York", "2024-03-09T12:00", 3),
            (v{"2024-03-10T07:00", "2024-03-11T06:30", "2024-03-12T06:30"}));
  EXPECT_EQ(fires("0 3 * * *", "America/New_York", "2024-03-09T12:00", 2),
            (v{"2024-03-10T07:00", "2024-03-11T07:00"}));
}

TEST(next_fire, NewYorkFallBack) {
  // 2024-11-03: 02:00 EDT goes back to 01:00 EST at 06:00 UTC.
  EXPECT_EQ(fires("30 1 * * *", "America/New_York", "2024-11-02T12:00", 2),
            (v{"2024-11-03T05:30", "2024-11-04T06:30"}));
  EXPECT_EQ(fires("15 1 * * *", "America/New_York", "2024-11-03T05:20", 1),
            v{"2024-11-04T06:15"});
  EXPECT_EQ(fires("@hourly", "America/New_York", "2024-11-03T04:30", 3),
            (v{"2024-11-03T05:00", "2024-11-03T06:00", "2024-11-03T07:00"}));
}

TEST(zone, UnknownZoneSaysWhatToDo) {
  auto z = zone::locate("Europe/Londn");
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.error().message().find("'Europe/Londn'"), std::string::npos);
  EXPECT_NE(z.error().message().find("/usr/share/zoneinfo"), std::string::npos);
  EXPECT_TRUE(zone::system().ok());
}

TEST(zone, ReadsTheSystemTzdata) {
  auto z = zone::locate("Europe/London");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->abbreviation_at(utc("2024-07-01T00:00")), "BST");
  EXPECT_EQ(z->offset_at(utc("2024-07-01T00:00")), 3600);
  EXPECT_EQ(z->abbreviation_at(utc("2024-01-01T00:00")), "GMT");
}

}  // namespace
}  // namespace tapeline::scheduler
