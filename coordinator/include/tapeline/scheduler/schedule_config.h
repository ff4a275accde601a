// The [[schedule]] entries of the coordinator's configuration
// (docs/scheduler.md, "Configuration"):
//
//   [site]
//   time_zone = "Europe/London"      # default for every schedule
//
//   [[schedule]]
//   name = "nightly"                 # required, unique: [A-Za-z0-9._-]
//   cron = "30 22 * * *"             # required (cron.h)
//   time_zone = "Europe/London"      # default: [site] time_zone, else system
//   policy = "vdi-daily"             # required
//   vms = ["web-*", "db01"]          # required: names or globs (or one
//                                    # string of them separated by commas)
//   enabled = true                   # default true
//   catch_up_within = "12h"          # default 12h; "0s": never catch up
//
// Everything is validated at load; every error names the file, line and key
// and says what to write instead. Unknown keys in [[schedule]] are refused.
// Of [site], only time_zone is read (and declared); the rest of [site]
// belongs to the coordinator's loader.
//
// Values; not thread-safe to mutate concurrently.
#pragma once

#include <string>
#include <vector>

#include "tapeline/common/config.h"
#include "tapeline/scheduler/cron.h"
#include "tapeline/scheduler/due.h"
#include "tapeline/scheduler/zone.h"

namespace tapeline::scheduler {

struct schedule_entry {
  std::string name;
  cron_expr cron;
  zone time_zone;
  std::string policy;
  std::vector<std::string> vms;  // names or fnmatch(3) globs
  bool enabled = true;
  due_options options;
  config::location where;  // the [[schedule]] table
};

struct schedule_load_options {
  // When not empty, a schedule's policy must be one of these.
  std::vector<std::string> known_policies;
};

// Reads [site] time_zone and every [[schedule]] of `root`.
result<std::vector<schedule_entry>> load_schedules(
    config::table& root, const schedule_load_options& options = {});

// Whether `vm` is named by one of the entry's names or globs.
bool selects_vm(const schedule_entry& e, const std::string& vm);

}  // namespace tapeline::scheduler
