// Forecast of one source's backup sizes from its history: a robust level
// (median of the recent fulls) plus a robust growth (Theil-Sen slope: the
// median of the pairwise slopes), so one odd night moves neither.
// See docs/planner.md, "Forecast". Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "tapeline/planner/model.h"

namespace tapeline::planner {

struct size_trend {
  bool measured = false;  // false: no full size in the history
  double level = 0;       // bytes, at night `ref`
  double slope = 0;       // bytes per night, >= 0 clamps nothing
  day ref = 0;
  double delta = 0;  // typical delta, bytes

  // The full size expected on night d (never negative).
  double full_at(day d) const;
};

constexpr int kLevelWindow = 7;   // recent fulls whose median is the level
constexpr int kSlopeWindow = 28;  // recent fulls the slope is fitted to
constexpr double kDefaultDeltaRatio = 0.10;  // delta / full with no history

// REQUIRES: `samples` ascending by night. `fallback_size` (the disk's size)
// is the level when nothing is measured.
size_trend estimate_trend(const std::vector<size_sample>& samples,
                          uint64_t fallback_size);

// The median of `v` (0 when empty); reorders v.
double median_of(std::vector<double>& v);

}  // namespace tapeline::planner
