// The size forecast: a robust level and growth that one odd night does not
// move.
#include <gtest/gtest.h>

#include "tapeline/planner/size_trend.h"

namespace tapeline::planner {
namespace {

std::vector<size_sample> linear(int nights, double start, double per_night) {
  std::vector<size_sample> v;
  for (int n = 0; n < nights; ++n)
    v.push_back({n, static_cast<uint64_t>(start + per_night * n),
                 static_cast<uint64_t>(1000 + n % 3)});
  return v;
}

TEST(PlannerTrend, LinearGrowthIsFoundExactly) {
  const size_trend t = estimate_trend(linear(60, 1e9, 1e6), 0);
  ASSERT_TRUE(t.measured);
  EXPECT_NEAR(t.slope, 1e6, 1);
  EXPECT_NEAR(t.full_at(60), 1e9 + 60e6, 2);
  EXPECT_NEAR(t.full_at(90), 1e9 + 90e6, 2);
  EXPECT_EQ(t.delta, 1001);  // median of the last 7 deltas
}

TEST(PlannerTrend, OneOutlierMovesNeitherLevelNorSlope) {
  auto v = linear(60, 1e9, 1e6);
  v[57].full_bytes = 50e9;  // a night someone left a huge dump on a disk
  v[40].full_bytes = 1;
  const size_trend t = estimate_trend(v, 0);
  EXPECT_NEAR(t.slope, 1e6, 0.1e6);
  EXPECT_NEAR(t.full_at(60), 1e9 + 60e6, 5e6);
}

TEST(PlannerTrend, UnmeasuredNightsAreSkippedAndNothingMeasuredFallsBack) {
  auto v = linear(30, 2e9, 0);
  for (int n = 0; n < 30; n += 2) v[n].full_bytes = 0;  // delta-only nights
  EXPECT_NEAR(estimate_trend(v, 0).full_at(40), 2e9, 1);
  const size_trend none = estimate_trend({}, 500e9);
  EXPECT_FALSE(none.measured);
  EXPECT_EQ(none.full_at(123), 500e9);
  EXPECT_EQ(none.delta, 500e9 * kDefaultDeltaRatio);
}

TEST(PlannerTrend, ShrinkingDiskNeverForecastsBelowZero) {
  const size_trend t = estimate_trend(linear(30, 3e9, -1e8), 0);
  EXPECT_LT(t.slope, 0);
  EXPECT_EQ(t.full_at(1000), 0);
}

TEST(PlannerTrend, MedianOfEvenAndOdd) {
  std::vector<double> odd = {5, 1, 3}, even = {4, 1, 3, 2}, none;
  EXPECT_EQ(median_of(odd), 3);
  EXPECT_EQ(median_of(even), 2.5);
  EXPECT_EQ(median_of(none), 0);
}

}  // namespace
}  // namespace tapeline::planner
