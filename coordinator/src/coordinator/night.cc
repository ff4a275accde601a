// The end of a night and the tapes it needs: when a night's last job ends,
// the nightly report goes out and the drives of off-site pools with one
// tape per night eject (the operator is told to take the tapes away);
// when work waits for a drive that has no tape, the operator is asked to
// load one.
#include <spdlog/spdlog.h>

#include "state.h"
#include "tapeline/notifier/report.h"

namespace tapeline::coordinator {
namespace {

const planner::media_pool* pool_of(service_actor* self,
                                   const std::string& name) {
  for (const auto& p : self->state.d.cfg.pools)
    if (p.name == name) return &p;
  return nullptr;
}

void send_drive_command(service_actor* self, const std::string& drive,
                        v1::DriveCommand::Op op) {
  auto& st = self->state;
  auto it = st.drives.find(drive);
  if (it == st.drives.end()) return;
  auto tp = st.tapes.find(it->second.agent);
  if (tp == st.tapes.end()) return;
  // No new work for a drive that is about to eject.
  if (op == v1::DriveCommand::EJECT) it->second.status.set_state("ejecting");
  v1::Frame f;
  f.mutable_push()->mutable_drive_command()->set_op(op);
  f.mutable_push()->mutable_drive_command()->set_drive(drive);
  self->request(tp->second.link, std::chrono::minutes(10), wire::encode(f))
      .then(
          [=](wire::wire_frame& w) {
            v1::Frame r;
            if (!wire::decode(w, r).ok() || !r.has_reply()) return;
            auto d2 = self->state.drives.find(drive);
            if (d2 != self->state.drives.end()) {
              d2->second.status = r.reply().status();
              d2->second.status.set_drive(drive);
            }
            if (!r.reply().ok())
              notify(self, "drive_error",
                     "drive " + drive + ": " + v1::DriveCommand::Op_Name(op) +
                         " failed: " + r.reply().error(),
                     {}, drive);
          },
          [=](caf::error& e) {
            spdlog::error("drive {}: {}: {}", drive,
                          v1::DriveCommand::Op_Name(op),
                          self->system().render(e));
          });
}

void close_night(service_actor* self, const std::string& night) {
  auto& st = self->state;
  auto& cat = *st.d.cat;
  notifier::nightly_report rep;
  rep.night = night;
  std::set<std::string> drives;
  for (auto state : {catalog::job_state::done, catalog::job_state::failed}) {
    auto jobs = cat.list_jobs(state);
    if (!jobs) continue;
    for (const auto& j : *jobs) {
      auto spec = job_spec::from_json(json::parse(j.spec, nullptr, false));
      if (spec.night != night) continue;
      if (state == catalog::job_state::failed) {
        rep.failures.push_back({"VM " + spec.vm_name, j.last_error,
                                "fix the cause, then: tapeline run " +
                                    spec.vm_name});
        continue;
      }
      if (!j.drive.empty()) drives.insert(j.drive);
      for (const auto& oid : j.object_ids) {
        auto o = cat.get_object(oid);
        if (!o) continue;
        notifier::written_object w;
        w.vm = o->vm_name;
        w.disk = o->disk;
        w.kind = o->kind;
        w.bytes = o->payload_bytes.value_or(0);
        if (auto ex = cat.extents_of(oid); ex && !ex->empty()) {
          w.barcode = ex->front().barcode;
          w.file_number = ex->front().file_number;
        }
        if (j.finished_at > j.started_at)
          w.seconds = static_cast<double>(j.finished_at - j.started_at);
        rep.written.push_back(w);
      }
    }
  }
  for (const auto& d : drives) {
    auto it = st.drives.find(d);
    if (it == st.drives.end()) continue;
    const auto* p = pool_of(self, it->second.status.pool());
    if (!p || !p->offsite ||
        p->mode != planner::rotation::one_tape_per_night)
      continue;
    std::string vol = it->second.status.volume_id();
    if (vol.empty()) continue;
    rep.eject.push_back({vol, "from " + d});
    rep.offsite.push_back({vol, "pool " + p->name});
    send_drive_command(self, d, v1::DriveCommand::EJECT);
  }
  (void)cat.put_setting("night_closed:" + night, std::to_string(now(self)));
  spdlog::info("night {} complete: {} objects written, {} failures", night,
               rep.written.size(), rep.failures.size());
  notify(self, notifier::report_event(rep));
}

}  // namespace

void night_progress(service_actor* self) {
  auto& st = self->state;
  std::set<std::string> open;
  for (const auto& q : st.queue) open.insert(q.spec.night);
  for (const auto& [id, q] : st.running) open.insert(q.spec.night);
  // Nights with jobs, none of them open, not yet closed.
  auto jobs = st.d.cat->list_jobs(std::nullopt);
  if (!jobs) return;
  std::set<std::string> nights;
  for (const auto& j : *jobs) {
    if (j.kind != "backup") continue;
    auto spec = job_spec::from_json(json::parse(j.spec, nullptr, false));
    if (!spec.night.empty() && !open.count(spec.night))
      nights.insert(spec.night);
  }
  for (const auto& n : nights)
    if (!st.d.cat->get_setting("night_closed:" + n)) close_night(self, n);
}

void request_tapes(service_actor* self) {
  auto& st = self->state;
  for (auto& [name, ds] : st.drives) {
    if (ds.status.loaded() && !ds.status.volume_id().empty()) {
      ds.mount_requested = false;
      continue;
    }
    if (!ds.connected || ds.offline || ds.mount_requested) continue;
    bool waits = false;
    for (const auto& q : st.queue)
      if (q.spec.drive == name ||
          (!q.spec.pool.empty() && q.spec.pool == ds.status.pool()))
        waits = true;
    if (!waits) continue;
    ds.mount_requested = true;
    std::vector<std::string> candidates;
    if (auto tapes = st.d.cat->list_tapes())
      for (const auto& t : *tapes)
        if (t.pool == ds.status.pool() &&
            t.state == catalog::tape_state::scratch)
          candidates.push_back(t.barcode);
    auto ev = notifier::mount_request(name, ds.status.pool(), candidates);
    ev.text += "Work for pool " + ds.status.pool() + " waits for drive " +
               name + ", which has no tape. Load one: tapeline tapes load " +
               name + " BARCODE (or by hand), and label a blank one with "
               "tapeline tapes label " + name + " BARCODE.\n";
    notify(self, ev);
  }
}

}  // namespace tapeline::coordinator
