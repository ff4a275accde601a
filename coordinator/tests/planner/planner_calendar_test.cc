// Calendar arithmetic against GNU date, an oracle nobody here wrote.
#include <gtest/gtest.h>

#include "tapeline/planner/calendar.h"
#include "tapeline/testing/support.h"

namespace tapeline::planner {
namespace {

TEST(PlannerCalendar, AgreesWithGnuDateOverTwoCenturies) {
  // Every 97th day from 1901 to 2100, plus month ends and leap days.
  std::string script;
  std::vector<day> days;
  for (day d = day_from_civil(1901, 1, 1); d < day_from_civil(2100, 12, 31);
       d += 97)
    days.push_back(d);
  for (int y : {1972, 2000, 2024, 2026, 2100}) {
    days.push_back(day_from_civil(y, 2, 28));
    days.push_back(day_from_civil(y, 3, 1) - 1);
    days.push_back(day_from_civil(y, 12, 31));
  }
  for (day d : days)
    script +=
        "date -u -d @" + std::to_string(int64_t(d) * 86400) + " '+%F %a %u'; ";
  std::string out;
  ASSERT_EQ(tapeline::testing::run(script, &out), 0) << out;
  std::istringstream lines(out);
  for (day d : days) {
    std::string iso, name;
    int iso_wd;
    lines >> iso >> name >> iso_wd;
    EXPECT_EQ(format_iso(d), iso) << d;
    EXPECT_EQ(weekday_name(weekday(d)), name) << iso;
    EXPECT_EQ(weekday(d), iso_wd % 7) << iso;
    const civil_date c = civil_from_day(d);
    EXPECT_EQ(day_from_civil(c.year, c.month, c.mday), d) << iso;
  }
}

TEST(PlannerCalendar, WeeksStartMondayMonthsAreCalendarMonths) {
  const day sat = day_from_civil(2026, 11, 28);
  EXPECT_EQ(format_day(sat), "Sat 2026-11-28");
  EXPECT_EQ(week_start(week_index(sat)), day_from_civil(2026, 11, 23));
  EXPECT_TRUE(is_last_day_of_week(sat + 1));
  EXPECT_EQ(week_index(sat + 2), week_index(sat) + 1);
  EXPECT_TRUE(is_last_day_of_month(day_from_civil(2028, 2, 29)));
  EXPECT_FALSE(is_last_day_of_month(day_from_civil(2028, 2, 28)));
  EXPECT_EQ(month_start(month_index(sat) + 2), day_from_civil(2027, 1, 1));
  EXPECT_EQ(week_start(week_index(-1)), -3) << "Mon 1969-12-29";
}

}  // namespace
}  // namespace tapeline::planner
