// Internal to the planner: the capacity forecast of one pool, a night-by-
// night simulation of its tapes (docs/planner.md, "Forecast").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "context.h"

namespace tapeline::planner {

// Forecast volume of one pool: per policy, full(t) = full0 + growth * (t -
// today) and a typical delta, margin included.
struct volume_model {
  std::vector<double> full0, growth, delta;  // per policy
  std::vector<int> sources;                  // per policy
  double night(const context& ctx, size_t pool, day t) const;
};
volume_model make_volume_model(const context& ctx);

// Bytes pool p can write in one night (its drives × tapes per night).
double night_capacity(const context& ctx, size_t p);

struct sim_result {
  std::vector<forecast_night> nights;
  std::optional<day> fail;     // first night that cannot be written
  bool tape_shortage = false;  // that failure is a lack of free tapes
  std::string reason;
  std::optional<day> tape_fail;  // first night short of free tapes
  std::string tape_reason;
};

// Simulates `nights` nights of pool `pool` from tonight. `release` are the
// existing objects' release days, `daily` the daily keep per policy.
sim_result simulate_pool(const context& ctx, const volume_model& vm,
                         size_t pool, const std::vector<day>& release,
                         const std::vector<int>& daily, int nights);

}  // namespace tapeline::planner
