// What `tapeline run TARGET` starts (run_target.h).
#include "tapeline/scheduler/run_target.h"

#include <algorithm>

namespace tapeline::scheduler {
namespace {

void add_unique(std::vector<std::string>* to,
                const std::vector<std::string>& from) {
  for (const auto& s : from)
    if (std::find(to->begin(), to->end(), s) == to->end()) to->push_back(s);
}

}  // namespace

result<std::vector<run_request>> resolve_run_target(
    const std::vector<schedule_entry>& schedules, const std::string& target) {
  for (const auto& s : schedules)
    if (s.name == target)
      return std::vector<run_request>{{s.policy, s.vms, "schedule " + s.name}};
  run_request by_policy{target, {}, "policy " + target};
  for (const auto& s : schedules)
    if (s.policy == target) add_unique(&by_policy.vms, s.vms);
  if (!by_policy.vms.empty()) return std::vector<run_request>{by_policy};
  std::vector<run_request> out;
  for (const auto& s : schedules) {
    if (!selects_vm(s, target)) continue;
    auto same = std::find_if(out.begin(), out.end(), [&](const run_request& r) {
      return r.policy == s.policy;
    });
    if (same == out.end())
      out.push_back(
          {s.policy, {target}, "VM " + target + " in schedule " + s.name});
  }
  if (!out.empty()) return out;
  return make_error(code::not_found,
                    "run '" + target +
                        "': no schedule, policy or VM of a schedule has that "
                        "name; 'tapeline schedule list' shows the schedules, "
                        "their policies and VMs");
}

}  // namespace tapeline::scheduler
