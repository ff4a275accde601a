#include "tapeline/planner/size_trend.h"

#include <algorithm>

namespace tapeline::planner {

double size_trend::full_at(day d) const {
  const double v = level + slope * static_cast<double>(d - ref);
  return v > 0 ? v : 0;
}

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    const double lower = *std::max_element(v.begin(), v.begin() + mid);
    m = (m + lower) / 2;
  }
  return m;
}

namespace {

// Theil-Sen: the median of the slopes between every pair of points.
double theil_sen(const std::vector<const size_sample*>& pts) {
  std::vector<double> slopes;
  slopes.reserve(pts.size() * (pts.size() - 1) / 2);
  for (size_t i = 0; i < pts.size(); ++i)
    for (size_t j = i + 1; j < pts.size(); ++j) {
      const double dx = pts[j]->night - pts[i]->night;
      if (dx <= 0) continue;
      slopes.push_back((static_cast<double>(pts[j]->full_bytes) -
                        static_cast<double>(pts[i]->full_bytes)) /
                       dx);
    }
  return median_of(slopes);
}

}  // namespace

size_trend estimate_trend(const std::vector<size_sample>& samples,
                          uint64_t fallback_size) {
  size_trend t;
  std::vector<const size_sample*> fulls;
  std::vector<double> deltas;
  for (auto it = samples.rbegin(); it != samples.rend(); ++it) {
    if (it->full_bytes > 0 && static_cast<int>(fulls.size()) < kSlopeWindow)
      fulls.push_back(&*it);
    if (it->delta_bytes > 0 && static_cast<int>(deltas.size()) < kLevelWindow)
      deltas.push_back(static_cast<double>(it->delta_bytes));
    if (static_cast<int>(fulls.size()) >= kSlopeWindow &&
        static_cast<int>(deltas.size()) >= kLevelWindow)
      break;
  }
  if (fulls.empty()) {
    t.level = static_cast<double>(fallback_size);
    t.delta = t.level * kDefaultDeltaRatio;
    return t;
  }
  t.measured = true;
  std::reverse(fulls.begin(), fulls.end());  // ascending nights
  const size_t n = std::min<size_t>(fulls.size(), kLevelWindow);
  std::vector<double> recent;
  for (size_t i = fulls.size() - n; i < fulls.size(); ++i)
    recent.push_back(static_cast<double>(fulls[i]->full_bytes));
  t.level = median_of(recent);
  t.ref = fulls[fulls.size() - n + (n - 1) / 2]->night;
  if (n % 2 == 0) {
    t.ref = (fulls[fulls.size() - n + (n - 1) / 2]->night +
             fulls[fulls.size() - n + n / 2]->night) /
            2;
  }
  t.slope = fulls.size() >= 2 ? theil_sen(fulls) : 0;
  t.delta = deltas.empty() ? t.level * kDefaultDeltaRatio : median_of(deltas);
  return t;
}

}  // namespace tapeline::planner
