// tapeline-hv-agent: the agent on each XCP-ng host. Snapshots VMs, exports
// their disks through XAPI and streams them to the tape agent's drives;
// keeps recent snapshots as delta bases and deletes expired ones.
//
// Until the coordinator exists (issue #4), work is started by hand or by
// cron with `backup-once`.
#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <csignal>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include <google/protobuf/util/json_util.h>

#include "tapeline/caf/node.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"
#include "tapeline/hv_agent/daemon.h"
#include "tapeline/hv_agent/hv_config.h"
#include "tapeline/hv_agent/janitor.h"
#include "tapeline/hv_agent/sources.h"
#include "tapeline/hv_agent/vdi_backup.h"
#include "tapeline/xapi/credentials.h"
#include "tapeline/xapi/vms.h"

namespace {

using namespace tapeline;
using nlohmann::json;

constexpr const char* prog = "tapeline-hv-agent";
#ifndef TAPELINE_VERSION
#define TAPELINE_VERSION "unknown"
#endif

int fail(const status& st, int rc = 1) {
  std::cerr << prog << ": " << st.message() << "\n";
  return rc;
}

json to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return json::parse(out);
}

// Everything a subcommand needs: the configuration, and XAPI clients.
struct agent {
  hv_agent::hv_config cfg;
  xapi::endpoint ep;
  xapi::credentials creds;

  hv_agent::client_factory factory() const {
    return [ep = ep, creds = creds]() -> result<std::unique_ptr<xapi::client>> {
      auto c = std::make_unique<xapi::client>(ep, creds);
      TL_RETURN_IF_ERROR(c->login());
      return c;
    };
  }
};

result<agent> load(const std::string& path) {
  agent a;
  auto cfg = hv_agent::load_hv_config(path);
  if (!cfg) return cfg.error();
  a.cfg = std::move(*cfg);
  log::options lo;
  lo.level = a.cfg.log_level;
  lo.syslog = a.cfg.syslog;
  lo.ident = prog;
  log::setup(lo);
  auto ep = xapi::parse_endpoint(a.cfg.xapi_url);
  if (!ep) return ep.error();
  a.ep = *ep;
  a.ep.cafile = a.cfg.xapi_cafile;
  a.ep.insecure = !a.cfg.verify_tls;
  auto creds = xapi::read_credentials(a.cfg.credentials);
  if (!creds) return creds.error();
  a.creds = std::move(*creds);
  return a;
}

int64_t now_unix() {
  return static_cast<int64_t>(std::time(nullptr));
}

// A progress line on stderr, about every second per object.
void print_progress(const std::string& what, const stream::progress_info& p) {
  double mbps = p.seconds > 0 ? p.bytes / p.seconds / 1e6 : 0;
  std::string line = what + ": " + format_bytes(p.bytes);
  if (p.expected) {
    line += " of " + format_bytes(p.expected) + " (" +
            std::to_string(100 * p.bytes / p.expected) + "%)";
    if (mbps > 0)
      line += ", ETA " +
              std::to_string(int((p.expected - p.bytes) / 1e6 / mbps)) + " s";
  }
  line += ", " + std::to_string(int(mbps)) + " MB/s\n";
  std::cerr << line;
}

json outcome_json(const hv_agent::export_outcome& o) {
  json j = {{"what", o.what},
            {"target", o.target.to_string()},
            {"ok", o.ok},
            {"seconds", o.seconds},
            {"manifest", to_json(o.manifest)}};
  j["manifest"]["labels"].erase("vm_metadata");
  if (!o.ok) j["error"] = o.error;
  if (o.result.object_id().size()) j["result"] = to_json(o.result);
  return j;
}

void print_outcome(const hv_agent::export_outcome& o) {
  if (!o.ok) {
    std::cout << o.what << ": FAILED: " << o.error << "\n";
    return;
  }
  auto& r = o.result;
  std::cout << o.what << ": object " << r.object_id() << " '"
            << o.manifest.name() << "' " << format_bytes(r.payload_bytes())
            << " in " << int(o.seconds + 0.5) << " s, sha256 " << r.sha256()
            << "\n";
  for (auto& e : r.extents())
    std::cout << "  part " << e.part() << ": tape " << e.volume_id() << " file "
              << e.file_number() << "\n";
}

// ---- subcommands --------------------------------------------------------

int cmd_check(const std::string& config, bool json_out) {
  auto a = load(config);
  if (!a) return fail(a.error());
  if (auto st = validate(a->cfg.tls, std::time(nullptr), "hv-agent"); !st)
    return fail(st);
  auto c = a->factory()();
  if (!c) return fail(c.error());
  auto vms = xapi::list_vms(**c);
  if (!vms) return fail(vms.error());
  if (json_out) {
    std::cout << json{{"ok", true},
                      {"xapi", (*c)->current_endpoint().to_string()},
                      {"vms", vms->size()}}
              << "\n";
  } else {
    std::cout << "configuration " << a->cfg.file << ": ok\n"
              << "certificate " << a->cfg.tls.certificate
              << ": ok (role hv-agent)\n"
              << "XAPI " << (*c)->current_endpoint().to_string()
              << ": logged in as " << a->creds.username << ", " << vms->size()
              << " VMs\n";
  }
  return 0;
}

int cmd_list(const std::string& config, bool json_out) {
  auto a = load(config);
  if (!a) return fail(a.error());
  auto c = a->factory()();
  if (!c) return fail(c.error());
  auto vms = xapi::list_vms(**c);
  if (!vms) return fail(vms.error());
  auto snaps = xapi::list_tagged_snapshots(**c, a->cfg.snapshot_tag);
  if (!snaps) return fail(snaps.error());
  json out = json::array();
  for (auto& vm : *vms) {
    auto disks = xapi::vm_disks(**c, vm.ref, "VM " + vm.name_label);
    if (!disks) return fail(disks.error());
    json j = {{"name", vm.name_label},
              {"uuid", vm.uuid},
              {"power_state", vm.power_state},
              {"disks", json::array()},
              {"snapshots", json::array()}};
    for (auto& d : *disks)
      j["disks"].push_back({{"disk", d.userdevice},
                            {"vdi_uuid", d.vdi_uuid},
                            {"name", d.name_label},
                            {"virtual_size", d.virtual_size}});
    for (auto& s : *snaps) {
      if (s.snapshot.snapshot_of != vm.ref) continue;
      auto st = s.snapshot.other_config.find(a->cfg.snapshot_tag + ".state");
      j["snapshots"].push_back(
          {{"name", s.snapshot.name_label},
           {"uuid", s.snapshot.uuid},
           {"created", s.created},
           {"state", st == s.snapshot.other_config.end() ? "" : st->second}});
    }
    out.push_back(j);
  }
  if (json_out) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (auto& vm : out) {
    std::cout << vm["name"].get<std::string>() << "  "
              << vm["uuid"].get<std::string>() << "  "
              << vm["power_state"].get<std::string>() << "\n";
    for (auto& d : vm["disks"])
      std::cout << "  disk " << d["disk"].get<std::string>() << "  "
                << format_bytes(d["virtual_size"].get<uint64_t>()) << "  "
                << d["vdi_uuid"].get<std::string>() << "  "
                << d["name"].get<std::string>() << "\n";
    for (auto& s : vm["snapshots"])
      std::cout << "  snapshot \"" << s["name"].get<std::string>() << "\"  "
                << s["uuid"].get<std::string>() << "  "
                << s["state"].get<std::string>() << "\n";
  }
  return 0;
}

int cmd_janitor(const std::string& config, bool dry_run, bool json_out) {
  auto a = load(config);
  if (!a) return fail(a.error());
  auto c = a->factory()();
  if (!c) return fail(c.error());
  auto snaps = xapi::list_tagged_snapshots(**c, a->cfg.snapshot_tag);
  if (!snaps) return fail(snaps.error());
  std::vector<hv_agent::tagged_snapshot> tagged;
  for (auto& s : *snaps) {
    auto st = s.snapshot.other_config.find(a->cfg.snapshot_tag + ".state");
    tagged.push_back({s.snapshot.ref, s.snapshot.name_label,
                      s.snapshot.snapshot_of,
                      st == s.snapshot.other_config.end() ? "" : st->second,
                      s.tag_value, s.created});
  }
  auto host = a->cfg.name;
  auto decisions = hv_agent::snapshots_to_delete(
      tagged, now_unix(),
      std::chrono::duration_cast<std::chrono::seconds>(
          a->cfg.snapshot_retention),
      [&](const std::string& owner) {
        return hv_agent::owner_alive_on(host, owner);
      });
  json out = json::array();
  int rc = 0;
  for (auto& d : decisions) {
    json j = {{"snapshot", d.snapshot->name}, {"reason", d.reason}};
    status st;
    if (!dry_run)
      st = xapi::destroy_snapshot(**c, d.snapshot->ref,
                                  "snapshot " + d.snapshot->name);
    j["deleted"] = !dry_run && st.ok();
    if (!st.ok()) {
      j["error"] = st.message();
      rc = 1;
    }
    log::get("hv.janitor")
        ->info("snapshot \"{}\": {}{}", d.snapshot->name, d.reason,
               dry_run   ? " (dry run: kept)"
               : st.ok() ? ": deleted"
                         : ": " + st.message());
    out.push_back(j);
  }
  if (json_out) {
    std::cout << json{{"checked", tagged.size()}, {"actions", out}}.dump(2)
              << "\n";
  } else {
    std::cout << "janitor: " << tagged.size() << " Tapeline snapshots, "
              << decisions.size()
              << (dry_run ? " would be deleted" : " deleted") << "\n";
    for (auto& j : out)
      std::cout << "  \"" << j["snapshot"].get<std::string>()
                << "\": " << j["reason"].get<std::string>()
                << (j.contains("error")
                        ? " — FAILED: " + j["error"].get<std::string>()
                        : "")
                << "\n";
  }
  return rc;
}

struct backup_args {
  std::string vm;
  std::vector<std::string> disks;
  std::vector<std::string> to;
  std::string base;
  std::string format;
  bool pool_metadata = false;
  std::vector<std::string> files;
  std::vector<std::string> excludes;
  std::string set_name;
  int level = 3;
  bool no_compress = false;
  bool finish_session = false;
  bool json_out = false;
  bool progress = false;
  std::string job_id;
};

int cmd_backup_once(const std::string& config, const backup_args& b) {
  int what = !b.vm.empty() + b.pool_metadata + !b.files.empty();
  if (what != 1) {
    std::cerr << prog
              << ": backup-once needs exactly one of --vm, --pool-metadata "
                 "and --files\n";
    return 2;
  }
  std::vector<hv_agent::drive_target> targets;
  for (auto& t : b.to) {
    auto r = hv_agent::parse_target(t);
    if (!r) return fail(r.error(), 2);
    targets.push_back(*r);
  }
  auto a = load(config);
  if (!a) return fail(a.error());
  caf::actor_system_config cc;
  node::node_options no;
  no.tls = a->cfg.tls;
  no.role = "hv-agent";
  if (auto st = node::prepare(cc, no); !st) return fail(st, 2);
  caf::actor_system sys{cc};

  hv_agent::stream_settings ss;
  ss.chunk_bytes = static_cast<uint32_t>(a->cfg.chunk_bytes);
  ss.window_bytes = a->cfg.window_bytes;
  if (b.progress) ss.on_progress = print_progress;
  int64_t now = now_unix();

  json out;
  std::vector<hv_agent::export_outcome> outcomes;
  status overall;
  if (!b.vm.empty()) {
    hv_agent::vdi_backup_request req;
    req.vm = b.vm;
    req.disks = b.disks;
    req.targets = targets;
    req.base = b.base;
    req.full_format = b.format.empty() ? a->cfg.export_format : b.format;
    req.tag = a->cfg.snapshot_tag;
    req.host_name = a->cfg.name;
    req.job_id = b.job_id;
    req.retention = std::chrono::duration_cast<std::chrono::seconds>(
        a->cfg.snapshot_retention);
    req.settings = ss;
    req.read_ahead = a->cfg.read_ahead;
    req.finish_session = b.finish_session;
    req.now = now;
    auto r = hv_agent::backup_vdis(sys, a->factory(), req);
    if (!r) return fail(r.error());
    outcomes = r->objects;
    overall = r->overall;
    out = {{"job", r->job_id},
           {"vm", r->vm_name},
           {"vm_uuid", r->vm_uuid},
           {"snapshot_uuid", r->snapshot_uuid},
           {"base_snapshot_uuid", r->base_snapshot_uuid},
           {"snapshot_kept", r->snapshot_kept}};
    if (!b.json_out)
      std::cout << "VM " << r->vm_name << ": snapshot " << r->snapshot_uuid
                << (r->snapshot_kept ? " kept as the next delta base"
                                     : " removed")
                << "\n";
  } else {
    if (targets.size() != 1) {
      std::cerr << prog << ": --pool-metadata and --files take one --to\n";
      return 2;
    }
    std::shared_ptr<std::string> report;
    hv_agent::export_task t;
    if (b.pool_metadata) {
      t = hv_agent::pool_metadata_task(a->factory(), targets[0], ss,
                                       a->cfg.name, now);
    } else {
      fileset::options fo;
      for (auto& f : b.files) fo.roots.push_back({f, ""});
      fo.excludes = b.excludes;
      fo.level = b.level;
      fo.compress = !b.no_compress;
      report = std::make_shared<std::string>();
      std::string name = b.set_name;
      if (name.empty()) {
        auto base = b.files[0];
        while (base.size() > 1 && base.back() == '/') base.pop_back();
        name = base.substr(base.rfind('/') + 1);
        if (name.empty()) name = "root";
      }
      t = hv_agent::file_set_task(fo, name, targets[0], ss, a->cfg.name, now,
                                  report);
    }
    t.finish_session = b.finish_session;
    std::vector<hv_agent::export_task> tasks;
    tasks.push_back(std::move(t));
    outcomes = hv_agent::run_exports(sys, std::move(tasks));
    if (!outcomes[0].ok)
      overall = make_error(code::aborted,
                           outcomes[0].what + ": " + outcomes[0].error);
    out = json::object();
    if (report && !report->empty()) {
      out["file_set_report"] = json::parse(*report);
      auto& rep = out["file_set_report"];
      if (!b.json_out) std::cerr << "file set: " << rep.dump() << "\n";
    }
  }
  out["objects"] = json::array();
  for (auto& o : outcomes) {
    out["objects"].push_back(outcome_json(o));
    if (!b.json_out) print_outcome(o);
  }
  out["ok"] = overall.ok();
  if (!overall.ok()) out["error"] = overall.message();
  if (b.json_out) std::cout << out.dump(2) << "\n";
  if (!overall.ok()) return fail(overall);
  return 0;
}

int cmd_run(const std::string& config) {
  // Signals are taken by sigwait() in run_daemon; block them first.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto a = load(config);
  if (!a) return fail(a.error(), 2);
  caf::actor_system_config cc;
  node::node_options no;
  no.tls = a->cfg.tls;
  no.role = "hv-agent";
  if (auto st = node::prepare(cc, no); !st) return fail(st, 2);
  caf::actor_system sys{cc};
  hv_agent::daemon_options o;
  o.cfg = a->cfg;
  o.make_client = a->factory();
  o.version = TAPELINE_VERSION;
  auto st = hv_agent::run_daemon(sys, o);
  spdlog::shutdown();
  std::fflush(nullptr);
  // As the tape agent: leave without the actor system's destructor, which
  // can wait on detached exporters still blocked in XAPI reads.
  std::_Exit(st.ok() ? 0 : (std::cerr << prog << ": " << st.message() << "\n", 1));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-hv-agent: back up the VMs of an XCP-ng host to Tapeline's "
      "tape drives.\n\n"
      "Snapshots a VM, exports its disks through XAPI (full: dynamic VHD or "
      "raw; delta: a VHD differencing disk against an earlier snapshot) and "
      "streams each export over mutual TLS straight to a drive of the tape "
      "agent. Keeps its snapshots on the host as delta bases for "
      "[snapshots] retention (14 days), then deletes them.\n\n"
      "Examples:\n"
      "  tapeline-hv-agent check\n"
      "  tapeline-hv-agent list\n"
      "  tapeline-hv-agent backup-once --vm web01 --to backup1:4711/lto5\n"
      "  tapeline-hv-agent backup-once --vm web01 --base auto --to "
      "backup1:4711/lto5\n"
      "  tapeline-hv-agent backup-once --pool-metadata --to "
      "backup1:4711/lto4\n"
      "  tapeline-hv-agent backup-once --files /srv/samba --to "
      "backup1:4711/lto4\n"
      "  tapeline-hv-agent janitor --dry-run"};
  app.require_subcommand(1);
  // The bundle's VERSION file and the install checks read this line.
  app.set_version_flag("--version", std::string(prog) + " " + TAPELINE_VERSION,
                       "print the version and exit");
  std::string config = "/etc/tapeline/hv-agent.toml";
  app.add_option("-c,--config", config, "configuration file")
      ->capture_default_str();
  bool json_out = false;

  auto* check = app.add_subcommand(
      "check",
      "Check the configuration, the credentials file (mode 0600), the "
      "certificate and the XAPI login, then exit.");
  check->add_flag("--json", json_out, "print the result as JSON");

  auto* list = app.add_subcommand(
      "list", "List the VMs, their disks and Tapeline's snapshots of them.");
  list->add_flag("--json", json_out, "print JSON");

  bool dry_run = false;
  auto* jan = app.add_subcommand(
      "janitor",
      "Delete Tapeline snapshots past their retention (each VM keeps its "
      "newest kept snapshot) and leftovers of an agent that died mid-export.\n"
      "Example: tapeline-hv-agent janitor --dry-run");
  jan->add_flag("--dry-run", dry_run,
                "say what would be deleted; delete nothing");
  jan->add_flag("--json", json_out, "print JSON");

  backup_args b;
  auto* once = app.add_subcommand(
      "backup-once",
      "Run one backup now, to the given drive(s), and exit: exit code 0 only "
      "when every object is complete on tape.\n"
      "Examples:\n"
      "  backup-once --vm web01 --to backup1:4711/lto5            (all disks, "
      "full)\n"
      "  backup-once --vm web01 --disk 0 --disk 1 --to b:4711/lto4 --to "
      "b:4711/lto5\n"
      "  backup-once --vm web01 --base auto --to b:4711/lto5      (deltas)\n"
      "  backup-once --files /srv/samba --files /srv/zimbra --name mail "
      "--to b:4711/lto4");
  once->add_option("--vm", b.vm, "VM name or uuid: back up its disks");
  once->add_option("--disk", b.disks,
                   "disk position (userdevice); repeat; default: every disk");
  once->add_option("--to", b.to,
                   "HOST:PORT/DRIVE of a tape agent; repeat to spread disks "
                   "over drives (round robin, drives in parallel)")
      ->required();
  once->add_option("--base", b.base,
                   "take VHD deltas against this kept snapshot (name or "
                   "uuid), or 'auto' for the VM's newest one");
  once->add_option("--format", b.format, "full exports as vhd or raw")
      ->check(CLI::IsMember({"vhd", "raw"}));
  once->add_flag("--pool-metadata", b.pool_metadata,
                 "back up the XAPI pool database and every VM's metadata");
  once->add_option("--files", b.files,
                   "back up this directory tree as a tar.zst file set; repeat");
  once->add_option("--exclude", b.excludes, "file set: skip matching paths");
  once->add_option("--name", b.set_name, "file set: the object's name");
  once->add_option("--level", b.level, "file set: zstd level")
      ->check(CLI::Range(1, 19));
  once->add_flag("--no-compress", b.no_compress,
                 "file set: plain tar (for data already compressed)");
  once->add_flag("--finish-session", b.finish_session,
                 "have each drive write its session catalog after its last "
                 "object (the night's last backup-once should)");
  once->add_option("--job-id", b.job_id, "job id for tags and logs");
  once->add_flag("--json", b.json_out, "print the outcome as JSON");
  once->add_flag("--progress", b.progress, "print progress to stderr");

  auto* run = app.add_subcommand(
      "run",
      "Run as a daemon under the coordinator ([coordinator] address): "
      "register this host's VMs and run the backups it orders, streaming "
      "straight to the tape agents' drives. Stop with SIGTERM.\n"
      "Example: tapeline-hv-agent run --config /etc/tapeline/hv-agent.toml");

  CLI11_PARSE(app, argc, argv);
  // A tape agent that goes away must not kill us with SIGPIPE mid-cleanup.
  std::signal(SIGPIPE, SIG_IGN);
  if (*run) return cmd_run(config);
  if (*check) return cmd_check(config, json_out);
  if (*list) return cmd_list(config, json_out);
  if (*jan) return cmd_janitor(config, dry_run, json_out);
  return cmd_backup_once(config, b);
}
