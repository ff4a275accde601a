// The coordinator's front: authentication, role checks and audit,
// registration of agents, drive events, and the timer.
#include <spdlog/spdlog.h>

#include "state.h"
#include "tapeline/catalog/rebuild.h"
#include "tapeline/control/auth.h"
#include "tapeline/coordinator/roles.h"
#include "tapeline/coordinator/run_id.h"

namespace tapeline::coordinator {
namespace {

wire::wire_frame reply_frame(const v1::ControlRequest& req, bool ok,
                             v1::ControlCode code, const std::string& error,
                             const std::string& js = {}) {
  v1::Frame f;
  auto* r = f.mutable_control_reply();
  r->set_request_id(req.request_id());
  r->set_ok(ok);
  r->set_code(code);
  r->set_error(error);
  r->set_json(js);
  return wire::encode(f);
}

wire::wire_frame ok_reply(const v1::ControlRequest& req,
                          const std::string& js = "{}") {
  return reply_frame(req, true, v1::CONTROL_OK, "", js);
}

v1::ControlCode control_code(const status& st) {
  switch (st.error_code()) {
    case code::not_found:
      return v1::NOT_FOUND;
    case code::invalid_argument:
      return v1::INVALID;
    case code::unavailable:
      return v1::UNAVAILABLE;
    case code::permission_denied:
      return v1::ROLE_REFUSED;
    default:
      return v1::CONTROL_INTERNAL;
  }
}

std::string call_name(const v1::ControlRequest& r) {
  switch (r.body_case()) {
    case v1::ControlRequest::kAuthBegin:
      return "auth_begin";
    case v1::ControlRequest::kAuthProve:
      return "auth_prove";
    case v1::ControlRequest::kRegisterHv:
      return "register_hv";
    case v1::ControlRequest::kRegisterTape:
      return "register_tape";
    case v1::ControlRequest::kJobReport:
      return "job_report";
    case v1::ControlRequest::kCall:
      return "call:" + r.call().command();
    case v1::ControlRequest::kDriveEvent:
      return "drive_event";
    case v1::ControlRequest::kJobProgress:
      return "job_progress";
    default:
      return "unknown";
  }
}

std::string peer_text(service_actor* self, const caf::actor_addr& a) {
  return to_string(a.node());
}

void on_register_tape(service_actor* self, const peer_session& s,
                      const v1::RegisterTape& reg) {
  auto& st = self->state;
  auto& tp = st.tapes[s.name];
  tp.link = s.handle;
  tp.name = s.name;
  tp.address = reg.address();
  for (const auto& d : reg.drives()) {
    auto& ds = st.drives[d.drive()];
    ds.name = d.drive();
    ds.agent = s.name;
    ds.status = d;
    ds.connected = true;
    if (d.loaded() && !d.volume_id().empty()) {
      auto t = st.d.cat->get_tape(d.volume_id());
      catalog::tape rec = t ? *t : catalog::tape{};
      rec.barcode = d.volume_id();
      if (rec.pool.empty()) rec.pool = d.pool();
      if (rec.media_type.empty()) rec.media_type = d.media_type();
      rec.state = catalog::tape_state::loaded;
      rec.location = "drive " + d.drive();
      rec.updated_at = now(self);
      if (auto e = st.d.cat->put_tape(rec); !e)
        spdlog::error("catalog: tape {}: {}", rec.barcode, e.message());
    }
  }
  tape_agent_back(self, s.name);
  spdlog::info("tape agent {} registered at {} with {} drives", s.name,
               reg.address(), reg.drives_size());
  push_watch(self, {{"event", "tape_agent_registered"},
                    {"agent", s.name},
                    {"drives", reg.drives_size()}});
}

void on_drive_event(service_actor* self, const peer_session& s,
                    const v1::DriveEvent& e) {
  auto& st = self->state;
  auto it = st.drives.find(e.drive());
  if (it == st.drives.end()) return;
  auto& ds = it->second;
  int64_t t = now(self);
  switch (e.kind()) {
    case v1::DriveEvent::LOADED:
    case v1::DriveEvent::LABEL_READ:
    case v1::DriveEvent::LABELLED: {
      ds.status.set_loaded(true);
      if (!e.volume_id().empty()) {
        ds.status.set_volume_id(e.volume_id());
        ds.status.set_state("ready");
        auto got = st.d.cat->get_tape(e.volume_id());
        catalog::tape rec = got ? *got : catalog::tape{};
        rec.barcode = e.volume_id();
        if (rec.pool.empty()) rec.pool = ds.status.pool();
        if (rec.media_type.empty()) rec.media_type = ds.status.media_type();
        rec.state = catalog::tape_state::loaded;
        rec.location = "drive " + ds.name;
        rec.updated_at = t;
        if (e.kind() == v1::DriveEvent::LABELLED) rec.labelled_at = t;
        if (auto x = st.d.cat->put_tape(rec); !x)
          spdlog::error("catalog: tape {}: {}", rec.barcode, x.message());
        // Loading the requested tape acknowledges the mount request.
        if (auto open = st.d.cat->unacknowledged())
          for (const auto& n : *open)
            if (n.kind == "mount_request" && n.drive == ds.name)
              (void)st.d.cat->acknowledge(n.id, "drive " + ds.name, t);
      }
      break;
    }
    case v1::DriveEvent::EJECTED: {
      std::string vol = ds.status.volume_id();
      if (vol.empty()) vol = e.volume_id();
      ds.status.set_loaded(false);
      ds.status.set_volume_id("");
      ds.status.set_state("no_media");
      if (!vol.empty()) {
        auto got = st.d.cat->get_tape(vol);
        if (got) {
          auto rec = *got;
          auto ex = st.d.cat->extents_on_tape(vol);
          bool written = (ex && !ex->empty()) || rec.bytes_used > 0;
          rec.state = written ? catalog::tape_state::full
                              : catalog::tape_state::scratch;
          rec.location = "on site (ejected from " + ds.name + ")";
          rec.updated_at = t;
          (void)st.d.cat->put_tape(rec);
          bool offsite = false;
          for (const auto& p : st.d.cfg.pools)
            if (p.name == rec.pool) offsite = p.offsite;
          offsite = offsite && written;
          if (offsite) {
            auto ev = notifier::tape_ejected(vol, rec.pool, "");
            ev.drive = ds.name;
            notify(self, ev);
          }
        }
      }
      break;
    }
    case v1::DriveEvent::MOUNT_REQUEST:
      ds.status.set_state("waiting_for_media");
    {
      std::vector<std::string> candidates;
      if (auto tapes = st.d.cat->list_tapes())
        for (const auto& tp : *tapes)
          if (tp.pool == ds.status.pool() &&
              tp.state == catalog::tape_state::scratch)
            candidates.push_back(tp.barcode);
      auto ev = notifier::mount_request(ds.name, ds.status.pool(), candidates);
      ev.text += e.message() + "\n";
      notify(self, ev);
    }
      break;
    case v1::DriveEvent::ERROR:
      // A lost restore reader is the reader's trouble, not the drive's.
      if (e.code() != v1::PEER_LOST) drive_failed(self, ds.name, e.message());
      break;
    case v1::DriveEvent::OBJECT_FAILED:
      on_object_failed(self, ds.name, e);
      break;
    case v1::DriveEvent::EARLY_WARNING:
      spdlog::info("drive {}: early warning on {}", ds.name, e.volume_id());
      break;
    default:
      break;
  }
  push_watch(self, {{"event", "drive"},
                    {"drive", ds.name},
                    {"kind", v1::DriveEvent::Kind_Name(e.kind())},
                    {"volume", e.volume_id()},
                    {"message", e.message()}});
  dispatch(self);
}

void on_down(service_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = st.sessions.find(dm.source);
  if (it == st.sessions.end()) return;
  auto sess = it->second;
  st.sessions.erase(it);
  for (auto w = st.watchers.begin(); w != st.watchers.end();)
    w = (w->address() == dm.source) ? st.watchers.erase(w) : w + 1;
  for (auto h = st.hvs.begin(); h != st.hvs.end(); ++h)
    if (h->second.link.address() == dm.source) {
      std::string host = h->first;
      st.hvs.erase(h);
      spdlog::warn("hv agent {} lost ({})", host,
                   self->system().render(dm.reason));
      peer_lost(self, host);
      break;
    }
  for (auto tp = st.tapes.begin(); tp != st.tapes.end(); ++tp)
    if (tp->second.link.address() == dm.source) {
      spdlog::warn("tape agent {} lost ({})", tp->first,
                   self->system().render(dm.reason));
      tape_agent_lost(self, tp->first);
      st.tapes.erase(tp);
      break;
    }
}

// `tapeline catalog rebuild --drive NAME`: the drive reads its tape's label
// and catalog (CONTENTS), and the catalog ingests them (rebuild.h). The
// answer comes when the tape has been read.
caf::result<wire::wire_frame> rebuild_from_drive(service_actor* self,
                                                 const v1::ControlRequest& req,
                                                 const json& args) {
  auto& st = self->state;
  std::string drive = args.value("drive", "");
  auto it = st.drives.find(drive);
  if (it == st.drives.end())
    return reply_frame(req, false, v1::NOT_FOUND,
                       "no drive named '" + drive + "' is registered");
  auto tp = st.tapes.find(it->second.agent);
  if (tp == st.tapes.end() || !it->second.connected)
    return reply_frame(req, false, v1::UNAVAILABLE,
                       "drive " + drive + ": its tape agent is not connected");
  if (it->second.job)
    return reply_frame(req, false, v1::UNAVAILABLE,
                       "drive " + drive + " is writing job " +
                           std::to_string(it->second.job) + "; try later");
  v1::Frame f;
  f.mutable_push()->mutable_drive_command()->set_op(v1::DriveCommand::CONTENTS);
  f.mutable_push()->mutable_drive_command()->set_drive(drive);
  auto rp = self->make_response_promise<wire::wire_frame>();
  v1::ControlRequest r0 = req;
  self->request(tp->second.link, std::chrono::seconds(6 * 3600), wire::encode(f))
      .then(
          [=](wire::wire_frame& w) mutable {
            v1::Frame r;
            if (!wire::decode(w, r).ok() || !r.has_reply())
              { rp.deliver(reply_frame(r0, false, v1::CONTROL_INTERNAL,
                                            "the tape agent sent no answer")); return; }
            if (!r.reply().ok())
              { rp.deliver(reply_frame(
                  r0, false, v1::UNAVAILABLE,
                  "drive " + drive + ": " + r.reply().error())); return; }
            const auto& label = r.reply().label();
            auto s = catalog::ingest_tape(*self->state.d.cat, label,
                                          {r.reply().catalog()}, now(self));
            if (!s)
              { rp.deliver(reply_frame(r0, false, v1::INVALID,
                                            s.message())); return; }
            int objects = r.reply().catalog().entries_size();
            spdlog::info("catalog: rebuilt from tape {} in drive {}: {} object "
                         "parts",
                         label.volume_id(), drive, objects);
            rp.deliver(reply_frame(r0, true, v1::CONTROL_OK, "",
                                   json{{"tape", label.volume_id()},
                                        {"pool", label.pool()},
                                        {"parts", objects}}
                                       .dump()));
          },
          [=](caf::error& e) mutable {
            rp.deliver(reply_frame(r0, false, v1::UNAVAILABLE,
                                   "drive " + drive + ": " +
                                       self->system().render(e)));
          });
  return rp;
}

caf::behavior service_fn(service_actor* self,
                         std::shared_ptr<service_deps> deps) {
  auto& st = self->state;
  st.d = std::move(*deps);
  st.started_at = now(self);
  if (!st.d.cfg.catalog_path.empty())
    st.notifier = spawn_notifier(self->system(), st.d.cfg.catalog_path,
                                 st.d.cfg.notify, st.d.now);
  load_jobs(self);
  load_schedules(self);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        check_schedules(self);
        dispatch(self);
        request_tapes(self);
        // Close nights once the drives are known (after a restart, the
        // tape agents register a moment after the first tick).
        if (!self->state.tapes.empty()) night_progress(self);
        self->delayed_send(self, self->state.d.tick, tick_atom::value);
      },
      [=](wire::wire_frame& w) -> caf::result<wire::wire_frame> {
        auto& st = self->state;
        v1::Frame f;
        v1::ControlRequest empty;
        if (auto err = wire::decode(w, f); !err) {
          spdlog::warn("refused a frame: {}", err.message());
          return reply_frame(empty, false, v1::INVALID, err.message());
        }
        if (!f.has_control())
          return reply_frame(empty, false, v1::INVALID,
                             std::string("the coordinator takes control "
                                         "requests, not ") +
                                 wire::body_name(f) + " frames");
        const auto& req = f.control();
        auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
        auto& sess = st.sessions[addr];
        auto call = call_name(req);
        if (req.has_auth_begin()) {
          sess.name = req.auth_begin().name();
          sess.role.clear();
          sess.nonce = control::make_nonce();
          v1::Frame out;
          auto* r = out.mutable_control_reply();
          r->set_request_id(req.request_id());
          r->set_ok(true);
          r->mutable_challenge()->set_nonce(sess.nonce);
          r->mutable_challenge()->set_coordinator(st.d.cfg.name);
          return wire::encode(out);
        }
        if (req.has_auth_prove()) {
          if (sess.nonce.empty())
            return reply_frame(req, false, v1::NOT_AUTHENTICATED,
                               "send auth_begin first");
          control::proof p{req.auth_prove().certificate_pem(),
                           req.auth_prove().signature()};
          // Certificates live in real time, whatever the scheduling clock.
          auto id = st.d.verifier->verify(p, sess.nonce, std::time(nullptr));
          sess.nonce.clear();
          if (!id) {
            spdlog::warn("audit: authentication refused for '{}' from {}: {}",
                         sess.name, peer_text(self, addr),
                         id.error().message());
            return reply_frame(req, false, v1::AUTH_FAILED,
                               id.error().message());
          }
          sess.name = id->name;
          sess.role = id->role;
          sess.handle = caf::actor_cast<caf::actor>(self->current_sender());
          self->monitor(sess.handle);
          spdlog::info("audit: {} authenticated as {} (serial {}) from {}",
                       id->name, id->role, id->serial, peer_text(self, addr));
          v1::Frame out;
          auto* r = out.mutable_control_reply();
          r->set_request_id(req.request_id());
          r->set_ok(true);
          r->set_role(id->role);
          return wire::encode(out);
        }
        if (sess.role.empty()) {
          spdlog::warn("audit: refused {} from an unauthenticated peer at {}",
                       call, peer_text(self, addr));
          st.sessions.erase(addr);
          return reply_frame(req, false, v1::NOT_AUTHENTICATED,
                             "authenticate first (auth_begin, auth_prove)");
        }
        if (!role_allows(sess.role, call)) {
          spdlog::warn("audit: refused {} from {} (role {}): needs role {}",
                       call, sess.name, sess.role, role_needed(call));
          return reply_frame(req, false, v1::ROLE_REFUSED,
                             "refused: " + call + " needs the " +
                                 role_needed(call) + " role; certificate " +
                                 sess.name + " has role " + sess.role);
        }
        switch (req.body_case()) {
          case v1::ControlRequest::kRegisterHv: {
            const auto& reg = req.register_hv();
            auto host = reg.host().empty() ? sess.name : reg.host();
            auto& hv = st.hvs[host];
            hv.link = sess.handle;
            hv.host = host;
            hv.vms.assign(reg.vms().begin(), reg.vms().end());
            spdlog::info("hv agent {} registered: {} VMs, {} jobs running, {} "
                         "reports waiting",
                         host, reg.vms_size(), reg.active_jobs_size(),
                         reg.outbox_size());
            reconcile_hv(self, host, reg);
            push_watch(self, {{"event", "hv_agent_registered"},
                              {"host", host},
                              {"vms", reg.vms_size()}});
            dispatch(self);
            return ok_reply(req);
          }
          case v1::ControlRequest::kRegisterTape:
            on_register_tape(self, sess, req.register_tape());
            dispatch(self);
            return ok_reply(req);
          case v1::ControlRequest::kDriveEvent:
            on_drive_event(self, sess, req.drive_event());
            return ok_reply(req);
          case v1::ControlRequest::kJobProgress: {
            const auto& p = req.job_progress();
            auto ref = parse_run_id(p.job_id());
            if (ref) {
              auto it = st.running.find(ref->job);
              if (it != st.running.end() &&
                  (ref->attempt == 0 || ref->attempt == it->second.attempts))
                it->second.progress = p;
            }
            return ok_reply(req);
          }
          case v1::ControlRequest::kJobReport: {
            auto s2 = on_job_report(self, req.job_report());
            if (!s2)
              return reply_frame(req, false, control_code(s2), s2.message());
            dispatch(self);
            return ok_reply(req);
          }
          case v1::ControlRequest::kCall: {
            json args = json::object();
            if (!req.call().args_json().empty()) {
              args = json::parse(req.call().args_json(), nullptr, false);
              if (args.is_discarded() || !args.is_object())
                return reply_frame(req, false, v1::INVALID,
                                   "arguments are not a JSON object");
            }
            spdlog::info("audit: {} ({}) calls {}", sess.name, sess.role,
                         req.call().command());
            if (req.call().command() == "catalog.rebuild")
              return rebuild_from_drive(self, req, args);
            auto r = operator_call(self, req.call().command(), args, sess.name,
                                   sess.handle);
            if (!r)
              return reply_frame(req, false, control_code(r.error()),
                                 r.error().message());
            return ok_reply(req, r->dump());
          }
          default:
            return reply_frame(req, false, v1::INVALID,
                               "empty or unknown control request");
        }
      },
  };
}

}  // namespace

int64_t now(service_actor* self) { return self->state.d.now(); }

void push_watch(service_actor* self, const json& event) {
  auto& st = self->state;
  if (st.watchers.empty()) return;
  v1::Frame f;
  json e = event;
  e["time"] = now(self);
  f.mutable_push()->set_watch_json(e.dump());
  auto w = wire::encode(f);
  for (auto& a : st.watchers) self->send(a, w);
}

void notify(service_actor* self, const notifier::event& e) {
  auto& st = self->state;
  spdlog::warn("operator: {}", e.subject);
  if (st.notifier) {
    self->send(st.notifier, notify_atom::value, e.to_json().dump());
  } else {
    catalog::notification n;
    n.kind = e.kind;
    n.message = e.subject;
    n.barcode = e.barcode;
    n.drive = e.drive;
    n.job_id = e.job_id;
    n.created_at = now(self);
    if (auto id = st.d.cat->add_notification(n, {"log"}))
      (void)st.d.cat->set_delivery(*id, "log", catalog::delivery_state::sent,
                                   "", n.created_at);
  }
  push_watch(self, {{"event", "notification"},
                    {"kind", e.kind},
                    {"message", e.subject},
                    {"barcode", e.barcode},
                    {"drive", e.drive},
                    {"job", e.job_id}});
}

void notify(service_actor* self, const std::string& kind,
            const std::string& message, const std::string& barcode,
            const std::string& drive, int64_t job) {
  notifier::event e;
  e.kind = kind;
  e.subject = message;
  e.text = message + "\n";
  e.barcode = barcode;
  e.drive = drive;
  e.job_id = job;
  notify(self, e);
}

caf::actor spawn_service(caf::actor_system& sys, service_deps deps) {
  return sys.spawn(service_fn, std::make_shared<service_deps>(std::move(deps)));
}

}  // namespace tapeline::coordinator
