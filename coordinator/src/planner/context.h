// Internal to the planner: the input indexed once, shared by its steps.
// Holds a reference to the input, which must outlive it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/planner/model.h"
#include "tapeline/planner/plan.h"
#include "tapeline/planner/retention.h"
#include "tapeline/planner/size_trend.h"

namespace tapeline::planner {

struct source_info {
  std::string id;
  std::string label;  // "web01 disk 0"
  size_t policy = 0;
  size_t pool = 0;
  uint64_t size = 0;
  size_trend trend;
};

struct context {
  const planner_input& in;
  std::vector<source_info> sources;  // sorted by id
  std::unordered_map<std::string, size_t> source_index;
  std::map<std::string, size_t> policy_index;
  std::map<std::string, size_t> pool_index;
  std::vector<std::vector<size_t>> pool_drives;    // drive indices by name
  std::vector<std::vector<size_t>> pool_tapes;     // usable tapes by barcode
  std::vector<std::vector<size_t>> pool_policies;  // policies writing to it
  // Keys view the input's strings.
  std::unordered_map<std::string_view, size_t> tape_index;
  std::vector<std::vector<size_t>> source_objects;  // ascending night
  std::vector<int> chain_length;                    // per object
  retention_table::indexed object_ix;  // per object: source, policy, parent
  std::vector<std::string> broken;     // deltas whose parent is missing
  std::vector<int> configured_daily;   // per policy
  std::vector<std::vector<size_t>> tape_objects;  // objects on each tape
  // Per policy: its work is on, or is expected to move to, an overflow
  // pool's tapes, so that pool's retention cut applies to it too.
  std::vector<bool> spills;

  explicit context(const planner_input& input) : in(input) {}
  size_t policy_of_object(size_t object) const;
  double margin_factor() const { return 1.0 + in.margin; }
};

// Validates the input and indexes it; errors name the offending entry and
// the fix (code::invalid_argument).
status build_context(context& ctx, std::vector<warning>& warnings);

// The retention table of all retained objects, grouped by policy (sources
// no longer in the inventory form the last group, with the longest keeps).
retention_table make_retention_table(const context& ctx);

// Daily keep per policy (and the orphan group last) after each pool's cut
// (a policy takes the deepest cut of its pool and its overflow pools),
// never below the policy's min_daily_keep.
std::vector<int> daily_after_cut(const context& ctx,
                                 const std::vector<int>& pool_cut);

// Whether a tape in this state is on site.
bool on_site(tape_state s);

std::string human_bytes(double bytes);  // "210 GB" (decimal, as on tapes)

}  // namespace tapeline::planner
