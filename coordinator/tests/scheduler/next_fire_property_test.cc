// Property: for random cron expressions in several zones, the chain of
// next_fire() over a whole year (2024, a leap year with both DST changes)
// equals a brute-force scan of every UTC minute of that year.
//
// The scan is an independent oracle: glibc's localtime_r (its own tzfile
// reader, not the date library) gives each minute's wall clock, and the DST
// rule is applied by watching the wall clock minute by minute, not from the
// zone's periods:
//   - a wall-clock minute seen before (fall back): a fixed-time expression
//     does not fire again;
//   - wall-clock minutes jumped over (spring forward): a fixed-time
//     expression that names one of them fires at the first minute after.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <random>
#include <unordered_set>

#include "tapeline/scheduler/next_fire.h"

namespace tapeline::scheduler {
namespace {

constexpr int64_t kYearStart = 1704067200;  // 2024-01-01T00:00:00Z
constexpr int64_t kYearEnd = 1735689600;    // 2025-01-01T00:00:00Z
constexpr int64_t kWarmUp = 86400;

struct wall {
  int64_t local_minute;  // wall clock, minutes since 1970 as if UTC
  civil_minute civil;
};

civil_minute civil_of(int64_t local_minute) {
  time_t t = local_minute * 60;
  struct tm tm;
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
          tm.tm_hour,        tm.tm_min,     tm.tm_wday};
}

// The wall clock of every UTC minute in [kYearStart - kWarmUp, kYearEnd).
std::vector<wall> wall_clock(const char* zone_name) {
  setenv("TZ", zone_name, 1);
  tzset();
  std::vector<wall> out;
  for (int64_t u = kYearStart - kWarmUp; u < kYearEnd; u += 60) {
    time_t t = u;
    struct tm tm;
    localtime_r(&t, &tm);
    int64_t local = (u + tm.tm_gmtoff) / 60;
    out.push_back({local, civil_of(local)});
  }
  unsetenv("TZ");
  tzset();
  return out;
}

std::vector<int64_t> brute_force(const cron_expr& e,
                                 const std::vector<wall>& clock) {
  std::vector<int64_t> out;
  std::unordered_set<int64_t> seen;
  for (size_t i = 0; i < clock.size(); ++i) {
    int64_t u = kYearStart - kWarmUp + int64_t(i) * 60;
    const wall& w = clock[i];
    bool repeat = !seen.insert(w.local_minute).second;
    bool fire = e.matches(w.civil) && !(e.fixed_time() && repeat);
    if (i > 0 && e.fixed_time()) {
      for (int64_t m = clock[i - 1].local_minute + 1; m < w.local_minute; ++m)
        if (e.matches(civil_of(m))) fire = true;
    }
    if (fire && u >= kYearStart) out.push_back(u);
  }
  return out;
}

std::vector<int64_t> chain(const cron_expr& e, const zone& z) {
  std::vector<int64_t> out;
  int64_t t = kYearStart - 1;
  while (auto f = next_fire(e, z, t)) {
    if (*f >= kYearEnd) break;
    out.push_back(*f);
    t = *f;
  }
  return out;
}

// A random field: '*', '*/k', a value, a range, a stepped range or a list.
std::string random_field(std::mt19937& rng, int lo, int hi) {
  auto pick = [&](int a, int b) {
    return std::uniform_int_distribution<int>(a, b)(rng);
  };
  switch (pick(0, 5)) {
    case 0:
      return "*";
    case 1:
      return "*/" + std::to_string(pick(2, std::max(2, (hi - lo) / 2)));
    case 2:
      return std::to_string(pick(lo, hi));
    case 3: {
      int a = pick(lo, hi), b = pick(a, hi);
      return std::to_string(a) + "-" + std::to_string(b);
    }
    case 4: {
      int a = pick(lo, hi), b = pick(a, hi);
      return std::to_string(a) + "-" + std::to_string(b) + "/" +
             std::to_string(pick(1, 4));
    }
    default:
      return std::to_string(pick(lo, hi)) + "," + std::to_string(pick(lo, hi));
  }
}

std::string random_cron(std::mt19937& rng) {
  // Hours are drawn near the DST changes (0-4) half of the time.
  bool near_dst = rng() % 2;
  return random_field(rng, 0, 59) + " " +
         random_field(rng, 0, near_dst ? 4 : 23) + " " +
         random_field(rng, 1, 31) + " " + random_field(rng, 1, 12) + " " +
         random_field(rng, 0, 7);
}

class next_fire_property : public ::testing::TestWithParam<const char*> {};

TEST_P(next_fire_property, MatchesMinuteByMinuteScanOverAYear) {
  const char* zone_name = GetParam();
  auto z = zone::locate(zone_name);
  ASSERT_TRUE(z.ok()) << z.error().to_string();
  auto clock = wall_clock(zone_name);
  std::vector<std::string> exprs = {
      "30 1 * * *",   "0,30 1-3 * * *",   "*/7 2 * * *", "15 2 * * 0",
      "*/30 * * * *", "@hourly",          "30 22 * * *", "0 0 29 2 *",
      "45 1 27 10 *", "0 2 * mar,oct sun"};
  std::mt19937 rng(20240331);
  while (exprs.size() < 24) {
    auto text = random_cron(rng);
    if (cron_expr::parse(text).ok()) exprs.push_back(text);
  }
  for (const auto& text : exprs) {
    auto e = cron_expr::parse(text);
    ASSERT_TRUE(e.ok()) << text;
    auto want = brute_force(*e, clock);
    auto got = chain(*e, *z);
    ASSERT_EQ(got, want) << "cron '" << text << "' in " << zone_name << ": "
                         << got.size() << " fires, the scan found "
                         << want.size();
  }
}

INSTANTIATE_TEST_SUITE_P(zones, next_fire_property,
                         ::testing::Values("Europe/London", "America/New_York",
                                           "Australia/Lord_Howe",
                                           "Asia/Kolkata", "UTC"));

}  // namespace
}  // namespace tapeline::scheduler
