// Operator calls: what `tapeline` asks of the coordinator. Each returns the
// JSON document the CLI prints with --json (docs/cli.md).
#include <spdlog/spdlog.h>

#include "state.h"
#include "tapeline/planner/planner.h"
#include "tapeline/planner/render.h"

namespace tapeline::coordinator {
namespace {

status bad(const std::string& msg) {
  return make_error(code::invalid_argument, msg);
}

result<std::string> need_string(const json& args, const char* key) {
  if (!args.contains(key) || !args[key].is_string() ||
      args[key].get<std::string>().empty())
    return make_error(code::invalid_argument,
                      std::string("missing argument '") + key + "'");
  return args[key].get<std::string>();
}

json tape_json(const catalog::tape& t) {
  return {{"barcode", t.barcode},
          {"pool", t.pool},
          {"media_type", t.media_type},
          {"state", catalog::to_string(t.state)},
          {"location", t.location},
          {"bytes_used", t.bytes_used},
          {"capacity_bytes", t.capacity_bytes},
          {"labelled_at", t.labelled_at},
          {"updated_at", t.updated_at}};
}

json notification_json(const catalog::notification& n) {
  return {{"id", n.id},
          {"kind", n.kind},
          {"message", n.message},
          {"barcode", n.barcode},
          {"drive", n.drive},
          {"job", n.job_id},
          {"created_at", n.created_at},
          {"acknowledged_at", n.acknowledged_at},
          {"ack_by", n.ack_by}};
}

result<json> status_call(service_actor* self) {
  auto& st = self->state;
  json drives = json::array();
  for (const auto& [name, ds] : st.drives) {
    const auto& s = ds.status;
    drives.push_back({{"name", name},
                      {"agent", ds.agent},
                      {"connected", ds.connected},
                      {"offline", ds.offline},
                      {"offline_reason", ds.offline_reason},
                      {"state", s.state()},
                      {"loaded", s.loaded()},
                      {"volume", s.volume_id()},
                      {"pool", s.pool()},
                      {"media_type", s.media_type()},
                      {"job", ds.job}});
  }
  json hvs = json::array();
  for (const auto& [host, hv] : st.hvs) {
    json vms = json::array();
    for (const auto& vm : hv.vms) {
      const auto* p = policy_for(st.d.cfg, vm.name(), vm.uuid());
      vms.push_back({{"name", vm.name()},
                     {"uuid", vm.uuid()},
                     {"disks", vm.disks_size()},
                     {"policy", p ? p->plan.name : ""}});
    }
    hvs.push_back({{"host", host}, {"vms", vms}});
  }
  json tapes = json::array();
  for (const auto& [name, tp] : st.tapes)
    tapes.push_back({{"name", name}, {"address", tp.address}});
  json running = json::array();
  for (const auto& [id, q] : st.running) {
    auto j = st.d.cat->get_job(id);
    if (j) {
      auto js = job_json(self, *j);
      js["host"] = q.host;
      const auto& p = q.progress;
      double rate = p.seconds() > 0 ? p.bytes() / p.seconds() : 0;
      js["progress"] = {{"what", p.what()},
                        {"bytes", p.bytes()},
                        {"expected", p.expected()},
                        {"rate_Bps", rate},
                        {"eta_s", rate > 0 && p.expected() > p.bytes()
                                      ? (p.expected() - p.bytes()) / rate
                                      : 0.0}};
      js["reconciling"] = st.unreconciled.count(id) > 0;
      running.push_back(js);
    }
  }
  json queued = json::array();
  for (const auto& q : st.queue)
    queued.push_back({{"id", q.id},
                      {"vm", q.spec.vm_name},
                      {"drive", q.spec.drive},
                      {"not_before", q.not_before}});
  json actions = json::array();
  if (auto open = st.d.cat->unacknowledged())
    for (const auto& n : *open) actions.push_back(notification_json(n));
  return json{{"coordinator", st.d.cfg.name},
              {"started_at", st.started_at},
              {"now", now(self)},
              {"drives", drives},
              {"hv_agents", hvs},
              {"tape_agents", tapes},
              {"running", running},
              {"queued", queued},
              {"pending_actions", actions}};
}

// Sends a drive command through the drive's tape agent; the answer is
// logged (the call returns at once).
status drive_command(service_actor* self, const std::string& drive,
                     v1::DriveCommand cmd) {
  auto& st = self->state;
  auto it = st.drives.find(drive);
  if (it == st.drives.end())
    return make_error(code::not_found, "no drive named '" + drive + "'");
  auto tp = st.tapes.find(it->second.agent);
  if (tp == st.tapes.end())
    return make_error(code::unavailable,
                      "drive " + drive + ": its tape agent is not connected");
  cmd.set_drive(drive);
  v1::Frame f;
  *f.mutable_push()->mutable_drive_command() = cmd;
  auto op = v1::DriveCommand::Op_Name(cmd.op());
  self->request(tp->second.link, std::chrono::minutes(10), wire::encode(f))
      .then(
          [=](wire::wire_frame& w) {
            v1::Frame r;
            if (wire::decode(w, r).ok() && r.has_reply()) {
              if (r.reply().ok()) {
                spdlog::info("drive {}: {} done", drive, op);
                auto& ds = self->state.drives[drive];
                ds.status = r.reply().status();
                dispatch(self);
              } else {
                notify(self, "drive_error",
                       "drive " + drive + ": " + op + " failed: " +
                           r.reply().error(),
                       {}, drive);
              }
            }
          },
          [=](caf::error& e) {
            spdlog::error("drive {}: {}: {}", drive, op,
                          self->system().render(e));
          });
  return {};
}

result<json> tapes_move(service_actor* self, const json& args,
                        catalog::tape_state to, const std::string& by) {
  auto barcode = need_string(args, "barcode");
  if (!barcode) return barcode.error();
  std::string location = args.value("location", "");
  if (location.empty())
    location = to == catalog::tape_state::offsite ? "off-site"
               : to == catalog::tape_state::retired ? "retired"
                                                    : "on site";
  auto& cat = *self->state.d.cat;
  auto t = cat.get_tape(*barcode);
  if (!t) return t.error();
  if (to == catalog::tape_state::retired || to == catalog::tape_state::offsite ||
      to == catalog::tape_state::full) {
    if (t->state == catalog::tape_state::loaded)
      return bad("tape " + *barcode +
                 " is in a drive; eject it first (tapeline tapes eject DRIVE)");
  }
  TL_RETURN_IF_ERROR(cat.move_tape(*barcode, to, location, by, now(self)));
  push_watch(self, {{"event", "tape_moved"},
                    {"barcode", *barcode},
                    {"state", catalog::to_string(to)},
                    {"by", by}});
  auto after = cat.get_tape(*barcode);
  return after ? tape_json(*after) : json::object();
}

}  // namespace

result<json> operator_call(service_actor* self, const std::string& command,
                           const json& args, const std::string& caller,
                           caf::actor caller_handle) {
  auto& st = self->state;
  auto& cat = *st.d.cat;
  if (command == "status") return status_call(self);
  if (command == "jobs.list") {
    std::optional<catalog::job_state> state;
    if (args.contains("state")) {
      state = catalog::parse_job_state(args.value("state", ""));
      if (!state) return bad("unknown job state '" + args.value("state", "") +
                             "' (queued, running, done, failed, cancelled)");
    }
    auto jobs = cat.list_jobs(state);
    if (!jobs) return jobs.error();
    size_t limit = args.value("limit", 50);
    json out = json::array();
    size_t start = jobs->size() > limit ? jobs->size() - limit : 0;
    for (size_t i = start; i < jobs->size(); ++i)
      out.push_back(job_json(self, (*jobs)[i]));
    return json{{"jobs", out}};
  }
  if (command == "jobs.show" || command == "jobs.cancel") {
    if (!args.contains("id") || !args["id"].is_number_integer())
      return bad("missing argument 'id' (a job number)");
    int64_t id = args["id"].get<int64_t>();
    if (command == "jobs.cancel") TL_RETURN_IF_ERROR(cancel_job(self, id, caller));
    auto j = cat.get_job(id);
    if (!j) return j.error();
    auto out = job_json(self, *j);
    json objs = json::array();
    for (const auto& oid : j->object_ids)
      if (auto o = cat.get_object(oid)) {
        json ex = json::array();
        if (auto e = cat.extents_of(oid))
          for (const auto& x : *e)
            ex.push_back({{"tape", x.barcode},
                          {"file", x.file_number},
                          {"part", x.part},
                          {"bytes", x.payload_length}});
        objs.push_back({{"id", o->id},
                        {"kind", o->kind},
                        {"disk", o->disk},
                        {"state", catalog::to_string(o->state)},
                        {"bytes", o->payload_bytes.value_or(0)},
                        {"sha256", o->sha256},
                        {"extents", ex}});
      }
    out["object_details"] = objs;
    return out;
  }
  if (command == "run") {
    auto target = need_string(args, "target");
    if (!target) return target.error();
    std::vector<std::string> vms;
    bool is_policy = false;
    for (const auto& p : st.d.cfg.policies)
      if (p.plan.name == *target) {
        is_policy = true;
        for (const auto& [host, hv] : st.hvs)
          for (const auto& vm : hv.vms) {
            const auto* q = policy_for(st.d.cfg, vm.name(), vm.uuid());
            if (q && q->plan.name == *target) vms.push_back(vm.uuid());
          }
      }
    if (is_policy && vms.empty())
      return make_error(code::not_found, "policy " + *target +
                                             " covers no registered VM");
    if (!is_policy) vms.push_back(*target);
    return start_night(self, "run by " + caller, vms);
  }
  if (command == "night.start") return start_night(self, "run by " + caller, {});
  if (command == "plan") {
    auto in = planner_input_for(self, now(self));
    if (!in) return in.error();
    in->forecast_nights = args.value("nights", 14);
    auto p = planner::make_plan(*in);
    if (!p) return p.error();
    auto js = json::parse(planner::render_json(*p), nullptr, false);
    return json{{"plan", js},
                {"text", planner::render_text(*p, in->forecast_nights)}};
  }
  if (command == "schedule.list") {
    auto s = cat.list_schedules();
    if (!s) return s.error();
    json out = json::array();
    for (const auto& x : *s)
      out.push_back({{"name", x.name},
                     {"cron", x.cron},
                     {"time_zone", x.time_zone},
                     {"policy", x.policy},
                     {"enabled", x.enabled},
                     {"last_run", x.last_run},
                     {"next_run", x.next_run}});
    return json{{"schedules", out}};
  }
  if (command == "tapes.list") {
    auto t = cat.list_tapes();
    if (!t) return t.error();
    json out = json::array();
    for (const auto& x : *t) out.push_back(tape_json(x));
    return json{{"tapes", out}};
  }
  if (command == "tapes.offsite")
    return tapes_move(self, args, catalog::tape_state::offsite, caller);
  if (command == "tapes.recall")
    return tapes_move(self, args, catalog::tape_state::full, caller);
  if (command == "tapes.retire")
    return tapes_move(self, args, catalog::tape_state::retired, caller);
  if (command == "tapes.label" || command == "tapes.load" ||
      command == "tapes.eject") {
    auto drive = need_string(args, "drive");
    if (!drive) return drive.error();
    v1::DriveCommand c;
    if (command == "tapes.eject") {
      c.set_op(v1::DriveCommand::EJECT);
    } else {
      auto barcode = need_string(args, "barcode");
      if (!barcode) return barcode.error();
      c.set_op(command == "tapes.label" ? v1::DriveCommand::LABEL
                                        : v1::DriveCommand::LOAD);
      c.set_volume_id(*barcode);
      c.set_pool(args.value("pool", ""));
      c.set_force(args.value("force", false));
    }
    TL_RETURN_IF_ERROR(drive_command(self, *drive, c));
    return json{{"sent", v1::DriveCommand::Op_Name(c.op())}, {"drive", *drive}};
  }
  if (command == "drives.online") {
    auto drive = need_string(args, "drive");
    if (!drive) return drive.error();
    auto it = st.drives.find(*drive);
    if (it == st.drives.end())
      return make_error(code::not_found, "no drive named '" + *drive + "'");
    it->second.offline = false;
    it->second.offline_reason.clear();
    if (auto open = cat.unacknowledged())
      for (const auto& n : *open)
        if (n.kind == "drive_error" && n.drive == *drive)
          (void)cat.acknowledge(n.id, caller, now(self));
    dispatch(self);
    return json{{"drive", *drive}, {"offline", false}};
  }
  if (command == "notifications.list") {
    auto open = cat.unacknowledged();
    if (!open) return open.error();
    json out = json::array();
    for (const auto& n : *open) out.push_back(notification_json(n));
    return json{{"notifications", out}};
  }
  if (command == "notifications.ack") {
    if (!args.contains("id") || !args["id"].is_number_integer())
      return bad("missing argument 'id' (a notification number)");
    TL_RETURN_IF_ERROR(
        cat.acknowledge(args["id"].get<int64_t>(), caller, now(self)));
    return json{{"acknowledged", args["id"]}};
  }
  if (command == "catalog.find") {
    catalog::find_query q;
    auto vm = need_string(args, "vm");
    if (!vm) return vm.error();
    q.vm = *vm;
    if (args.contains("disk")) q.disk = args["disk"].get<uint32_t>();
    if (args.contains("at")) q.at = args["at"].get<int64_t>();
    auto chains = cat.find(q);
    if (!chains) return chains.error();
    json out = json::array();
    for (const auto& c : *chains) {
      json steps = json::array();
      for (const auto& s : c.steps) {
        json ex = json::array();
        for (const auto& x : s.extents)
          ex.push_back({{"tape", x.barcode},
                        {"file", x.file_number},
                        {"part", x.part},
                        {"bytes", x.payload_length}});
        steps.push_back({{"object", s.obj.id},
                         {"kind", s.obj.kind},
                         {"created_at", s.obj.created_at},
                         {"bytes", s.obj.payload_bytes.value_or(0)},
                         {"sha256", s.obj.sha256},
                         {"extents", ex}});
      }
      out.push_back({{"vm", c.vm_name},
                     {"vm_uuid", c.vm_uuid},
                     {"disk", c.disk},
                     {"steps", steps},
                     {"offsite_tapes", c.offsite_tapes},
                     {"note", c.note}});
    }
    return json{{"chains", out}};
  }
  if (command == "watch") {
    if (caller_handle) st.watchers.push_back(caller_handle);
    return json{{"watching", true}};
  }
  return bad("unknown command '" + command +
             "'; see tapeline --help for the commands");
}

}  // namespace tapeline::coordinator
