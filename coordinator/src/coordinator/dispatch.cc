// The dispatcher: the job queue, drives pulling work, hv agents' reports,
// retries with backoff, lost agents, and reconciliation after a restart.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "state.h"
#include "tapeline/catalog/rebuild.h"
#include "tapeline/common/units.h"
#include "tapeline/coordinator/run_id.h"

namespace tapeline::coordinator {
namespace {

// How long the jobs of a lost hv agent wait for it to come back and say
// whether it still runs them, before they are retried.
constexpr int64_t lost_agent_grace_s = 120;

hv_peer* hv_for(service_actor* self, const std::string& vm_uuid) {
  for (auto& [host, hv] : self->state.hvs)
    for (const auto& vm : hv.vms)
      if (vm.uuid() == vm_uuid) return &hv;
  return nullptr;
}

bool drive_ready(const drive_state& ds) {
  const auto& s = ds.status;
  return ds.connected && !ds.offline && ds.job == 0 && s.loaded() &&
         !s.volume_id().empty() &&
         (s.state() == "ready" || s.state() == "idle");
}

std::string tape_address(service_actor* self, const drive_state& ds) {
  auto it = self->state.tapes.find(ds.agent);
  return it == self->state.tapes.end() ? "" : it->second.address;
}

void job_failed(service_actor* self, int64_t id, const std::string& why);

// Running jobs hold their drives, also when the drive's tape agent
// registered after the job was reconciled (a coordinator restart).
void hold_drives(service_actor* self) {
  for (const auto& [id, q] : self->state.running) {
    auto d = self->state.drives.find(q.spec.drive);
    if (d != self->state.drives.end() && d->second.job == 0) d->second.job = id;
  }
}

void send_order(service_actor* self, queued_job& q, drive_state& ds,
                hv_peer& hv, bool last_for_drive) {
  auto& st = self->state;
  int64_t t = now(self);
  if (auto e = st.d.cat->transition_job(q.id, catalog::job_state::running, t,
                                        "", ds.name);
      !e) {
    spdlog::error("job {}: {}", q.id, e.message());
    return;
  }
  q.attempts++;
  q.spec.drive = ds.name;
  q.host = hv.host;
  q.deadline = 0;
  ds.job = q.id;
  ds.status.set_state("writing");
  st.running[q.id] = q;
  v1::Frame f;
  auto* o = f.mutable_push()->mutable_backup();
  o->set_job_id(run_id(q.id, q.attempts));
  o->set_kind(q.spec.kind);
  o->set_vm(q.spec.vm_uuid);
  for (const auto& d : q.spec.disks) o->add_disks(d);
  o->set_tape_address(tape_address(self, ds));
  o->set_drive(ds.name);
  o->set_base(q.spec.base);
  o->set_format(q.spec.format);
  o->set_finish_session(last_for_drive);
  spdlog::info("job {}: {} of VM {} to drive {} ({} on {}), attempt {}", q.id,
               q.spec.base.empty() ? "full" : "delta", q.spec.vm_name, ds.name,
               ds.status.volume_id(), hv.host, q.attempts);
  push_watch(self, {{"event", "job_started"},
                    {"job", q.id},
                    {"vm", q.spec.vm_name},
                    {"drive", ds.name}});
  int64_t id = q.id;
  self->request(hv.link, st.d.cfg.order_timeout, wire::encode(f))
      .then(
          [=](wire::wire_frame& w) {
            v1::Frame r;
            if (!wire::decode(w, r).ok() || !r.has_control_reply())
              return job_failed(self, id, "the hv agent sent no valid answer");
            if (!r.control_reply().ok())
              return job_failed(self, id,
                                "the hv agent refused the order: " +
                                    r.control_reply().error());
          },
          [=](caf::error& e) {
            job_failed(self, id,
                       "the hv agent did not take the order: " +
                           self->system().render(e));
          });
}

void free_drive(service_actor* self, const std::string& drive, int64_t id) {
  auto it = self->state.drives.find(drive);
  if (it != self->state.drives.end() &&
      (it->second.job == id || it->second.job == 0)) {
    it->second.job = 0;
    if (it->second.status.state() == "writing")
      it->second.status.set_state("ready");
  }
}

void job_failed(service_actor* self, int64_t id, const std::string& why) {
  auto& st = self->state;
  auto it = st.running.find(id);
  if (it == st.running.end()) return;
  auto q = it->second;
  st.running.erase(it);
  st.unreconciled.erase(id);
  free_drive(self, q.spec.drive, id);
  int64_t t = now(self);
  if (q.attempts <= static_cast<uint32_t>(st.d.cfg.retries)) {
    auto delay = static_cast<int64_t>(
        std::ceil(st.d.cfg.backoff.count() / 1000.0 *
                  std::pow(2.0, std::max<int>(0, int(q.attempts) - 1))));
    q.not_before = t + delay;
    (void)st.d.cat->transition_job(id, catalog::job_state::queued, t, why);
    spdlog::warn("job {} ({}): {}; retry {} of {} in {} s", id, q.spec.vm_name,
                 why, q.attempts, st.d.cfg.retries, delay);
    st.queue.push_back(q);
    push_watch(
        self,
        {{"event", "job_retry"}, {"job", id}, {"error", why}, {"in_s", delay}});
    return;
  }
  (void)st.d.cat->transition_job(id, catalog::job_state::failed, t, why);
  notify(self, "job_failed",
         "job " + std::to_string(id) + " (backup of VM " + q.spec.vm_name +
             ") failed after " + std::to_string(q.attempts) + " attempts: " +
             why + ". Fix the cause, then run: tapeline run " + q.spec.vm_name,
         {}, q.spec.drive, id);
}

catalog::object object_of(const v1::ObjectManifest& m, int64_t now) {
  catalog::object o = catalog::object_from_manifest(m);
  // The catalog keeps the coordinator's time (the agents' clocks may
  // differ): nights, retention and `find --at` all count in it.
  o.created_at = now;
  return o;
}

// Records one object of a report; idempotent (a report may come twice).
status record_object(service_actor* self, int64_t job,
                     const v1::ObjectReport& o) {
  auto& cat = *self->state.d.cat;
  const auto& m = o.manifest();
  if (m.object_id().empty()) return {};
  auto have = cat.get_object(m.object_id());
  if (have && (have->state == catalog::object_state::restorable ||
               have->state == catalog::object_state::failed))
    return {};
  if (!have) {
    // A delta whose parent the catalog does not know is still recorded;
    // find() will say the chain is incomplete.
    TL_RETURN_IF_ERROR(cat.add_object(object_of(m, now(self))));
  }
  (void)cat.link_job_object(job, m.object_id());
  if (!o.ok() || !o.result().ok())
    return cat.mark_failed(m.object_id(),
                           o.error().empty() ? o.result().error() : o.error());
  if (!have || have->state == catalog::object_state::pending)
    TL_RETURN_IF_ERROR(cat.mark_writing(m.object_id()));
  catalog::write_report w;
  w.object_id = m.object_id();
  w.payload_bytes = o.result().payload_bytes();
  w.sha256 = o.result().sha256();
  int parts = o.result().extents_size();
  for (int i = 0; i < parts; ++i) {
    const auto& e = o.result().extents(i);
    catalog::extent x;
    x.object_id = m.object_id();
    x.barcode = e.volume_id();
    x.file_number = e.file_number();
    x.part = e.part();
    x.payload_offset = e.payload_offset();
    x.payload_length = e.payload_length();
    x.first_block = e.first_block();
    x.continues = i + 1 < parts;
    x.complete = true;
    w.extents.push_back(x);
    // The tape holds more now.
    auto t = cat.get_tape(e.volume_id());
    catalog::tape rec = t ? *t : catalog::tape{};
    if (!t) {
      rec.barcode = e.volume_id();
      rec.state = catalog::tape_state::loaded;
    }
    rec.bytes_used += e.payload_length();
    rec.updated_at = now(self);
    (void)cat.put_tape(rec);
  }
  TL_RETURN_IF_ERROR(cat.record_write(w));
  std::string src =
      o.source_sha256().empty() ? o.result().sha256() : o.source_sha256();
  return cat.mark_restorable(m.object_id(), src);
}

}  // namespace

json job_spec::to_json() const {
  return {{"kind", kind},     {"vm_uuid", vm_uuid}, {"vm_name", vm_name},
          {"disks", disks},   {"base", base},       {"format", format},
          {"pool", pool},     {"drive", drive},     {"policy", policy},
          {"reason", reason}, {"night", night}};
}

job_spec job_spec::from_json(const json& j) {
  job_spec s;
  if (!j.is_object()) return s;
  s.kind = j.value("kind", "vm");
  s.vm_uuid = j.value("vm_uuid", "");
  s.vm_name = j.value("vm_name", "");
  if (j.contains("disks") && j["disks"].is_array())
    for (auto& d : j["disks"]) s.disks.push_back(d.get<std::string>());
  s.base = j.value("base", "");
  s.format = j.value("format", "vhd");
  s.pool = j.value("pool", "");
  s.drive = j.value("drive", "");
  s.policy = j.value("policy", "");
  s.reason = j.value("reason", "");
  s.night = j.value("night", "");
  return s;
}

void load_jobs(service_actor* self) {
  auto& st = self->state;
  int64_t t = now(self);
  for (auto state : {catalog::job_state::queued, catalog::job_state::running}) {
    auto jobs = st.d.cat->list_jobs(state);
    if (!jobs) {
      spdlog::error("catalog: cannot list jobs: {}", jobs.error().message());
      continue;
    }
    for (const auto& j : *jobs) {
      if (j.kind != "backup") continue;
      queued_job q;
      q.id = j.id;
      q.spec = job_spec::from_json(json::parse(j.spec, nullptr, false));
      q.attempts = j.attempts;
      if (state == catalog::job_state::queued) {
        st.queue.push_back(q);
      } else {
        q.spec.drive = j.drive;
        q.deadline = t + lost_agent_grace_s;
        st.running[q.id] = q;
        st.unreconciled.insert(q.id);
      }
    }
  }
  if (!st.queue.empty() || !st.running.empty())
    spdlog::info(
        "jobs from the catalog: {} queued, {} running (to be "
        "reconciled with their hv agents)",
        st.queue.size(), st.running.size());
}

result<int64_t> enqueue(service_actor* self, const job_spec& spec) {
  auto& st = self->state;
  catalog::job j;
  j.kind = "backup";
  j.created_at = now(self);
  j.spec = spec.to_json().dump();
  auto id = st.d.cat->add_job(j);
  if (!id) return id.error();
  queued_job q;
  q.id = *id;
  q.spec = spec;
  st.queue.push_back(q);
  push_watch(self, {{"event", "job_queued"},
                    {"job", *id},
                    {"vm", spec.vm_name},
                    {"reason", spec.reason}});
  return *id;
}

void dispatch(service_actor* self) {
  auto& st = self->state;
  int64_t t = now(self);
  hold_drives(self);
  // Jobs whose agent was lost and did not come back in time.
  std::vector<int64_t> expired;
  for (auto& [id, q] : st.running)
    if (q.deadline && t >= q.deadline) expired.push_back(id);
  for (auto id : expired)
    job_failed(self, id,
               "its hv agent did not come back to say whether it still runs "
               "it");
  for (auto& [name, ds] : st.drives) {
    if (!drive_ready(ds)) continue;
    auto pick = st.queue.end();
    for (int pass = 0; pass < 2 && pick == st.queue.end(); ++pass)
      for (auto it = st.queue.begin(); it != st.queue.end(); ++it) {
        if (it->not_before > t) continue;
        if (!hv_for(self, it->spec.vm_uuid)) continue;
        bool mine = pass == 0 ? it->spec.drive == name
                              : (it->spec.pool.empty() ||
                                 it->spec.pool == ds.status.pool());
        if (mine) {
          pick = it;
          break;
        }
      }
    if (pick == st.queue.end()) continue;
    queued_job q = *pick;
    st.queue.erase(pick);
    bool last = true;
    for (const auto& other : st.queue)
      if (other.spec.drive == name || other.spec.pool == ds.status.pool())
        last = false;
    send_order(self, q, ds, *hv_for(self, q.spec.vm_uuid), last);
  }
}

status on_job_report(service_actor* self, const v1::JobReport& r) {
  auto& st = self->state;
  auto ref = parse_run_id(r.job_id());
  if (!ref) return ref.error().with_context("job report");
  int64_t id = ref->job;
  auto j = st.d.cat->get_job(id);
  if (!j) return j.error();
  // Objects on tape are recorded whatever became of the job.
  status first_error;
  for (const auto& o : r.objects()) {
    auto s = record_object(self, id, o);
    if (!s) {
      spdlog::error("job {}: object {}: {}", id, o.manifest().object_id(),
                    s.message());
      if (first_error.ok()) first_error = s;
    }
  }
  if (j->state != catalog::job_state::running) {
    spdlog::info(
        "job {}: report of attempt {} received (job is {}); its "
        "objects are recorded",
        id, r.job_id(), catalog::to_string(j->state));
    return {};
  }
  if (ref->attempt != 0 && ref->attempt != j->attempts) {
    spdlog::info(
        "job {}: late report of attempt {} (attempt {} runs); its "
        "objects are recorded",
        id, ref->attempt, j->attempts);
    return {};
  }
  auto it = st.running.find(id);
  std::string drive = it != st.running.end() ? it->second.spec.drive : j->drive;
  if (r.ok() && first_error.ok()) {
    st.running.erase(id);
    st.unreconciled.erase(id);
    free_drive(self, drive, id);
    (void)st.d.cat->transition_job(id, catalog::job_state::done, now(self));
    uint64_t bytes = 0;
    for (const auto& o : r.objects()) bytes += o.result().payload_bytes();
    spdlog::info("job {}: done, {} objects, {}", id, r.objects_size(),
                 format_bytes(bytes));
    push_watch(self, {{"event", "job_done"}, {"job", id}, {"bytes", bytes}});
    return {};
  }
  if (it == st.running.end()) {
    queued_job q;
    q.id = id;
    q.spec = job_spec::from_json(json::parse(j->spec, nullptr, false));
    q.attempts = j->attempts;
    q.spec.drive = drive;
    st.running[id] = q;
  }
  job_failed(self, id, !r.error().empty() ? r.error() : first_error.message());
  return {};
}

void reconcile_hv(service_actor* self, const std::string& host,
                  const v1::RegisterHv& reg) {
  auto& st = self->state;
  for (const auto& rep : reg.outbox()) {
    auto s = on_job_report(self, rep);
    if (!s)
      spdlog::error("hv agent {}: report of job {}: {}", host, rep.job_id(),
                    s.message());
  }
  std::set<int64_t> active;
  for (const auto& a : reg.active_jobs()) {
    auto ref = parse_run_id(a);
    if (!ref) continue;
    auto it = st.running.find(ref->job);
    // An earlier attempt still running there does not stand for this one.
    if (it != st.running.end() &&
        (ref->attempt == 0 || ref->attempt == it->second.attempts))
      active.insert(ref->job);
  }
  std::set<std::string> vms;
  for (const auto& vm : reg.vms()) vms.insert(vm.uuid());
  std::vector<int64_t> lost;
  for (auto& [id, q] : st.running) {
    if (active.count(id)) {
      q.host = host;
      q.deadline = 0;
      if (st.unreconciled.erase(id))
        spdlog::info("job {}: still running on {}; reconciled", id, host);
      auto d = st.drives.find(q.spec.drive);
      if (d != st.drives.end()) d->second.job = id;
      continue;
    }
    if (q.host == host || (q.host.empty() && vms.count(q.spec.vm_uuid)))
      lost.push_back(id);
  }
  for (auto id : lost)
    job_failed(
        self, id,
        "hv agent " + host + " is not running it any more (it restarted)");
}

void peer_lost(service_actor* self, const std::string& host) {
  auto& st = self->state;
  int64_t t = now(self);
  for (auto& [id, q] : st.running)
    if (q.host == host) {
      q.deadline = t + lost_agent_grace_s;
      st.unreconciled.insert(id);
    }
}

void drive_failed(service_actor* self, const std::string& drive,
                  const std::string& why, const std::string& next) {
  auto& st = self->state;
  auto it = st.drives.find(drive);
  if (it == st.drives.end()) return;
  auto& ds = it->second;
  bool was_offline = ds.offline;
  ds.offline = true;
  if (!was_offline) ds.offline_reason = why;  // the first cause stays
  int64_t job = ds.job;
  if (job) job_failed(self, job, "drive " + drive + " failed: " + why);
  // Its queue (with that job) moves to drives of the same pool: dispatch()
  // takes pool work.
  for (auto& q : st.queue)
    if (q.spec.drive == drive) q.spec.drive.clear();
  if (!was_offline)
    notify(self, "drive_error",
           "drive " + drive + " is offline: " + why +
               ". Its work goes to other drives of pool " + ds.status.pool() +
               " when there are any. " +
               (next.empty() ? "Check the drive, then run: tapeline drives "
                               "online " +
                                   drive
                             : next),
           {}, drive);
}

void tape_agent_lost(service_actor* self, const std::string& agent) {
  for (auto& [name, ds] : self->state.drives) {
    if (ds.agent != agent) continue;
    ds.connected = false;
    drive_failed(self, name, "lost its tape agent " + agent,
                 "Start tapeline-tape-agent on its host again; the drive "
                 "comes back by itself when the agent reconnects.");
  }
}

void tape_agent_back(service_actor* self, const std::string& agent) {
  auto& st = self->state;
  for (auto& [name, ds] : st.drives) {
    if (ds.agent != agent || !ds.offline ||
        ds.offline_reason != "lost its tape agent " + agent)
      continue;
    ds.offline = false;
    ds.offline_reason.clear();
    spdlog::info("drive {}: back in service (tape agent {} reconnected)", name,
                 agent);
    if (auto open = st.d.cat->unacknowledged())
      for (const auto& n : *open)
        if (n.kind == "drive_error" && n.drive == name)
          (void)st.d.cat->acknowledge(n.id, "tape agent " + agent, now(self));
  }
}

void on_object_failed(service_actor* self, const std::string& drive,
                      const v1::DriveEvent& e) {
  auto& st = self->state;
  auto d = st.drives.find(drive);
  int64_t job = d == st.drives.end() ? 0 : d->second.job;
  auto& cat = *st.d.cat;
  // The hv agent's report names the object too, with its manifest; but a
  // killed hv agent sends none, so the drive's word is recorded first.
  if (!e.object_id().empty()) {
    auto have = cat.get_object(e.object_id());
    auto q = st.running.find(job);
    if (!have && q != st.running.end()) {
      catalog::object o;
      o.id = e.object_id();
      o.delta = !q->second.spec.base.empty();
      o.kind = o.delta ? "vdi_delta" : "vdi_full";
      o.vm_name = q->second.spec.vm_name;
      o.vm_uuid = q->second.spec.vm_uuid;
      if (q->second.spec.disks.size() == 1)
        o.disk = static_cast<uint32_t>(
            std::strtoul(q->second.spec.disks[0].c_str(), nullptr, 10));
      o.payload_format = q->second.spec.format;
      o.created_at = now(self);
      if (auto s = cat.add_object(o); !s)
        spdlog::error("job {}: object {}: {}", job, o.id, s.message());
      else
        (void)cat.link_job_object(job, o.id);
      have = cat.get_object(e.object_id());
    }
    if (have && have->state != catalog::object_state::restorable &&
        have->state != catalog::object_state::expired &&
        have->state != catalog::object_state::failed)
      if (auto s = cat.mark_failed(e.object_id(), e.message()); !s)
        spdlog::error("object {}: {}", e.object_id(), s.message());
  }
  // A medium error is the drive's (or its tape's) trouble, not the job's.
  if (e.code() == v1::MEDIA_ERROR) drive_failed(self, drive, e.message());
}

status cancel_job(service_actor* self, int64_t id, const std::string& by) {
  auto& st = self->state;
  auto j = st.d.cat->get_job(id);
  if (!j) return j.error();
  int64_t t = now(self);
  TL_RETURN_IF_ERROR(st.d.cat->transition_job(id, catalog::job_state::cancelled,
                                              t, "cancelled by " + by));
  st.queue.erase(
      std::remove_if(st.queue.begin(), st.queue.end(),
                     [&](const queued_job& q) { return q.id == id; }),
      st.queue.end());
  auto it = st.running.find(id);
  if (it != st.running.end()) {
    auto hv = st.hvs.find(it->second.host);
    if (hv != st.hvs.end()) {
      v1::Frame f;
      f.mutable_push()->mutable_cancel()->set_job_id(
          run_id(id, it->second.attempts));
      f.mutable_push()->mutable_cancel()->set_reason("cancelled by " + by);
      self->send(hv->second.link, wire::encode(f));
    }
    free_drive(self, it->second.spec.drive, id);
    st.running.erase(it);
  }
  push_watch(self, {{"event", "job_cancelled"}, {"job", id}, {"by", by}});
  return {};
}

json job_json(service_actor* self, const catalog::job& j) {
  auto spec = job_spec::from_json(json::parse(j.spec, nullptr, false));
  return {{"id", j.id},
          {"kind", j.kind},
          {"state", catalog::to_string(j.state)},
          {"attempts", j.attempts},
          {"last_error", j.last_error},
          {"drive", j.drive},
          {"created_at", j.created_at},
          {"started_at", j.started_at},
          {"finished_at", j.finished_at},
          {"vm", spec.vm_name},
          {"vm_uuid", spec.vm_uuid},
          {"type", spec.base.empty() ? "full" : "delta"},
          {"policy", spec.policy},
          {"reason", spec.reason},
          {"night", spec.night},
          {"objects", j.object_ids}};
}

}  // namespace tapeline::coordinator
