// `tapeline run TARGET` (docs/scheduler.md, "Running now"): what a manual
// run starts. TARGET is tried, in order, as
//   1. a schedule name: that schedule's policy and VMs;
//   2. a policy name: that policy, with the VMs of every schedule using it;
//   3. a VM name: that VM alone, under the policy of each schedule whose
//      names or globs select it.
// Disabled schedules count too: the operator asked explicitly. A manual run
// does not change any schedule's last_run or next_run.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/scheduler/schedule_config.h"

namespace tapeline::scheduler {

struct run_request {
  std::string policy;
  std::vector<std::string> vms;  // names or globs, as configured
  std::string why;               // "schedule nightly", "policy gfs", ...
};

// Errors: not_found when TARGET is none of the three, saying where to look.
result<std::vector<run_request>> resolve_run_target(
    const std::vector<schedule_entry>& schedules, const std::string& target);

}  // namespace tapeline::scheduler
