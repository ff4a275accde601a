// The planner's input from the configuration, the registered agents and the
// catalog; and a night's jobs from the plan.
#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "state.h"
#include "tapeline/planner/planner.h"

namespace tapeline::coordinator {
namespace {

double lto_capacity_bytes(const std::string& media_type) {
  static const std::pair<const char*, double> caps[] = {
      {"LTO-3", 400e9}, {"LTO-4", 800e9}, {"LTO-5", 1.5e12}, {"LTO-6", 2.5e12},
      {"LTO-7", 6e12},  {"LTO-8", 12e12}, {"LTO-9", 18e12}};
  for (auto& [m, c] : caps)
    if (media_type == m) return c;
  return 1.5e12;
}

const date::time_zone* zone_of(const std::string& tz) {
  try {
    return tz.empty() ? date::current_zone() : date::locate_zone(tz);
  } catch (const std::exception&) {
    return date::locate_zone("UTC");
  }
}

planner::day day_of(int64_t unix_seconds, const std::string& tz) {
  auto zt = date::make_zoned(zone_of(tz),
                             date::sys_seconds{std::chrono::seconds(unix_seconds)});
  auto ld = date::floor<date::days>(zt.get_local_time());
  return static_cast<planner::day>(ld.time_since_epoch().count());
}

planner::tape_state planner_state(catalog::tape_state s) {
  switch (s) {
    case catalog::tape_state::scratch:
      return planner::tape_state::scratch;
    case catalog::tape_state::loaded:
      return planner::tape_state::loaded;
    case catalog::tape_state::full:
      return planner::tape_state::full;
    case catalog::tape_state::offsite:
      return planner::tape_state::offsite;
    case catalog::tape_state::vaulted:
      return planner::tape_state::vaulted;
    case catalog::tape_state::expired:
      return planner::tape_state::expired;
    case catalog::tape_state::retired:
      return planner::tape_state::retired;
  }
  return planner::tape_state::retired;
}

std::string source_of(const std::string& vm_uuid, uint32_t disk) {
  return vm_uuid + "/" + std::to_string(disk);
}

}  // namespace

std::string day_string(int64_t unix_seconds, const std::string& tz) {
  auto zt = date::make_zoned(zone_of(tz),
                             date::sys_seconds{std::chrono::seconds(unix_seconds)});
  return date::format("%Y-%m-%d", date::floor<date::days>(zt.get_local_time()));
}

result<planner::planner_input> planner_input_for(service_actor* self,
                                                 int64_t night_start) {
  auto& st = self->state;
  auto& cfg = st.d.cfg;
  planner::planner_input in;
  in.today = day_of(night_start, cfg.time_zone);
  for (const auto& p : cfg.policies) in.policies.push_back(p.plan);
  in.pools = cfg.pools;
  // Drives: as registered, with the configuration's pool and rate.
  for (const auto& [name, ds] : st.drives) {
    if (ds.offline) continue;
    planner::drive d;
    d.name = name;
    d.media_type = ds.status.media_type();
    d.pool = ds.status.pool();
    d.rate = nominal_rate(d.media_type);
    for (const auto& c : cfg.drives)
      if (c.name == name) {
        if (!c.pool.empty()) d.pool = c.pool;
        if (c.rate > 0) d.rate = c.rate;
      }
    if (d.rate <= 0) d.rate = 100e6;
    bool known_pool = false;
    for (const auto& p : in.pools) known_pool |= p.name == d.pool;
    if (!known_pool) {
      planner::media_pool p;
      p.name = d.pool;
      p.media_type = d.media_type;
      in.pools.push_back(p);
    }
    in.drives.push_back(d);
  }
  auto tapes = st.d.cat->list_tapes();
  if (!tapes) return tapes.error();
  for (const auto& t : *tapes) {
    planner::tape p;
    p.barcode = t.barcode;
    p.pool = t.pool;
    p.media_type = t.media_type;
    p.capacity = t.capacity_bytes ? t.capacity_bytes
                                  : static_cast<uint64_t>(
                                        lto_capacity_bytes(t.media_type));
    p.used = t.bytes_used;
    p.state = planner_state(t.state);
    p.location = t.location;
    if (t.state == catalog::tape_state::loaded)
      for (const auto& [name, ds] : st.drives)
        if (ds.status.volume_id() == t.barcode) p.drive = name;
    if (p.state == planner::tape_state::loaded && p.drive.empty())
      p.state = planner::tape_state::full;
    in.tapes.push_back(p);
  }
  // The fleet: VMs of registered agents that a policy covers.
  for (const auto& [host, hv] : st.hvs)
    for (const auto& vm : hv.vms) {
      if (vm.is_template()) continue;
      const auto* pol = policy_for(cfg, vm.name(), vm.uuid());
      if (!pol) continue;
      planner::vm v;
      v.id = vm.uuid();
      v.name = vm.name();
      v.policy = pol->plan.name;
      for (const auto& d : vm.disks()) {
        uint32_t n = 0;
        try {
          n = static_cast<uint32_t>(std::stoul(d.userdevice()));
        } catch (...) {
          continue;
        }
        v.disks.push_back({source_of(vm.uuid(), n), d.virtual_size()});
      }
      in.fleet.vms.push_back(v);
    }
  // History and retained objects, from the catalog.
  auto objs = st.d.cat->list_objects(std::nullopt);
  if (!objs) return objs.error();
  for (const auto& o : *objs) {
    if (o.kind != "vdi_full" && o.kind != "vdi_delta") continue;
    if (o.state != catalog::object_state::restorable &&
        o.state != catalog::object_state::expired)
      continue;
    auto src = source_of(o.vm_uuid, o.disk);
    auto night = day_of(o.created_at, cfg.time_zone);
    uint64_t bytes = o.payload_bytes.value_or(0);
    auto& h = in.history[src];
    if (h.empty() || h.back().night != night) h.push_back({night, 0, 0});
    (o.delta ? h.back().delta_bytes : h.back().full_bytes) += bytes;
    if (o.state != catalog::object_state::restorable) continue;
    planner::retained_object r;
    r.id = o.id;
    r.source = src;
    r.kind = o.delta ? planner::backup_kind::delta : planner::backup_kind::full;
    r.parent = o.parent_id;
    r.night = night;
    r.bytes = bytes;
    if (auto ex = st.d.cat->extents_of(o.id))
      for (const auto& e : *ex)
        if (std::find(r.tapes.begin(), r.tapes.end(), e.barcode) ==
            r.tapes.end())
          r.tapes.push_back(e.barcode);
    in.objects.push_back(r);
  }
  for (auto& [src, h] : in.history)
    std::sort(h.begin(), h.end(),
              [](const auto& a, const auto& b) { return a.night < b.night; });
  return in;
}

result<json> start_night(service_actor* self, const std::string& why,
                         const std::vector<std::string>& only_vms) {
  auto& st = self->state;
  int64_t t = now(self);
  auto in = planner_input_for(self, t);
  if (!in) return in.error();
  if (in->fleet.vms.empty())
    return make_error(code::unavailable,
                      "no VM to back up: no hv agent has registered a VM that "
                      "a [[policy]] covers (check `tapeline status` and the "
                      "policies' vms lists)");
  auto plan = planner::make_plan(*in);
  if (!plan) return plan.error();
  auto matches = [&](const std::string& name, const std::string& uuid) {
    if (only_vms.empty()) return true;
    for (const auto& p : only_vms)
      if (glob_match(p, name) || p == uuid) return true;
    return false;
  };
  std::map<std::string, const planner::vm*> vm_of_source;
  for (const auto& vm : in->fleet.vms)
    for (const auto& d : vm.disks) vm_of_source[d.id] = &vm;
  // One job per VM and drive, disks in the plan's order.
  std::map<std::pair<std::string, std::string>, job_spec> jobs;
  std::vector<std::pair<std::string, std::string>> order;
  json unplaced = json::array();
  std::string night = day_string(t, st.d.cfg.time_zone);
  for (const auto& o : plan->objects) {
    auto vm_it = vm_of_source.find(o.source);
    if (vm_it == vm_of_source.end()) continue;
    const auto* vm = vm_it->second;
    if (!matches(vm->name, vm->id)) continue;
    if (o.drive.empty()) {
      // No tape tonight for it in the plan: it still waits in the queue
      // for any drive of its pool, and the operator is asked for a tape.
      unplaced.push_back(o.label);
    }
    auto key = std::make_pair(vm->id + (o.kind == planner::backup_kind::delta
                                            ? "#delta"
                                            : "#full"),
                              o.drive);
    auto it = jobs.find(key);
    if (it == jobs.end()) {
      job_spec s;
      s.vm_uuid = vm->id;
      s.vm_name = vm->name;
      s.base = o.kind == planner::backup_kind::delta ? "auto" : "";
      s.pool = o.pool;
      if (s.pool.empty())
        for (const auto& p : st.d.cfg.policies)
          if (p.plan.name == o.policy) s.pool = p.plan.pool;
      s.drive = o.drive;
      s.policy = o.policy;
      s.reason = why;
      // Only scheduled nights end with a report and rotation; a backup run
      // by hand leaves the tapes where they are.
      if (why.rfind("schedule ", 0) == 0) s.night = night;
      for (const auto& p : st.d.cfg.policies)
        if (p.plan.name == o.policy) s.format = p.format;
      it = jobs.emplace(key, s).first;
      order.push_back(key);
    }
    it->second.disks.push_back(o.source.substr(o.source.rfind('/') + 1));
  }
  json out = {{"night", night}, {"jobs", json::array()}};
  for (const auto& key : order) {
    auto id = enqueue(self, jobs[key]);
    if (!id) return id.error();
    out["jobs"].push_back({{"id", *id},
                           {"vm", jobs[key].vm_name},
                           {"type", jobs[key].base.empty() ? "full" : "delta"},
                           {"drive", jobs[key].drive},
                           {"disks", jobs[key].disks}});
  }
  // Rotation: off-site tapes the plan needs back are asked for once.
  json actions = json::array();
  std::set<std::string> open_recalls;
  if (auto open = st.d.cat->unacknowledged())
    for (const auto& n : *open)
      if (n.kind == "recall") open_recalls.insert(n.barcode);
  for (const auto& a : plan->tape_actions) {
    actions.push_back({{"kind", planner::to_string(a.kind)},
                       {"barcode", a.barcode},
                       {"pool", a.pool},
                       {"reason", a.reason}});
    if (a.kind == planner::tape_action_kind::recall &&
        !open_recalls.count(a.barcode))
      notify(self, notifier::recall(a.barcode, a.reason));
  }
  out["tape_actions"] = actions;
  // Retention: what the plan lets go expires now, unless a retained delta
  // still needs it (the catalog's rule).
  for (const auto& e : plan->expiries)
    (void)st.d.cat->set_expiry(e.object, t);
  if (auto expired = st.d.cat->expire_objects(t); expired && !expired->empty())
    spdlog::info("retention: {} objects expired", expired->size());
  json changes = json::array();
  for (const auto& c : plan->changes) {
    changes.push_back({{"kind", planner::to_string(c.kind)},
                       {"subject", c.subject},
                       {"reason", c.reason}});
    spdlog::info("plan: {} {}: {}", planner::to_string(c.kind), c.subject,
                 c.reason);
  }
  out["changes"] = changes;
  json warnings = json::array();
  for (const auto& w : plan->warnings) {
    warnings.push_back({{"level", planner::to_string(w.level)},
                        {"subject", w.subject},
                        {"text", w.text}});
    if (w.level == planner::severity::error)
      notify(self, "plan_warning", w.subject + ": " + w.text);
    else
      spdlog::warn("plan: {}: {}", w.subject, w.text);
  }
  out["warnings"] = warnings;
  out["unplaced"] = unplaced;
  if (out["jobs"].empty() && !only_vms.empty())
    return make_error(code::not_found,
                      "nothing matches: no registered VM named like the "
                      "target is covered by a policy (see `tapeline status`)");
  spdlog::info("night {} ({}): {} jobs queued", night, why,
               out["jobs"].size());
  dispatch(self);
  return out;
}

}  // namespace tapeline::coordinator
