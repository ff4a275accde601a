// tapeline-coordinator's configuration file (docs/configuration.md,
// "Coordinator"). TOML; every error names the file, line and key.
//
//   [coordinator] name, log_level, syslog, listen, port
//   [catalog]     path
//   [site]        name, time_zone
//   [tls]         certificate, key, cafile, passphrase  (role coordinator)
//   [auth]        crl                  (optional PEM CRL of the site CA)
//   [dispatch]    retries, backoff, order_timeout
//   [[pool]]      name, media_type, rotation, max_tapes_per_drive, offsite,
//                 recall_days
//   [[drive]]     name, pool, rate     (drives of the tape agents)
//   [[policy]]    name, kind, full_weekday, max_chain_length,
//                 host_snapshot_days, keep_daily, keep_weekly, keep_monthly,
//                 min_daily_keep, pool, overflow_pools, vms, format
//   [[schedule]]  see docs/scheduler.md
//   [notify]      see docs/notifications.md
//
// A plain value; load_config() is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"
#include "tapeline/notifier/config.h"
#include "tapeline/planner/model.h"
#include "tapeline/scheduler/schedule_config.h"

namespace tapeline::coordinator {

struct policy_config {
  planner::policy plan;             // what the planner needs
  std::vector<std::string> vms;     // names, uuids or globs ("web*")
  std::string format = "vhd";       // fulls: "vhd" or "raw"
};

struct drive_config {
  std::string name;
  std::string pool;
  double rate = 0;  // bytes per second; 0: from the media type
};

struct coordinator_config {
  std::string file;
  std::string name = "coordinator";
  spdlog::level::level_enum log_level = spdlog::level::info;
  bool syslog = false;
  std::string listen = "127.0.0.1";
  uint16_t port = 4700;  // 0: any free port (tests)
  std::string catalog_path;
  std::string site_name;
  std::string time_zone;  // IANA; empty: the system's
  tls_options tls;
  std::string crl;
  int retries = 3;
  std::chrono::milliseconds backoff{60000};
  std::chrono::milliseconds order_timeout{30000};
  std::vector<planner::media_pool> pools;
  std::vector<drive_config> drives;
  std::vector<policy_config> policies;
  std::vector<scheduler::schedule_entry> schedules;
  notifier::notify_config notify;
};

result<coordinator_config> load_config(const std::string& path);

// The policy that covers a VM (first match in file order), or nullptr.
const policy_config* policy_for(const coordinator_config& c,
                                const std::string& vm_name,
                                const std::string& vm_uuid);

// fnmatch-style glob: * and ?.
bool glob_match(const std::string& pattern, const std::string& text);

// Nominal native rate of an LTO generation ("LTO-5": 140 MB/s), 0 unknown.
double nominal_rate(const std::string& media_type);

}  // namespace tapeline::coordinator
