// tapeline-tape-agent: one detached drive actor per configured drive,
// published over CAF with mutual TLS.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/publish.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tapeline/caf/node.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"
#include "tapeline/drive/st_drive.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape_agent/agent_config.h"
#include "tapeline/tape_agent/coordinator_link.h"
#include "tapeline/tape_agent/drive_actor.h"

namespace {

using namespace tapeline;

std::unique_ptr<drive::tape_drive> make_drive(
    const tape_agent::drive_config& d) {
  if (d.backend == "st") return std::make_unique<drive::st_drive>(d.device);
  drive::virtual_drive_options vo;
  vo.name = d.name;
  vo.slot_dir = d.slot_dir;
  vo.library_dir = d.library_dir;
  if (d.speed_model) {
    vo.speed = drive::lto_speed(d.media_type);
    vo.speed.enabled = true;
  }
  return std::make_unique<drive::virtual_drive>(vo);
}

// The tools binary drive `d` writes after each label (docs/tape-format.md
// §2): as configured, else tapeline-extract next to this executable. A
// configured one must be readable; a missing default only warns, and the
// drive labels tapes without the tools file.
result<std::string> tools_binary(const tape_agent::agent_config& conf,
                                 const tape_agent::drive_config& d) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::string def = ec ? "" : (exe.parent_path() / "tapeline-extract").string();
  std::string path = tape_agent::extract_binary_for(conf, d, def);
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return path;
  std::string why = std::strerror(errno);
  if (path == def && !d.extract_binary && !conf.extract_binary) {
    spdlog::warn(
        "drive {}: {}: {}; tapes it labels will not carry tapeline-extract "
        "(docs/disaster-recovery.md): install it there, or set "
        "extract_binary in {}",
        d.name, path, why, conf.file);
    return std::string();
  }
  return make_error(code::not_found,
                    conf.file + ": drive '" + d.name + "': extract_binary " +
                        path + ": " + why +
                        "; install tapeline-extract there, or set "
                        "extract_binary = \"\" to label tapes without it");
}

// An autoloader for virtual drives: the first blank cartridge of the drive's
// media type on the shelf, by barcode.
std::function<status()> make_autoload(drive::virtual_drive* vd,
                                      const std::string& library,
                                      const std::string& media_type) {
  return [vd, library, media_type]() -> status {
    std::vector<std::string> paths;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(library, ec))
      if (e.path().extension() == ".vtape") paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      auto c = drive::inspect_cartridge(path);
      if (!c || c->records > 0 || c->filemarks > 0) continue;
      if (c->spec.media_type != media_type || c->spec.write_protected) continue;
      if (auto st = vd->load(c->spec.barcode); !st) return st;
      spdlog::info("autoloader: loaded blank {} cartridge {}", media_type,
                   c->spec.barcode);
      return {};
    }
    return {code::no_media, "no blank " + media_type +
                                " cartridge left on the shelf " + library};
  };
}

// Stops the drives (each closes its session first) and the agent, and waits
// until they are down. Then drops timers still pending in CAF's clock: a
// pending delayed message holds its receiver, and CAF 0.17 waits for every
// detached actor to be destroyed before the process can exit.
void stop_actors(caf::actor_system& sys,
                 const std::map<std::string, caf::actor>& drives,
                 const caf::actor& agent) {
  caf::scoped_actor self{sys};
  size_t pending = 0;
  for (auto& kv : drives) {
    self->monitor(kv.second);
    self->send_exit(kv.second, caf::exit_reason::user_shutdown);
    ++pending;
  }
  self->monitor(agent);
  self->send_exit(agent, caf::exit_reason::user_shutdown);
  ++pending;
  bool timed_out = false;
  while (pending > 0 && !timed_out)
    self->receive([&](caf::down_msg&) { --pending; },
                  caf::after(std::chrono::seconds(60)) >>
                      [&] {
                        timed_out = true;
                        spdlog::error("{} actors did not stop within 60 s",
                                      pending);
                      });
  sys.clock().cancel_all();
}

int wait_for_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-tape-agent: runs the tape drives of a backup server and "
      "receives backup streams into them over mutual TLS.\n\n"
      "Example:\n"
      "  tapeline-tape-agent --config /etc/tapeline/tape-agent.toml\n"
      "See deploy/examples/tape-agent.toml and docs/configuration.md."};
  std::string config_path, ready_file, level;
  bool check_only = false;
  app.add_option("--config", config_path, "configuration file (TOML)")
      ->required();
  app.add_option("--ready-file", ready_file,
                 "write the listening port here once published (for scripts)");
  app.add_option("--log-level", level, "trace, debug, info, warn, error");
  app.add_flag("--check", check_only, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  // Signals are taken by sigwait() in main; block them before threads start.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto cfg_or = tape_agent::load_agent_config(config_path);
  if (!cfg_or) {
    std::cerr << "tapeline-tape-agent: " << cfg_or.error().message() << "\n";
    return 2;
  }
  auto& conf = *cfg_or;
  log::options lo;
  lo.level = conf.log_level;
  if (!level.empty()) {
    auto l = log::parse_level(level);
    if (!l) {
      std::cerr << "tapeline-tape-agent: " << l.error().message() << "\n";
      return 2;
    }
    lo.level = *l;
  }
  lo.syslog = conf.syslog;
  lo.ident = "tapeline-tape-agent";
  log::setup(lo);

  caf::actor_system_config cfg;
  node::node_options no;
  no.tls = conf.tls;
  no.role = "tape-agent";
  if (auto st = node::prepare(cfg, no); !st) {
    std::cerr << "tapeline-tape-agent: " << config_path
              << ": [tls]: " << st.message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "configuration ok: " << conf.file << ", listening on "
              << conf.listen << ":" << conf.port << ", " << conf.drives.size()
              << " drives\n";
    for (const auto& d : conf.drives) {
      auto tools = tools_binary(conf, d);
      if (!tools) {
        std::cerr << "tapeline-tape-agent: " << tools.error().message() << "\n";
        return 2;
      }
      std::cout << "  " << d.name << "  " << d.backend << "  "
                << (d.backend == "st" ? d.device : d.slot_dir) << "  "
                << d.media_type << "  pool " << d.pool << "  record "
                << format_bytes(d.record_size) << "  buffer "
                << format_bytes(d.buffer)
                << (d.speed_model ? "  speed model" : "")
                << (d.autoload ? "  autoload" : "") << "  tools "
                << (tools->empty() ? "none" : *tools) << "\n";
    }
    return 0;
  }
  caf::actor_system sys{cfg};

  std::map<std::string, caf::actor> drives;
  for (const auto& d : conf.drives) {
    auto dev = make_drive(d);
    tape_agent::drive_options o;
    o.name = d.name;
    o.media_type = d.media_type;
    o.pool = d.pool;
    o.record_size = static_cast<uint32_t>(d.record_size);
    o.buffer_bytes = d.buffer;
    auto tools = tools_binary(conf, d);
    if (!tools) {
      spdlog::critical("{}", tools.error().message());
      return 2;
    }
    o.extract_binary = *tools;
    if (d.backend == "virtual" && d.autoload)
      o.autoload = make_autoload(static_cast<drive::virtual_drive*>(dev.get()),
                                 d.library_dir, d.media_type);
    if (d.backend == "virtual") {
      auto* vd = static_cast<drive::virtual_drive*>(dev.get());
      o.load = [vd](const std::string& barcode) { return vd->load(barcode); };
    }
    auto name = d.name;
    auto ctl = std::make_shared<tape_agent::drive_controller>(
        o, std::move(dev), [](const v1::DriveEvent&) {});
    drives[name] = sys.spawn<caf::detached>(tape_agent::drive_actor, ctl);
    caf::anon_send(drives[name], tape_agent::start_atom::value);
    spdlog::info("drive {}: {} {} ({}), record {}, buffer {}", name, d.backend,
                 d.backend == "st" ? d.device : d.slot_dir, d.media_type,
                 format_bytes(d.record_size), format_bytes(d.buffer));
  }
  auto agent = sys.spawn(tape_agent::agent_actor, drives);
  auto port =
      caf::openssl::publish(agent, conf.port, conf.listen.c_str(), true);
  if (!port) {
    spdlog::critical("cannot listen on {}:{}: {}", conf.listen, conf.port,
                     sys.render(port.error()));
    for (auto& kv : drives)
      caf::anon_send_exit(kv.second, caf::exit_reason::user_shutdown);
    return 1;
  }
  spdlog::info("tape agent listening on {}:{} (mutual TLS) with {} drives",
               conf.listen, *port, drives.size());
  if (!ready_file.empty()) {
    std::ofstream(ready_file) << *port << "\n";
  }
  if (!conf.coordinator.empty()) {
    tape_agent::coordinator_link_options lo;
    lo.coordinator = conf.coordinator;
    lo.advertise = conf.advertise.empty()
                       ? conf.listen + ":" + std::to_string(*port)
                       : conf.advertise;
    lo.name = "tape agent " + lo.advertise;
    lo.tls = conf.tls;
    if (auto st = tape_agent::start_coordinator_link(sys, lo, agent, drives);
        !st)
      spdlog::error("[coordinator]: {}", st.message());
  }
  int sig = wait_for_signal();
  spdlog::info("signal {}: closing sessions and stopping", sig);
  stop_actors(sys, drives, agent);
  // Every drive has closed its session and released its device. CAF 0.17's
  // actor_system destructor can wait forever for a detached actor that some
  // internal reference keeps alive (seen under load), so leave here.
  spdlog::info("stopped");
  spdlog::shutdown();
  std::fflush(nullptr);
  std::_Exit(0);
}
