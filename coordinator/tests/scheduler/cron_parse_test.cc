// Cron syntax: fields, lists, ranges, steps, names, macros, and the errors
// an operator sees.
#include <gtest/gtest.h>

#include "tapeline/scheduler/cron.h"

namespace tapeline::scheduler {
namespace {

// Every matching minute of one day, as "HH:MM".
std::vector<std::string> day_matches(const cron_expr& e, int y, int m, int d) {
  std::vector<std::string> out;
  auto start = from_civil(y, m, d, 0, 0);
  for (int i = 0; i < 1440; ++i) {
    auto c = to_civil(start + i);
    if (!e.matches(c)) continue;
    char buf[8];
    snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
    out.push_back(buf);
  }
  return out;
}

cron_expr must(const char* text) {
  auto e = cron_expr::parse(text);
  EXPECT_TRUE(e.ok()) << e.error().to_string();
  return e.ok() ? *e : *cron_expr::parse("* * * * *");
}

std::string error_of(const char* text) {
  auto e = cron_expr::parse(text);
  EXPECT_FALSE(e.ok()) << text << " parsed";
  return e.ok() ? "" : e.error().message();
}

TEST(cron_parse, ListsRangesAndSteps) {
  using v = std::vector<std::string>;
  EXPECT_EQ(day_matches(must("30 22 * * *"), 2024, 6, 3), v{"22:30"});
  EXPECT_EQ(day_matches(must("0,30 1-2 * * *"), 2024, 6, 3),
            (v{"01:00", "01:30", "02:00", "02:30"}));
  EXPECT_EQ(day_matches(must("*/20 */12 * * *"), 2024, 6, 3),
            (v{"00:00", "00:20", "00:40", "12:00", "12:20", "12:40"}));
  EXPECT_EQ(day_matches(must("10-30/10 3 * * *"), 2024, 6, 3),
            (v{"03:10", "03:20", "03:30"}));
  // a/step means a-max/step, as in cronie.
  EXPECT_EQ(day_matches(must("45/5 23 * * *"), 2024, 6, 3),
            (v{"23:45", "23:50", "23:55"}));
  // A step larger than the range keeps its start.
  EXPECT_EQ(day_matches(must("0 5/40 * * *"), 2024, 6, 3), v{"05:00"});
}

TEST(cron_parse, NamesAndSevenIsSunday) {
  // 2024-06-02 is a Sunday, 2024-06-03 a Monday, 2024-06-08 a Saturday.
  auto weekend = must("0 9 * * SAT,sun");
  EXPECT_EQ(day_matches(weekend, 2024, 6, 2).size(), 1u);
  EXPECT_EQ(day_matches(weekend, 2024, 6, 3).size(), 0u);
  EXPECT_EQ(day_matches(weekend, 2024, 6, 8).size(), 1u);
  auto seven = must("0 9 * * 7");
  EXPECT_EQ(day_matches(seven, 2024, 6, 2).size(), 1u);
  EXPECT_EQ(day_matches(seven, 2024, 6, 8).size(), 0u);
  auto fri_to_sun = must("0 9 * * 5-7");  // Fri, Sat, Sun
  EXPECT_EQ(day_matches(fri_to_sun, 2024, 6, 2).size(), 1u);
  EXPECT_EQ(day_matches(fri_to_sun, 2024, 6, 3).size(), 0u);
  EXPECT_EQ(day_matches(fri_to_sun, 2024, 6, 7).size(), 1u);
  auto months = must("0 0 1 jun-Aug *");
  EXPECT_EQ(day_matches(months, 2024, 5, 1).size(), 0u);
  EXPECT_EQ(day_matches(months, 2024, 6, 1).size(), 1u);
  EXPECT_EQ(day_matches(months, 2024, 8, 1).size(), 1u);
  EXPECT_EQ(day_matches(months, 2024, 9, 1).size(), 0u);
}

TEST(cron_parse, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // Vixie cron: "the 15th, and every Monday".
  auto both = must("0 6 15 * mon");
  EXPECT_EQ(day_matches(both, 2024, 6, 15).size(), 1u);  // Saturday the 15th
  EXPECT_EQ(day_matches(both, 2024, 6, 3).size(), 1u);   // a Monday
  EXPECT_EQ(day_matches(both, 2024, 6, 4).size(), 0u);
  // A '*' (even '*/2') in either makes it AND.
  auto odd_mondays = must("0 6 */2 * mon");  // odd days that are Mondays
  EXPECT_EQ(day_matches(odd_mondays, 2024, 6, 3).size(), 1u);   // Mon 3rd
  EXPECT_EQ(day_matches(odd_mondays, 2024, 6, 10).size(), 0u);  // Mon 10th
  EXPECT_EQ(day_matches(odd_mondays, 2024, 6, 15).size(), 0u);  // Sat 15th
}

TEST(cron_parse, Macros) {
  using v = std::vector<std::string>;
  EXPECT_EQ(day_matches(must("@daily"), 2024, 6, 3), v{"00:00"});
  EXPECT_EQ(day_matches(must("@midnight"), 2024, 6, 3), v{"00:00"});
  EXPECT_EQ(day_matches(must("@hourly"), 2024, 6, 3).size(), 24u);
  EXPECT_EQ(day_matches(must("@weekly"), 2024, 6, 2), v{"00:00"});  // Sun
  EXPECT_EQ(day_matches(must("@weekly"), 2024, 6, 3).size(), 0u);
  EXPECT_EQ(day_matches(must("@monthly"), 2024, 6, 1), v{"00:00"});
  EXPECT_EQ(day_matches(must("@monthly"), 2024, 6, 2).size(), 0u);
  EXPECT_EQ(day_matches(must("@yearly"), 2024, 1, 1), v{"00:00"});
  EXPECT_EQ(day_matches(must("@annually"), 2024, 6, 1).size(), 0u);
  EXPECT_EQ(must("@daily").text(), "@daily");
  EXPECT_TRUE(must("@daily").fixed_time());
  EXPECT_FALSE(must("@hourly").fixed_time());
  EXPECT_FALSE(must("*/5 1 * * *").fixed_time());
  EXPECT_TRUE(must("5 1,13 * * *").fixed_time());
}

TEST(cron_parse, ErrorsNameTheFieldAndTheToken) {
  EXPECT_EQ(error_of("30 25 * * *"),
            "cron '30 25 * * *': hour 25 is out of range 0-23");
  EXPECT_EQ(error_of("60 * * * *"),
            "cron '60 * * * *': minute 60 is out of range 0-59");
  EXPECT_EQ(error_of("0 0 0 * *"),
            "cron '0 0 0 * *': day-of-month 0 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 * 13 *"),
            "cron '0 0 * 13 *': month 13 is out of range 1-12");
  EXPECT_EQ(error_of("0 0 * * 8"),
            "cron '0 0 * * 8': day-of-week 8 is out of range 0-7");
  EXPECT_EQ(error_of("0 0 * foo *"),
            "cron '0 0 * foo *': month 'foo' is not a number or a name "
            "(jan-dec)");
  EXPECT_EQ(error_of("0 0 * * mon-fry"),
            "cron '0 0 * * mon-fry': day-of-week 'fry' is not a number or a "
            "name (sun-sat)");
  EXPECT_EQ(error_of("x 0 * * *"),
            "cron 'x 0 * * *': minute 'x' is not a number");
  EXPECT_NE(error_of("*/0 * * * *").find("minute step '0'"), std::string::npos);
  EXPECT_NE(error_of("0 22-2 * * *").find("hour range 22-2 runs backwards"),
            std::string::npos);
  EXPECT_NE(error_of("0 1,,2 * * *").find("hour has an empty item"),
            std::string::npos);
  EXPECT_NE(error_of("0 1/2/3 * * *").find("more than one '/'"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * *").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(error_of("0 0 0 * * *").find("no seconds or year field"),
            std::string::npos);
  EXPECT_NE(error_of("").find("got 0"), std::string::npos);
  EXPECT_NE(error_of("@reboot").find("unknown macro '@reboot'"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 31 apr,jun *").find("never fires"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 30 2 *").find("never fires"), std::string::npos);
}

TEST(cron_parse, FebruaryTwentyNinthAndOrRuleAreValid) {
  EXPECT_TRUE(cron_expr::parse("0 0 29 2 *").ok());
  // Under the OR rule, Mondays of April still fire.
  EXPECT_TRUE(cron_expr::parse("0 0 31 4 mon").ok());
}

TEST(cron_parse, NextMatchJumpsAcrossMonthsAndYears) {
  auto e = must("0 0 29 2 *");
  auto from = from_civil(2025, 3, 1, 0, 0);
  auto m = e.next_match(from, from + 10LL * 366 * 1440);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, from_civil(2028, 2, 29, 0, 0));
  EXPECT_FALSE(e.next_match(from, from_civil(2028, 2, 28, 23, 59)));
}

}  // namespace
}  // namespace tapeline::scheduler
