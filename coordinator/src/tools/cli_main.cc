// tapeline: the operator's command line. It talks to tapeline-coordinator
// over mutual TLS with an operator certificate (docs/cli.md).
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tapeline/caf/node.h"
#include "tapeline/common/config.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"
#include "tapeline/control/link.h"
#include "tapeline/control/session.h"
#include "tapeline/restore/cli.h"

using namespace tapeline;
using json = nlohmann::json;

namespace {

struct cli_config {
  std::string host;
  uint16_t port = 0;
  tls_options tls;
};

result<cli_config> load_cli_config(const std::string& path) {
  auto root = config::load_file(path);
  if (!root) return root.error();
  root->declare({"coordinator", "tls"});
  TL_RETURN_IF_ERROR(root->check_unknown_keys());
  config::table c;
  TL_RETURN_IF_ERROR(root->required_table("coordinator", &c));
  c.declare({"address"});
  TL_RETURN_IF_ERROR(c.check_unknown_keys());
  std::string addr;
  TL_RETURN_IF_ERROR(c.required_string("address", &addr));
  auto hp = control::parse_address(addr);
  if (!hp) return c.error("address", hp.error().message());
  auto tls = load_tls_section(*root);
  if (!tls) return tls.error();
  cli_config out;
  out.host = hp->first;
  out.port = hp->second;
  out.tls = *tls;
  return out;
}

std::string when(int64_t t) {
  if (t <= 0) return "-";
  std::time_t tt = t;
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string str(const json& j, const char* k) {
  if (!j.contains(k)) return "";
  const auto& v = j[k];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

void print_table(const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(head.size());
  for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < head.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      std::cout << cell;
      if (i + 1 < head.size()) std::cout << std::string(w[i] - cell.size() + 2, ' ');
    }
    std::cout << "\n";
  };
  line(head);
  for (const auto& r : rows) line(r);
}

void print_jobs(const json& jobs) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& j : jobs) {
    std::string error = str(j, "last_error");
    if (error.size() > 60) error = error.substr(0, 57) + "...";
    rows.push_back({str(j, "id"), str(j, "state"), str(j, "vm"), str(j, "type"),
                    str(j, "drive"), str(j, "attempts"),
                    when(j.value("started_at", int64_t(0))),
                    when(j.value("finished_at", int64_t(0))), error});
  }
  print_table({"JOB", "STATE", "VM", "TYPE", "DRIVE", "TRIES", "STARTED",
               "FINISHED", "LAST ERROR"},
              rows);
}

void print_status(const json& s) {
  std::cout << "coordinator " << str(s, "coordinator") << ", up since "
            << when(s.value("started_at", int64_t(0))) << "\n\nDrives:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : s["drives"]) {
    std::string state = d.value("offline", false)
                            ? "OFFLINE: " + str(d, "offline_reason")
                        : !d.value("connected", false) ? "disconnected"
                                                       : str(d, "state");
    rows.push_back({str(d, "name"), str(d, "media_type"), str(d, "pool"),
                    str(d, "volume").empty() ? "-" : str(d, "volume"), state,
                    d.value("job", 0) ? str(d, "job") : "-"});
  }
  print_table({"DRIVE", "MEDIA", "POOL", "TAPE", "STATE", "JOB"}, rows);
  std::cout << "\nHypervisor agents:\n";
  rows.clear();
  for (const auto& h : s["hv_agents"]) {
    std::string vms;
    for (const auto& v : h["vms"])
      vms += (vms.empty() ? "" : ", ") + str(v, "name") +
             (str(v, "policy").empty() ? " (no policy)" : "");
    rows.push_back({str(h, "host"), vms});
  }
  print_table({"HOST", "VMS"}, rows);
  std::cout << "\nRunning jobs:\n";
  print_jobs(s["running"]);
  for (const auto& j : s["running"]) {
    if (!j.contains("progress")) continue;
    const auto& p = j["progress"];
    uint64_t bytes = p.value("bytes", uint64_t(0));
    uint64_t expected = p.value("expected", uint64_t(0));
    double rate = p.value("rate_Bps", 0.0);
    if (!bytes) continue;
    std::cout << "  job " << str(j, "id") << ": " << str(p, "what") << ": "
              << format_bytes(bytes);
    if (expected)
      std::cout << " of " << format_bytes(expected) << " ("
                << 100 * bytes / expected << "%)";
    std::cout << ", " << format_bytes(static_cast<uint64_t>(rate)) << "/s";
    if (p.value("eta_s", 0.0) > 0)
      std::cout << ", ETA " << static_cast<int>(p.value("eta_s", 0.0)) << " s";
    std::cout << "\n";
  }
  std::cout << "\nQueued: " << s["queued"].size() << " jobs\n";
  std::cout << "\nPending operator actions:\n";
  if (s["pending_actions"].empty()) std::cout << "  none\n";
  for (const auto& n : s["pending_actions"])
    std::cout << "  #" << str(n, "id") << " " << when(n.value("created_at", int64_t(0)))
              << "  " << str(n, "message") << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline: the operator's command line for a Tapeline site. It talks "
      "to tapeline-coordinator with an operator certificate.\n\n"
      "Examples:\n"
      "  tapeline status\n"
      "  tapeline run web01                  (back up VM web01 now)\n"
      "  tapeline plan --nights 30\n"
      "  tapeline tapes offsite LTO5-0007    (after taking it off-site)\n"
      "  tapeline catalog find --vm web01 --disk 0 --at 2026-11-20\n"
      "Configuration: --config FILE, or $TAPELINE_CONFIG, or "
      "/etc/tapeline/cli.toml ([coordinator] address, [tls])."};
  std::string config_path;
  bool as_json = false;
  app.add_option("--config", config_path, "CLI configuration (TOML)");
  app.add_flag("--json", as_json, "print the coordinator's JSON answer");
  app.require_subcommand(1);
  // --config and --json may also follow the subcommand.
  app.fallthrough();

  std::string command;
  json args = json::object();

  auto* status = app.add_subcommand(
      "status", "Drives, loaded tapes, running jobs and pending actions");
  status->callback([&] { command = "status"; });

  auto* jobs = app.add_subcommand("jobs", "List, show or cancel jobs");
  jobs->require_subcommand(1);
  std::string job_state;
  int job_limit = 50;
  int64_t job_id = 0;
  auto* jl = jobs->add_subcommand("list", "Recent jobs (tapeline jobs list --state failed)");
  jl->add_option("--state", job_state, "queued, running, done, failed, cancelled");
  jl->add_option("--limit", job_limit, "at most this many (newest)");
  jl->callback([&] {
    command = "jobs.list";
    if (!job_state.empty()) args["state"] = job_state;
    args["limit"] = job_limit;
  });
  auto* js = jobs->add_subcommand("show", "One job with its objects and tapes (tapeline jobs show 12)");
  js->add_option("id", job_id, "job number")->required();
  js->callback([&] { command = "jobs.show"; args["id"] = job_id; });
  auto* jc = jobs->add_subcommand("cancel", "Cancel a queued or running job (tapeline jobs cancel 12)");
  jc->add_option("id", job_id, "job number")->required();
  jc->callback([&] { command = "jobs.cancel"; args["id"] = job_id; });

  std::string target;
  auto* run = app.add_subcommand(
      "run", "Back up now: a VM (name, uuid or glob) or every VM of a policy "
             "(tapeline run web01; tapeline run nightly)");
  run->add_option("target", target, "VM or policy")->required();
  run->callback([&] { command = "run"; args["target"] = target; });

  auto* sched = app.add_subcommand("schedule", "The schedules");
  sched->require_subcommand(1);
  sched->add_subcommand("list", "Schedules, their last and next runs")
      ->callback([&] { command = "schedule.list"; });

  int nights = 14;
  auto* plan = app.add_subcommand(
      "plan", "Tonight's plan and the capacity forecast: how deep retention "
              "can go with these tapes, and when they run out "
              "(tapeline plan --nights 30)");
  plan->add_option("--nights", nights, "forecast this many nights");
  plan->callback([&] { command = "plan"; args["nights"] = nights; });

  auto* tapes = app.add_subcommand("tapes", "Tapes: list, label, load, eject, offsite, recall, retire");
  tapes->require_subcommand(1);
  std::string barcode, drive, pool, location;
  bool force = false;
  tapes->add_subcommand("list", "Every tape, its state and location")
      ->callback([&] { command = "tapes.list"; });
  auto* tl = tapes->add_subcommand("label", "Label the blank tape in DRIVE (tapeline tapes label lto5 LTO5-0009 --pool vdi)");
  tl->add_option("drive", drive)->required();
  tl->add_option("barcode", barcode)->required();
  tl->add_option("--pool", pool, "media pool");
  tl->add_flag("--force", force, "relabel a labelled tape (erases it)");
  tl->callback([&] {
    command = "tapes.label";
    args = {{"drive", drive}, {"barcode", barcode}, {"pool", pool}, {"force", force}};
  });
  auto* tload = tapes->add_subcommand("load", "Load a cartridge (virtual drives and libraries)");
  tload->add_option("drive", drive)->required();
  tload->add_option("barcode", barcode)->required();
  tload->callback([&] { command = "tapes.load"; args = {{"drive", drive}, {"barcode", barcode}}; });
  auto* tej = tapes->add_subcommand("eject", "Close the session and eject the tape in DRIVE");
  tej->add_option("drive", drive)->required();
  tej->callback([&] { command = "tapes.eject"; args = {{"drive", drive}}; });
  for (auto [name, help] :
       {std::pair{"offsite", "Record that BARCODE went off-site; acknowledges 'take it off-site'"},
        std::pair{"recall", "Record that BARCODE is back on site"},
        std::pair{"retire", "Never write BARCODE again"}}) {
    auto* t = tapes->add_subcommand(name, help);
    t->add_option("barcode", barcode)->required();
    t->add_option("--location", location, "where it is (\"bank safe\")");
    std::string cmd = std::string("tapes.") + name;
    t->callback([&, cmd] {
      command = cmd;
      args = {{"barcode", barcode}};
      if (!location.empty()) args["location"] = location;
    });
  }

  auto* drives = app.add_subcommand("drives", "Drives");
  drives->require_subcommand(1);
  auto* don = drives->add_subcommand("online", "Put a drive back in service after an error");
  don->add_option("drive", drive)->required();
  don->callback([&] { command = "drives.online"; args = {{"drive", drive}}; });

  auto* notes = app.add_subcommand("notifications", "Operator notifications");
  notes->require_subcommand(1);
  int64_t note_id = 0;
  notes->add_subcommand("list", "Notifications not yet acknowledged")
      ->callback([&] { command = "notifications.list"; });
  auto* nack = notes->add_subcommand("ack", "Acknowledge a notification");
  nack->add_option("id", note_id)->required();
  nack->callback([&] { command = "notifications.ack"; args = {{"id", note_id}}; });

  auto* watch = app.add_subcommand("watch", "Follow jobs, drives and notifications as they happen (Ctrl-C to stop)");
  watch->callback([&] { command = "watch"; });

  auto* cat = app.add_subcommand("catalog", "The catalog");
  cat->require_subcommand(1);
  std::string vm;
  int disk = -1;
  std::string at;
  auto* find = cat->add_subcommand(
      "find", "Which tapes and tape files restore a disk as of a time, in "
              "order (tapeline catalog find --vm web01 --disk 0 --at 2026-11-20)");
  find->add_option("--vm", vm, "VM name or uuid")->required();
  find->add_option("--disk", disk, "disk number (all disks when absent)");
  find->add_option("--at", at, "a time: Unix seconds or YYYY-MM-DD[ HH:MM] (local)");
  find->callback([&] {
    command = "catalog.find";
    args = {{"vm", vm}};
    if (disk >= 0) args["disk"] = disk;
    if (!at.empty()) {
      int64_t t = 0;
      if (at.find('-') == std::string::npos) {
        t = std::atoll(at.c_str());
      } else {
        std::tm tm{};
        std::istringstream in(at);
        in >> std::get_time(&tm, at.size() > 10 ? "%Y-%m-%d %H:%M" : "%Y-%m-%d");
        if (in.fail()) throw CLI::ValidationError("--at", "expected YYYY-MM-DD[ HH:MM]");
        if (at.size() <= 10) {
          tm.tm_hour = 23;
          tm.tm_min = 59;
          tm.tm_sec = 59;
        }
        tm.tm_isdst = -1;
        t = std::mktime(&tm);
      }
      args["at"] = t;
    }
  });

  // --config and --json may follow the subcommand (CLI11 2.1 does not pass
  // fallthrough on to subcommands by itself).
  std::function<void(CLI::App*)> fall = [&](CLI::App* a) {
    for (auto* sub : a->get_subcommands([](CLI::App*) { return true; })) {
      sub->fallthrough();
      fall(sub);
    }
  };
  fall(&app);
  std::string rebuild_drive;
  auto* rebuild = cat->add_subcommand(
      "rebuild",
      "Rebuild the catalog from the tape loaded in DRIVE: its label and "
      "catalog files (tape-format.md). Load each tape in turn and run it "
      "again; a tape already known is read again harmlessly "
      "(tapeline catalog rebuild --drive lto5)");
  rebuild->add_option("--drive", rebuild_drive, "the drive holding the tape")
      ->required();
  rebuild->callback([&] {
    command = "catalog.rebuild";
    args = {{"drive", rebuild_drive}};
  });

  // Restores run here, through a tape agent's drive, not the coordinator
  // (docs/restore.md): `tapeline restore vdi|verify|ingest-virtual ...` and
  // `tapeline verify TAPE`, each with its own --config (restore.toml).
  int restore_rc = 0;
  auto* restore_cmd = app.add_subcommand(
      "restore", "Restore a VDI through a tape agent's drive (docs/restore.md)");
  restore_cmd->require_subcommand(1);
  restore::add_restore_commands(*restore_cmd, &restore_rc);
  restore::add_verify_command(app, &restore_rc);
  auto* verify_cmd = app.get_subcommand("verify");
  CLI11_PARSE(app, argc, argv);
  if (restore_cmd->parsed() || verify_cmd->parsed()) return restore_rc;

  if (config_path.empty()) {
    const char* env = std::getenv("TAPELINE_CONFIG");
    config_path = env ? env : "/etc/tapeline/cli.toml";
  }
  auto conf = load_cli_config(config_path);
  if (!conf) {
    std::cerr << "tapeline: " << conf.error().message() << "\n";
    return 2;
  }
  log::options lo;
  lo.level = spdlog::level::warn;
  log::setup(lo);
  caf::actor_system_config cc;
  node::node_options no;
  no.tls = conf->tls;
  // Any site certificate may try: the coordinator decides what its role
  // may do, says so, and audits refusals.
  no.role = "";
  if (auto st = node::prepare(cc, no); !st) {
    std::cerr << "tapeline: " << config_path << ": [tls]: " << st.message() << "\n";
    return 2;
  }
  caf::actor_system sys{cc};
  int rc = 0;
  {
    auto s = control::session::open(sys, conf->host, conf->port, conf->tls, "tapeline");
    if (!s) {
      std::cerr << "tapeline: " << s.error().message() << "\n";
      std::_Exit(3);
    }
    auto r = (*s)->call(command, args.dump(),
                        command == "catalog.rebuild" ? std::chrono::seconds(6 * 3600)
                                                     : std::chrono::seconds(60));
    if (!r) {
      std::cerr << "tapeline: " << r.error().message() << "\n";
      std::cout.flush();
      std::_Exit(r.error().error_code() == code::permission_denied ? 4 : 1);
    }
    json out = json::parse(*r, nullptr, false);
    if (command == "watch") {
      std::cerr << "watching the coordinator at " << conf->host << ":" << conf->port
                << " (Ctrl-C to stop)\n";
      auto st = (*s)->receive_pushes([&](const v1::ControlPush& p) {
        if (!p.has_watch_json()) return true;
        auto e = json::parse(p.watch_json(), nullptr, false);
        if (as_json) {
          std::cout << e.dump() << std::endl;
        } else {
          std::cout << when(e.value("time", int64_t(0))) << "  " << str(e, "event");
          for (auto& [k, v] : e.items())
            if (k != "event" && k != "time")
              std::cout << " " << k << "=" << (v.is_string() ? v.get<std::string>() : v.dump());
          std::cout << std::endl;
        }
        return true;
      });
      if (!st) {
        std::cerr << "tapeline: " << st.message() << "\n";
        rc = 1;
      }
    } else if (as_json) {
      std::cout << out.dump(2) << "\n";
    } else if (command == "status") {
      print_status(out);
    } else if (command == "jobs.list") {
      print_jobs(out["jobs"]);
    } else if (command == "jobs.show" || command == "jobs.cancel") {
      print_jobs(json::array({out}));
      for (const auto& o : out["object_details"]) {
        std::cout << "  object " << str(o, "id") << " " << str(o, "kind") << " disk "
                  << str(o, "disk") << " " << str(o, "state") << " "
                  << format_bytes(o.value("bytes", uint64_t(0))) << "\n";
        for (const auto& x : o["extents"])
          std::cout << "    tape " << str(x, "tape") << " file " << str(x, "file")
                    << " part " << str(x, "part") << "\n";
      }
    } else if (command == "run") {
      std::cout << "night " << str(out, "night") << ": " << out["jobs"].size()
                << " jobs queued\n";
      for (const auto& j : out["jobs"])
        std::cout << "  job " << str(j, "id") << ": " << str(j, "type") << " of "
                  << str(j, "vm") << " to drive " << str(j, "drive") << "\n";
      for (const auto& c : out["changes"])
        std::cout << "  plan changed: " << str(c, "subject") << ": " << str(c, "reason") << "\n";
      for (const auto& w : out["warnings"])
        std::cout << "  " << str(w, "level") << ": " << str(w, "subject") << ": "
                  << str(w, "text") << "\n";
    } else if (command == "plan") {
      std::cout << str(out, "text");
    } else if (command == "schedule.list") {
      std::vector<std::vector<std::string>> rows;
      for (const auto& s2 : out["schedules"])
        rows.push_back({str(s2, "name"), str(s2, "cron"), str(s2, "time_zone"),
                        str(s2, "policy"), when(s2.value("last_run", int64_t(0))),
                        when(s2.value("next_run", int64_t(0)))});
      print_table({"SCHEDULE", "CRON", "ZONE", "POLICY", "LAST RUN", "NEXT RUN"}, rows);
    } else if (command == "tapes.list") {
      std::vector<std::vector<std::string>> rows;
      for (const auto& t : out["tapes"])
        rows.push_back({str(t, "barcode"), str(t, "pool"), str(t, "media_type"),
                        str(t, "state"), str(t, "location"),
                        format_bytes(t.value("bytes_used", uint64_t(0)))});
      print_table({"TAPE", "POOL", "MEDIA", "STATE", "LOCATION", "USED"}, rows);
    } else if (command == "notifications.list") {
      for (const auto& n : out["notifications"])
        std::cout << "#" << str(n, "id") << " " << when(n.value("created_at", int64_t(0)))
                  << " " << str(n, "kind") << ": " << str(n, "message") << "\n";
    } else if (command == "catalog.rebuild") {
      std::cout << "catalog rebuilt from tape " << str(out, "tape") << " (pool "
                << str(out, "pool") << "): " << str(out, "parts")
                << " object parts\n";
    } else if (command == "catalog.find") {
      for (const auto& c : out["chains"]) {
        std::cout << "VM " << str(c, "vm") << " disk " << str(c, "disk") << ":\n";
        int n = 1;
        for (const auto& s2 : c["steps"]) {
          std::cout << "  " << n++ << ". " << str(s2, "kind") << " " << str(s2, "object")
                    << " of " << when(s2.value("created_at", int64_t(0))) << " ("
                    << format_bytes(s2.value("bytes", uint64_t(0))) << ")\n";
          for (const auto& x : s2["extents"])
            std::cout << "       tape " << str(x, "tape") << " file " << str(x, "file")
                      << (x.value("part", 0) ? " part " + str(x, "part") : "") << "\n";
        }
        if (!c["offsite_tapes"].empty())
          std::cout << "  recall first: " << c["offsite_tapes"].dump() << "\n";
        if (!str(c, "note").empty()) std::cout << "  note: " << str(c, "note") << "\n";
      }
    } else {
      std::cout << out.dump(2) << "\n";
    }
  }
  std::cout.flush();
  std::_Exit(rc);
}
