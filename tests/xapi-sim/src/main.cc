// xapi-sim: an XAPI simulator for Tapeline's tests, benchmarks and quick
// start. `init` creates a pool in a state folder, `serve` answers XAPI's
// JSON-RPC and HTTP handlers over it, `ctl` drives the sim's controls.
// docs/xapi.md describes all three.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "context.h"
#include "ctl.h"
#include "server.h"
#include "state.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"

namespace {

using namespace xapi_sim;

const char* kUsage =
    "usage:\n"
    "  xapi-sim init --state DIR --vms N --disks-per-vm K --disk-size SIZE\n"
    "                [--fill BYTES] [--seed S] [--user U] [--password P]\n"
    "                [--sr-size SIZE]\n"
    "  xapi-sim serve --state DIR [--https ADDR:PORT --cert PEM --key PEM]\n"
    "                 [--slave-https ADDR:PORT] [--unix PATH]\n"
    "                 [--ready-file FILE] [--log-level LEVEL]\n"
    "  xapi-sim ctl --unix PATH COMMAND ...   (xapi-sim ctl for the list)\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "xapi-sim: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

bool parse_flags(const std::vector<std::string>& args,
                 std::map<std::string, std::string>* out, std::string* err) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) != 0 || i + 1 >= args.size()) {
      *err = "unexpected argument '" + args[i] + "'";
      return false;
    }
    (*out)[args[i].substr(2)] = args[i + 1];
    ++i;
  }
  return true;
}

bool size_flag(const std::map<std::string, std::string>& f, const char* key,
               uint64_t* v, std::string* err) {
  auto it = f.find(key);
  if (it == f.end()) return true;
  auto r = tapeline::parse_size(it->second);
  if (!r.ok()) {
    *err = std::string("--") + key + ": " + r.error().message();
    return false;
  }
  *v = *r;
  return true;
}

int run_init(const std::map<std::string, std::string>& f) {
  if (!f.count("state")) return usage_error("init needs --state DIR");
  init_options o;
  std::string err;
  if (!size_flag(f, "disk-size", &o.disk_size, &err) ||
      !size_flag(f, "fill", &o.fill_bytes, &err) ||
      !size_flag(f, "sr-size", &o.sr_size, &err))
    return usage_error(err);
  if (f.count("vms")) o.vms = std::atoi(f.at("vms").c_str());
  if (f.count("disks-per-vm"))
    o.disks_per_vm = std::atoi(f.at("disks-per-vm").c_str());
  if (f.count("seed"))
    o.seed = std::strtoull(f.at("seed").c_str(), nullptr, 10);
  if (f.count("user")) o.user = f.at("user");
  if (f.count("password")) o.password = f.at("password");
  if (o.vms < 0 || o.disks_per_vm < 1 || o.disk_size == 0 || o.disk_size % 512)
    return usage_error(
        "need --vms >= 0, --disks-per-vm >= 1 and a --disk-size "
        "that is a non-zero multiple of 512");
  auto st = state::create(f.at("state"), o);
  if (!st.ok()) {
    std::fprintf(stderr, "xapi-sim init: %s\n", st.error().message().c_str());
    return 1;
  }
  std::printf("created pool in %s: %d VMs x %d disks of %llu bytes\n",
              f.at("state").c_str(), o.vms, o.disks_per_vm,
              static_cast<unsigned long long>(o.disk_size));
  return 0;
}

int run_serve(const std::map<std::string, std::string>& f) {
  if (!f.count("state")) return usage_error("serve needs --state DIR");
  tapeline::log::options lo;
  if (f.count("log-level")) {
    auto lvl = tapeline::log::parse_level(f.at("log-level"));
    if (!lvl.ok()) return usage_error(lvl.error().message());
    lo.level = *lvl;
  }
  lo.ident = "xapi-sim";
  tapeline::log::setup(lo);
  auto st = state::open(f.at("state"));
  if (!st.ok()) {
    std::fprintf(stderr, "xapi-sim serve: %s\n", st.error().message().c_str());
    return 1;
  }
  listen_options lopt;
  auto get = [&](const char* k) {
    return f.count(k) ? f.at(k) : std::string();
  };
  lopt.https = get("https");
  lopt.slave_https = get("slave-https");
  lopt.unix_path = get("unix");
  lopt.cert = get("cert");
  lopt.key = get("key");
  if (lopt.https.empty() && lopt.unix_path.empty())
    return usage_error("serve needs --https ADDR:PORT or --unix PATH");
  if ((!lopt.https.empty() || !lopt.slave_https.empty()) &&
      (lopt.cert.empty() || lopt.key.empty()))
    return usage_error("--https needs --cert and --key (PEM files)");
  // Signals are taken by sigwait below, never by the listener threads.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  static sim_context ctx;
  ctx.st = st->get();
  ctx.log = tapeline::log::get("xapi-sim");
  auto ports = start_listeners(ctx, lopt);
  if (!ports.ok()) {
    std::fprintf(stderr, "xapi-sim serve: %s\n",
                 ports.error().message().c_str());
    return 1;
  }
  ctx.log->info("serving {} (https port {}, pool member port {}, unix {})",
                f.at("state"), ports->https, ports->slave,
                lopt.unix_path.empty() ? "-" : lopt.unix_path);
  if (f.count("ready-file")) {
    std::ofstream ready(f.at("ready-file"));
    ready << ports->https << "\n";
    if (!lopt.slave_https.empty()) ready << ports->slave << "\n";
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  ctx.log->info("signal {}: saving state and exiting", sig);
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  auto s = ctx.st->save();
  if (!s.ok()) ctx.log->error("{}", s.message());
  std::fflush(nullptr);
  _exit(0);  // connection threads are detached; do not unwind under them
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("a command is required");
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "ctl") return run_ctl(args);
  std::map<std::string, std::string> flags;
  std::string err;
  if (!parse_flags(args, &flags, &err)) return usage_error(err);
  if (cmd == "init") return run_init(flags);
  if (cmd == "serve") return run_serve(flags);
  return usage_error("unknown command '" + cmd + "'");
}
