// The schedules: their state in the catalog, and the due-run decision on
// every tick (tapeline_scheduler, docs/scheduler.md).
#include <spdlog/spdlog.h>

#include "state.h"
#include "tapeline/scheduler/due.h"

namespace tapeline::coordinator {
namespace {
// How long a due schedule waits for its VMs' agents to register.
constexpr int64_t agent_grace_s = 600;
std::set<std::string> waiting_logged;  // the coordinator's actor only
}  // namespace

void load_schedules(service_actor* self) {
  auto& st = self->state;
  std::map<std::string, catalog::schedule> stored;
  if (auto all = st.d.cat->list_schedules())
    for (const auto& s : *all) stored[s.name] = s;
  for (const auto& e : st.d.cfg.schedules) {
    catalog::schedule s;
    s.name = e.name;
    s.cron = e.cron.text();
    s.time_zone = e.time_zone.name();
    s.policy = e.policy;
    s.enabled = e.enabled;
    auto it = stored.find(e.name);
    if (it != stored.end()) {
      s.last_run = it->second.last_run;
      // A changed expression or zone: compute the next run afresh.
      if (it->second.cron == s.cron && it->second.time_zone == s.time_zone)
        s.next_run = it->second.next_run;
    }
    if (auto x = st.d.cat->put_schedule(s); !x)
      spdlog::error("schedule {}: {}", e.name, x.message());
    spdlog::info("schedule {}: '{}' in {}, policy {}{}", e.name, s.cron,
                 s.time_zone, e.policy.empty() ? "(any)" : e.policy,
                 e.enabled ? "" : " (disabled)");
  }
}

void check_schedules(service_actor* self) {
  auto& st = self->state;
  if (st.d.cfg.schedules.empty()) return;
  auto stored = st.d.cat->list_schedules();
  if (!stored) return;
  int64_t t = now(self);
  for (const auto& e : st.d.cfg.schedules) {
    if (!e.enabled) continue;
    const catalog::schedule* s = nullptr;
    for (const auto& x : *stored)
      if (x.name == e.name) s = &x;
    if (!s) continue;
    auto d = scheduler::decide(e.cron, e.time_zone, s->last_run, s->next_run,
                               t, e.options);
    if (d.action == scheduler::due_action::wait) {
      if (d.next_run != s->next_run)
        (void)st.d.cat->record_schedule_run(e.name, s->last_run, d.next_run);
      continue;
    }
    if (d.action == scheduler::due_action::skip) {
      (void)st.d.cat->record_schedule_run(e.name, d.last_run, d.next_run);
      spdlog::warn("schedule {}: {}", e.name, d.reason);
      notify(self, "schedule_missed", "schedule " + e.name + ": " + d.reason);
      continue;
    }
    std::vector<std::string> vms;
    for (const auto& [host, hv] : st.hvs)
      for (const auto& vm : hv.vms) {
        if (!scheduler::selects_vm(e, vm.name())) continue;
        const auto* p = policy_for(st.d.cfg, vm.name(), vm.uuid());
        if (!p || (!e.policy.empty() && p->plan.name != e.policy)) continue;
        vms.push_back(vm.uuid());
      }
    std::string why = "schedule " + e.name + (d.catch_up ? " (catch-up)" : "");
    if (vms.empty() &&
        t - std::max(d.fire_time, st.started_at) < agent_grace_s) {
      // The agents may be reconnecting (after a restart of either side):
      // wait for them a while before calling the night missed.
      if (!waiting_logged.count(e.name)) {
        spdlog::info("schedule {}: due, waiting up to {} s for its hv agents "
                     "to register",
                     e.name, agent_grace_s);
        waiting_logged.insert(e.name);
      }
      continue;
    }
    waiting_logged.erase(e.name);
    spdlog::info("schedule {}: {}", e.name, d.reason);
    // Record first: a crash from here on must not run it again.
    (void)st.d.cat->record_schedule_run(e.name, d.last_run, d.next_run);
    if (vms.empty()) {
      notify(self, "schedule_missed",
             "schedule " + e.name +
                 " fired but no registered VM matches it; is the hv agent "
                 "running and connected? (tapeline status)");
      continue;
    }
    auto r = start_night(self, why, vms);
    if (!r)
      notify(self, "schedule_missed",
             "schedule " + e.name + " could not start: " + r.error().message());
  }
}

}  // namespace tapeline::coordinator
