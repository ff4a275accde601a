// tapeline-coordinator: schedules the work, plans retention and rotation,
// keeps the catalog, and tells operators what to do (docs/architecture.md).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/publish.hpp>
#include <fstream>
#include <iostream>

#include "tapeline/caf/node.h"
#include "tapeline/catalog/catalog.h"
#include "tapeline/common/log.h"
#include "tapeline/control/auth.h"
#include "tapeline/coordinator/config.h"
#include "tapeline/coordinator/service.h"

using namespace tapeline;

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-coordinator: schedules the nightly backups, plans retention "
      "and tape rotation, keeps the catalog, and tells operators which tape "
      "to load, eject and take off-site. Agents and the `tapeline` CLI "
      "connect to it over mutual TLS.\n\n"
      "Example:\n"
      "  tapeline-coordinator --config /etc/tapeline/coordinator.toml\n"
      "See deploy/examples/coordinator.toml and docs/configuration.md."};
  std::string config_path, ready_file, level;
  bool check_only = false;
  app.add_option("--config", config_path, "configuration file (TOML)")
      ->required();
  app.add_option("--ready-file", ready_file,
                 "write the listening port here once published (for scripts)");
  app.add_option("--log-level", level, "trace, debug, info, warn, error");
  app.add_flag("--check", check_only,
               "validate the configuration and the catalog, then exit");
  CLI11_PARSE(app, argc, argv);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto cfg_or = coordinator::load_config(config_path);
  if (!cfg_or) {
    std::cerr << "tapeline-coordinator: " << cfg_or.error().message() << "\n";
    return 2;
  }
  auto& conf = *cfg_or;
  log::options lo;
  lo.level = conf.log_level;
  if (!level.empty()) {
    auto l = log::parse_level(level);
    if (!l) {
      std::cerr << "tapeline-coordinator: " << l.error().message() << "\n";
      return 2;
    }
    lo.level = *l;
  }
  lo.syslog = conf.syslog;
  lo.ident = "tapeline-coordinator";
  log::setup(lo);

  caf::actor_system_config cc;
  node::node_options no;
  no.tls = conf.tls;
  no.role = "coordinator";
  if (auto st = node::prepare(cc, no); !st) {
    std::cerr << "tapeline-coordinator: " << config_path
              << ": [tls]: " << st.message() << "\n";
    return 2;
  }
  auto verifier = control::verifier::load(conf.tls.cafile, conf.crl);
  if (!verifier) {
    std::cerr << "tapeline-coordinator: " << verifier.error().message() << "\n";
    return 2;
  }
  auto cat = catalog::open(conf.catalog_path);
  if (!cat) {
    std::cerr << "tapeline-coordinator: catalog " << conf.catalog_path << ": "
              << cat.error().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "configuration ok: " << conf.file << "; catalog "
              << conf.catalog_path << " (schema "
              << [&] {
                   auto v = (*cat)->schema_version();
                   return v ? *v : 0;
                 }()
              << "); listening on "
              << conf.listen << ":" << conf.port << "; " << conf.pools.size()
              << " pools, " << conf.policies.size() << " policies\n";
    return 0;
  }
  caf::actor_system sys{cc};
  coordinator::service_deps deps;
  deps.cfg = conf;
  deps.cat = std::move(*cat);
  deps.verifier = *verifier;
  deps.now = [] { return static_cast<int64_t>(std::time(nullptr)); };
  // For tests and the soak only: a clock that starts at TAPELINE_CLOCK_START
  // (Unix seconds) and runs TAPELINE_CLOCK_RATE times as fast as the real
  // one. Agents keep the real time.
  if (const char* start = std::getenv("TAPELINE_CLOCK_START")) {
    const char* rate_s = std::getenv("TAPELINE_CLOCK_RATE");
    double rate = rate_s ? std::atof(rate_s) : 1.0;
    int64_t t0 = std::atoll(start);
    auto real0 = std::chrono::steady_clock::now();
    deps.now = [t0, rate, real0] {
      double s = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - real0)
                     .count();
      return t0 + static_cast<int64_t>(s * rate);
    };
    spdlog::warn("test clock: starts at {} and runs x{} (TAPELINE_CLOCK_START)",
                 t0, rate);
  }
  auto svc = coordinator::spawn_service(sys, std::move(deps));
  auto port = caf::openssl::publish(svc, conf.port, conf.listen.c_str(), true);
  if (!port) {
    spdlog::critical("cannot listen on {}:{}: {}", conf.listen, conf.port,
                     sys.render(port.error()));
    caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
    std::_Exit(1);
  }
  spdlog::info("coordinator {} listening on {}:{} (mutual TLS); catalog {}",
               conf.name, conf.listen, *port, conf.catalog_path);
  if (!ready_file.empty()) std::ofstream(ready_file) << *port << "\n";
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: stopping", sig);
  caf::anon_send_exit(svc, caf::exit_reason::user_shutdown);
  spdlog::shutdown();
  std::fflush(nullptr);
  // Every catalog change is its own transaction: nothing to flush. See
  // tapeline-tape-agent for why we leave without the actor system's
  // destructor.
  std::_Exit(0);
}
