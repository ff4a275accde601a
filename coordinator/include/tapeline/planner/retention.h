// Retention: which retained objects stay, and until when. Pure functions,
// thread-safe. The rules (docs/planner.md, "Retention"):
//
//   An object from night n is kept on day t while
//     t < n + keep.daily                                   (daily), or
//     it is its source's last object of its ISO week, that week is over,
//       and fewer than keep.weekly weeks have begun since  (weekly), or
//     the same for calendar months and keep.monthly         (monthly), or
//     it is its source's newest object (never expire the last copy), or
//     it is pinned (tonight's delta is based on it), or
//     a kept object depends on it (a delta needs its parent).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "tapeline/planner/model.h"

namespace tapeline::planner {

constexpr day kForever = 0x3fffffff;

// The first day on which a night's object is no longer kept by the GFS
// rules alone (no dependants): `last_of_week`/`last_of_month` say whether
// it is its source's last restore point of that week/month.
day gfs_release(day night, const gfs_keep& keep, bool last_of_week,
                bool last_of_month);

struct retention_result {
  std::vector<bool> kept;           // parallel to the objects given
  std::vector<day> release;         // first day not kept (kForever: pinned)
  std::vector<std::string> broken;  // evaluate_retention: deltas whose
                                    // parent is missing
};

// The retention rules prepared once for a set of objects, so the release
// days under different daily keeps (the planner searches for the depth the
// tapes allow) cost one linear pass each. Sources are grouped (by policy);
// `keeps[group]` are the group's configured keeps. The table keeps no
// reference to its arguments.
class retention_table {
 public:
  // The objects indexed by the caller: per object its source (a dense
  // number), its group, and its parent's position (-1: none or missing).
  struct indexed {
    std::vector<day> night;
    std::vector<size_t> source;
    std::vector<size_t> group;
    std::vector<long> parent;
    std::vector<bool> is_delta;
  };
  // REQUIRES: all vectors of `ix` equally long; group < keeps.size().
  // `pinned[i]`: object i is kept whatever its age (may be empty).
  retention_table(const indexed& ix, day today,
                  const std::vector<gfs_keep>& keeps,
                  const std::vector<bool>& pinned);

  // Release days with keeps[g].daily replaced by daily[g]. With
  // `pins` false, newest and pinned objects get their release by the rules
  // (a forecast assumes tonight's backups supersede them).
  std::vector<day> releases(const std::vector<int>& daily,
                            bool pins = true) const;
  retention_result evaluate(const std::vector<int>& daily) const;

 private:
  day today_;
  std::vector<day> night_;
  std::vector<day> floor_;       // weekly/monthly release, kForever if pinned
  std::vector<day> rule_floor_;  // weekly/monthly release, no pins
  std::vector<size_t> group_;
  std::vector<long> parent_;   // -1: none
  std::vector<size_t> order_;  // newest night first
};

// Convenience: evaluate with each source's keeps, keep_of(source). Deltas
// whose parent is missing are listed in `broken`.
retention_result evaluate_retention(
    const std::vector<retained_object>& objects, day today,
    const std::function<gfs_keep(const std::string&)>& keep_of,
    const std::set<std::string>& pinned);

}  // namespace tapeline::planner
