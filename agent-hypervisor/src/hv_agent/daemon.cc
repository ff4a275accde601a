#include "tapeline/hv_agent/daemon.h"

#include <signal.h>

#include <caf/all.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "tapeline/common/log.h"
#include "tapeline/control/link.h"
#include "tapeline/xapi/vms.h"

namespace tapeline::hv_agent {
namespace {

using job_done_atom = caf::atom_constant<caf::atom("jobdone")>;
using refresh_atom = caf::atom_constant<caf::atom("refresh")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
constexpr auto inventory_refresh = std::chrono::minutes(5);
constexpr size_t remembered_jobs = 2000;

auto logger() { return log::get("hv.daemon"); }

// What the link's thread (registration) and the handler share.
struct shared_jobs {
  std::mutex m;
  std::set<std::string> active;
  std::map<std::string, v1::JobReport> outbox;
  std::vector<std::string> recorded;  // reported and recorded, newest last
  std::string dir;

  bool known(const std::string& id) {
    return active.count(id) || outbox.count(id) ||
           std::find(recorded.begin(), recorded.end(), id) != recorded.end();
  }

  // Writes the outbox and the recorded ids atomically. REQUIRES: m held.
  status save() {
    v1::RegisterHv box;
    for (auto& [id, r] : outbox) *box.add_outbox() = r;
    for (auto& id : recorded) box.add_active_jobs(id);  // recorded ids
    std::string tmp = dir + "/outbox.pb.tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out || !box.SerializeToOstream(&out))
        return make_error(code::io_error, "cannot write " + tmp);
      out.flush();
      if (!out) return make_error(code::io_error, "cannot write " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, dir + "/outbox.pb", ec);
    if (ec)
      return make_error(code::io_error,
                        "cannot replace " + dir + "/outbox.pb: " + ec.message());
    return {};
  }

  status load() {
    std::ifstream in(dir + "/outbox.pb", std::ios::binary);
    if (!in) return {};
    v1::RegisterHv box;
    if (!box.ParseFromIstream(&in))
      return make_error(code::corrupt, dir + "/outbox.pb is damaged; move it "
                                             "aside to start without it");
    for (auto& r : box.outbox()) outbox[r.job_id()] = r;
    for (auto& id : box.active_jobs()) recorded.push_back(id);
    return {};
  }
};

struct handler_state {
  std::shared_ptr<shared_jobs> jobs;
  caf::actor link;
  static inline const char* name = "tapeline.hv_handler";
};
using handler_actor = caf::stateful_actor<handler_state>;

v1::JobReport run_order(caf::actor_system& sys, const daemon_options& o,
                        const v1::BackupOrder& order, caf::actor handler) {
  v1::JobReport rep;
  rep.set_job_id(order.job_id());
  auto log = logger();
  auto target = parse_target(order.tape_address() + "/" + order.drive());
  if (!target) {
    rep.set_error("bad drive address in the order: " +
                  target.error().message());
    rep.set_finished_unix(std::time(nullptr));
    return rep;
  }
  vdi_backup_request req;
  req.vm = order.vm();
  req.disks.assign(order.disks().begin(), order.disks().end());
  req.targets = {*target};
  req.base = order.base();
  req.full_format = order.format().empty() ? o.cfg.export_format : order.format();
  req.tag = o.cfg.snapshot_tag;
  req.host_name = o.cfg.name;
  req.job_id = order.job_id();
  req.retention =
      std::chrono::duration_cast<std::chrono::seconds>(o.cfg.snapshot_retention);
  req.settings.chunk_bytes = static_cast<uint32_t>(o.cfg.chunk_bytes);
  req.settings.window_bytes = o.cfg.window_bytes;
  // About once a second per object, from the exporter's thread.
  std::string job = order.job_id();
  req.settings.on_progress = [handler, job](const std::string& what,
                                            const stream::progress_info& p) {
    v1::ControlRequest r;
    auto* jp = r.mutable_job_progress();
    jp->set_job_id(job);
    jp->set_what(what);
    jp->set_bytes(p.bytes);
    jp->set_expected(p.expected);
    jp->set_seconds(p.seconds);
    caf::anon_send(handler, progress_atom::value, r.SerializeAsString());
  };
  req.read_ahead = o.cfg.read_ahead;
  req.finish_session = order.finish_session();
  req.now = std::time(nullptr);
  log->info("job {}: backing up VM {} ({}) to {}", order.job_id(), order.vm(),
            order.base().empty() ? "full" : "delta", target->to_string());
  auto r = backup_vdis(sys, o.make_client, req);
  rep.set_finished_unix(std::time(nullptr));
  if (!r) {
    rep.set_error(r.error().message());
    log->error("job {}: {}", order.job_id(), r.error().message());
    return rep;
  }
  rep.set_ok(r->overall.ok());
  if (!r->overall.ok()) rep.set_error(r->overall.message());
  rep.set_snapshot_uuid(r->snapshot_uuid);
  rep.set_snapshot_kept(r->snapshot_kept);
  for (const auto& x : r->objects) {
    auto* ob = rep.add_objects();
    *ob->mutable_manifest() = x.manifest;
    ob->mutable_manifest()->mutable_labels()->erase("vm_metadata");
    ob->set_ok(x.ok);
    ob->set_error(x.error);
    *ob->mutable_result() = x.result;
    ob->set_seconds(x.seconds);
    // The drive refuses a payload whose SHA-256 differs from the one this
    // agent computed while sending (DIGEST_MISMATCH), so an ok result's
    // SHA-256 is the source's.
    if (x.ok) ob->set_source_sha256(x.result.sha256());
  }
  log->info("job {}: {}", order.job_id(),
            rep.ok() ? "done" : "failed: " + rep.error());
  return rep;
}

void send_report(handler_actor* self, const std::string& id) {
  v1::ControlRequest req;
  {
    std::lock_guard<std::mutex> g(self->state.jobs->m);
    auto it = self->state.jobs->outbox.find(id);
    if (it == self->state.jobs->outbox.end()) return;
    *req.mutable_job_report() = it->second;
  }
  self->request(self->state.link, std::chrono::seconds(90),
                control::send_atom::value, control::control_frame(req))
      .then(
          [=](control::reply_atom, wire::wire_frame& w) {
            auto r = control::decode_reply(w);
            if (!r) {
              logger()->warn("job {}: report not recorded yet ({}); it stays "
                             "in the outbox",
                             id, r.error().message());
              return;
            }
            auto& j = *self->state.jobs;
            std::lock_guard<std::mutex> g(j.m);
            j.outbox.erase(id);
            j.recorded.push_back(id);
            if (j.recorded.size() > remembered_jobs)
              j.recorded.erase(j.recorded.begin());
            if (auto s = j.save(); !s) logger()->error("{}", s.message());
            logger()->info("job {}: report recorded by the coordinator", id);
          },
          [=](caf::error& e) {
            logger()->warn("job {}: report not sent ({})", id,
                           self->system().render(e));
          });
}

wire::wire_frame push_reply(bool ok, const std::string& error) {
  v1::Frame f;
  f.mutable_control_reply()->set_ok(ok);
  if (!ok) {
    f.mutable_control_reply()->set_code(v1::INVALID);
    f.mutable_control_reply()->set_error(error);
  }
  return wire::encode(f);
}

caf::behavior handler_fn(handler_actor* self, std::shared_ptr<shared_jobs> jobs,
                         std::shared_ptr<daemon_options> opts) {
  self->state.jobs = jobs;
  self->delayed_send(self, inventory_refresh, refresh_atom::value);
  return {
      [=](caf::actor link) { self->state.link = link; },
      [=](control::connected_atom) {
        std::vector<std::string> ids;
        {
          std::lock_guard<std::mutex> g(self->state.jobs->m);
          for (auto& [id, r] : self->state.jobs->outbox) ids.push_back(id);
        }
        for (auto& id : ids) send_report(self, id);
      },
      [=](control::disconnected_atom) {
        logger()->warn("lost the coordinator; jobs running go on, and their "
                       "reports wait in the outbox");
      },
      [=](refresh_atom) {
        if (self->state.link)
          self->send(self->state.link, control::reregister_atom::value);
        self->delayed_send(self, inventory_refresh, refresh_atom::value);
      },
      [=](progress_atom, const std::string& bytes) {
        v1::ControlRequest r;
        if (!self->state.link || !r.ParseFromString(bytes)) return;
        // Fire and forget: a lost progress line is harmless.
        self->send(self->state.link, control::send_atom::value,
                   control::control_frame(std::move(r)));
      },
      [=](control::reply_atom, wire::wire_frame&) {},
      [=](job_done_atom, const std::string& bytes) {
        v1::JobReport rep;
        if (!rep.ParseFromString(bytes)) return;
        {
          auto& j = *self->state.jobs;
          std::lock_guard<std::mutex> g(j.m);
          j.active.erase(rep.job_id());
          j.outbox[rep.job_id()] = rep;
          if (auto s = j.save(); !s) logger()->error("{}", s.message());
        }
        send_report(self, rep.job_id());
      },
      [=](wire::wire_frame& w) -> wire::wire_frame {
        v1::Frame f;
        if (auto s = wire::decode(w, f); !s) return push_reply(false, s.message());
        if (!f.has_push()) return push_reply(false, "expected a push");
        const auto& p = f.push();
        if (p.has_cancel()) {
          logger()->warn("job {}: cancel requested ({}); a running export "
                         "is not interrupted, its report will follow",
                         p.cancel().job_id(), p.cancel().reason());
          return push_reply(true, "");
        }
        if (!p.has_backup()) return push_reply(false, "unsupported push");
        const auto& order = p.backup();
        if (order.kind() != "vm" && !order.kind().empty())
          return push_reply(false, "this agent runs VM backups only, not '" +
                                       order.kind() + "'");
        bool resend = false;
        {
          auto& j = *self->state.jobs;
          std::lock_guard<std::mutex> g(j.m);
          if (j.known(order.job_id())) {
            logger()->info("job {}: already {}; not run again",
                           order.job_id(),
                           j.active.count(order.job_id()) ? "running"
                                                          : "done");
            resend = j.outbox.count(order.job_id()) > 0;
          } else {
            j.active.insert(order.job_id());
            if (auto s = j.save(); !s) logger()->error("{}", s.message());
            auto me = caf::actor_cast<caf::actor>(self);
            auto o = opts;
            self->system().spawn<caf::detached>(
                [me, o, order](caf::blocking_actor* b) {
                  auto rep = run_order(b->system(), *o, order, me);
                  b->send(me, job_done_atom::value, rep.SerializeAsString());
                });
          }
        }
        if (resend) send_report(self, order.job_id());
        return push_reply(true, "");
      },
  };
}

v1::ControlRequest registration(const daemon_options& o,
                                const std::shared_ptr<shared_jobs>& jobs,
                                const std::string& version) {
  v1::ControlRequest req;
  auto* reg = req.mutable_register_hv();
  reg->set_host(o.cfg.name);
  reg->set_version(version);
  {
    std::lock_guard<std::mutex> g(jobs->m);
    for (auto& id : jobs->active) reg->add_active_jobs(id);
    for (auto& [id, r] : jobs->outbox) *reg->add_outbox() = r;
  }
  auto c = o.make_client();
  if (!c) {
    logger()->error("registering without VMs: {}", c.error().message());
    return req;
  }
  auto vms = xapi::list_vms(**c);
  if (!vms) {
    logger()->error("registering without VMs: {}", vms.error().message());
    return req;
  }
  for (const auto& vm : *vms) {
    auto* v = reg->add_vms();
    v->set_uuid(vm.uuid);
    v->set_name(vm.name_label);
    v->set_power_state(vm.power_state);
    auto disks = xapi::vm_disks(**c, vm.ref, "VM " + vm.name_label);
    if (!disks) continue;
    for (const auto& d : *disks) {
      auto* x = v->add_disks();
      x->set_userdevice(d.userdevice);
      x->set_vdi_uuid(d.vdi_uuid);
      x->set_virtual_size(d.virtual_size);
      x->set_name(d.name_label);
    }
  }
  return req;
}

}  // namespace

status run_daemon(caf::actor_system& sys, const daemon_options& o) {
  if (o.cfg.coordinator.empty())
    return make_error(code::invalid_argument,
                      o.cfg.file +
                          ": [coordinator] address is not set; `run` works "
                          "under a coordinator (or use backup-once)");
  auto addr = control::parse_address(o.cfg.coordinator);
  if (!addr) return addr.error();
  std::error_code ec;
  std::filesystem::create_directories(o.cfg.state_dir, ec);
  if (ec)
    return make_error(code::io_error, "state_dir " + o.cfg.state_dir + ": " +
                                          ec.message());
  auto jobs = std::make_shared<shared_jobs>();
  jobs->dir = o.cfg.state_dir;
  TL_RETURN_IF_ERROR(jobs->load());
  if (!jobs->outbox.empty())
    logger()->info("{} job reports wait in {}/outbox.pb", jobs->outbox.size(),
                   o.cfg.state_dir);
  auto opts = std::make_shared<daemon_options>(o);
  auto handler = sys.spawn(handler_fn, jobs, opts);
  control::link_options lo;
  lo.host = addr->first;
  lo.port = addr->second;
  lo.tls = o.cfg.tls;
  lo.name = o.cfg.name;
  lo.handler = handler;
  lo.registration = [opts, jobs] {
    return registration(*opts, jobs, opts->version);
  };
  auto link = control::spawn_link(sys, lo);
  caf::anon_send(handler, link);
  logger()->info("hv agent {} running under the coordinator at {}", o.cfg.name,
                 o.cfg.coordinator);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  logger()->info("signal {}: stopping (running exports are cut; their jobs "
                 "will be retried)",
                 sig);
  return {};
}

}  // namespace tapeline::hv_agent
