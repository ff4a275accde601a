#include "tapeline/coordinator/config.h"

#include <fnmatch.h>

#include "tapeline/common/config.h"
#include "tapeline/common/log.h"

namespace tapeline::coordinator {
namespace {

status read_main(config::table& root, coordinator_config* c) {
  std::optional<config::table> t;
  TL_RETURN_IF_ERROR(root.optional_table("coordinator", &t));
  if (!t) return {};
  t->declare({"name", "log_level", "syslog", "listen", "port"});
  TL_RETURN_IF_ERROR(t->check_unknown_keys());
  TL_RETURN_IF_ERROR(t->optional_string("name", &c->name));
  std::string level = "info";
  TL_RETURN_IF_ERROR(t->optional_one_of(
      "log_level", &level, {"trace", "debug", "info", "warn", "error"}));
  c->log_level = *log::parse_level(level);
  TL_RETURN_IF_ERROR(t->optional_bool("syslog", &c->syslog));
  TL_RETURN_IF_ERROR(t->optional_string("listen", &c->listen));
  int64_t port = c->port;
  TL_RETURN_IF_ERROR(t->optional_integer("port", &port, 0, 65535));
  c->port = static_cast<uint16_t>(port);
  return {};
}

status read_pools(config::table& root, coordinator_config* c) {
  std::vector<config::table> pools;
  TL_RETURN_IF_ERROR(root.table_array("pool", &pools));
  for (auto& t : pools) {
    t.declare({"name", "media_type", "rotation", "max_tapes_per_drive",
               "offsite", "recall_days"});
    TL_RETURN_IF_ERROR(t.check_unknown_keys());
    planner::media_pool p;
    TL_RETURN_IF_ERROR(t.required_string("name", &p.name));
    TL_RETURN_IF_ERROR(t.required_string("media_type", &p.media_type));
    std::string rot = "one_tape_per_night";
    TL_RETURN_IF_ERROR(t.optional_one_of(
        "rotation", &rot, {"one_tape_per_night", "append_until_full"}));
    p.mode = rot == "append_until_full" ? planner::rotation::append_until_full
                                        : planner::rotation::one_tape_per_night;
    int64_t n = p.max_tapes_per_drive;
    TL_RETURN_IF_ERROR(t.optional_integer("max_tapes_per_drive", &n, 1, 100));
    p.max_tapes_per_drive = static_cast<int>(n);
    TL_RETURN_IF_ERROR(t.optional_bool("offsite", &p.offsite));
    n = p.recall_days;
    TL_RETURN_IF_ERROR(t.optional_integer("recall_days", &n, 0, 365));
    p.recall_days = static_cast<int>(n);
    for (auto& q : c->pools)
      if (q.name == p.name) return t.error("name", "pool defined twice");
    c->pools.push_back(p);
  }
  return {};
}

status read_drives(config::table& root, coordinator_config* c) {
  std::vector<config::table> drives;
  TL_RETURN_IF_ERROR(root.table_array("drive", &drives));
  for (auto& t : drives) {
    t.declare({"name", "pool", "rate"});
    TL_RETURN_IF_ERROR(t.check_unknown_keys());
    drive_config d;
    TL_RETURN_IF_ERROR(t.required_string("name", &d.name));
    TL_RETURN_IF_ERROR(t.optional_string("pool", &d.pool));
    uint64_t rate = 0;
    TL_RETURN_IF_ERROR(t.optional_size("rate", &rate));
    d.rate = static_cast<double>(rate);
    if (!d.pool.empty()) {
      bool known = false;
      for (auto& p : c->pools) known |= p.name == d.pool;
      if (!known)
        return t.error("pool", "no [[pool]] named '" + d.pool + "'");
    }
    c->drives.push_back(d);
  }
  return {};
}

status read_policies(config::table& root, coordinator_config* c) {
  std::vector<config::table> pols;
  TL_RETURN_IF_ERROR(root.table_array("policy", &pols));
  for (auto& t : pols) {
    t.declare({"name", "kind", "full_weekday", "max_chain_length",
               "host_snapshot_days", "keep_daily", "keep_weekly",
               "keep_monthly", "min_daily_keep", "pool", "overflow_pools",
               "vms", "format"});
    TL_RETURN_IF_ERROR(t.check_unknown_keys());
    policy_config p;
    auto& pl = p.plan;
    TL_RETURN_IF_ERROR(t.required_string("name", &pl.name));
    std::string kind = "daily_full";
    TL_RETURN_IF_ERROR(
        t.optional_one_of("kind", &kind, {"daily_full", "weekly_full"}));
    pl.kind = kind == "weekly_full" ? planner::schedule::weekly_full
                                    : planner::schedule::daily_full;
    auto int_key = [&](const char* key, int* out, int lo, int hi) -> status {
      int64_t v = *out;
      TL_RETURN_IF_ERROR(t.optional_integer(key, &v, lo, hi));
      *out = static_cast<int>(v);
      return {};
    };
    TL_RETURN_IF_ERROR(int_key("full_weekday", &pl.full_weekday, 0, 6));
    TL_RETURN_IF_ERROR(int_key("max_chain_length", &pl.max_chain_length, 0, 365));
    TL_RETURN_IF_ERROR(
        int_key("host_snapshot_days", &pl.host_snapshot_days, 0, 3650));
    TL_RETURN_IF_ERROR(int_key("keep_daily", &pl.keep.daily, 1, 3650));
    TL_RETURN_IF_ERROR(int_key("keep_weekly", &pl.keep.weekly, 0, 520));
    TL_RETURN_IF_ERROR(int_key("keep_monthly", &pl.keep.monthly, 0, 1200));
    pl.min_daily_keep = std::min(pl.min_daily_keep, pl.keep.daily);
    TL_RETURN_IF_ERROR(int_key("min_daily_keep", &pl.min_daily_keep, 1, 3650));
    if (pl.min_daily_keep > pl.keep.daily)
      return t.error("min_daily_keep", "must not exceed keep_daily");
    TL_RETURN_IF_ERROR(t.required_string("pool", &pl.pool));
    TL_RETURN_IF_ERROR(t.optional_string_array("overflow_pools", &pl.overflow_pools));
    for (const auto& name : [&] {
           auto v = pl.overflow_pools;
           v.push_back(pl.pool);
           return v;
         }()) {
      bool known = false;
      for (auto& q : c->pools) known |= q.name == name;
      if (!known)
        return t.error("pool", "no [[pool]] named '" + name +
                                   "'; define it with [[pool]] name = \"" +
                                   name + "\"");
    }
    TL_RETURN_IF_ERROR(t.optional_string_array("vms", &p.vms));
    if (p.vms.empty()) p.vms.push_back("*");
    TL_RETURN_IF_ERROR(t.optional_one_of("format", &p.format, {"vhd", "raw"}));
    for (auto& q : c->policies)
      if (q.plan.name == pl.name) return t.error("name", "policy defined twice");
    c->policies.push_back(p);
  }
  return {};
}

}  // namespace

result<coordinator_config> load_config(const std::string& path) {
  auto root = config::load_file(path);
  if (!root) return root.error();
  coordinator_config c;
  c.file = path;
  root->declare({"coordinator", "catalog", "site", "tls", "auth", "dispatch",
                 "pool", "drive", "policy", "schedule", "notify"});
  TL_RETURN_IF_ERROR(root->check_unknown_keys());
  TL_RETURN_IF_ERROR(read_main(*root, &c));
  {
    config::table t;
    TL_RETURN_IF_ERROR(root->required_table("catalog", &t));
    t.declare({"path"});
    TL_RETURN_IF_ERROR(t.check_unknown_keys());
    TL_RETURN_IF_ERROR(t.required_path("path", &c.catalog_path));
  }
  {
    std::optional<config::table> t;
    TL_RETURN_IF_ERROR(root->optional_table("site", &t));
    if (t) {
      t->declare({"name", "time_zone"});
      TL_RETURN_IF_ERROR(t->check_unknown_keys());
      TL_RETURN_IF_ERROR(t->optional_string("name", &c.site_name));
      TL_RETURN_IF_ERROR(t->optional_string("time_zone", &c.time_zone));
    }
  }
  auto tls = load_tls_section(*root);
  if (!tls) return tls.error();
  c.tls = *tls;
  {
    std::optional<config::table> t;
    TL_RETURN_IF_ERROR(root->optional_table("auth", &t));
    if (t) {
      t->declare({"crl"});
      TL_RETURN_IF_ERROR(t->check_unknown_keys());
      TL_RETURN_IF_ERROR(t->optional_path("crl", &c.crl));
    }
  }
  {
    std::optional<config::table> t;
    TL_RETURN_IF_ERROR(root->optional_table("dispatch", &t));
    if (t) {
      t->declare({"retries", "backoff", "order_timeout"});
      TL_RETURN_IF_ERROR(t->check_unknown_keys());
      int64_t r = c.retries;
      TL_RETURN_IF_ERROR(t->optional_integer("retries", &r, 0, 100));
      c.retries = static_cast<int>(r);
      TL_RETURN_IF_ERROR(t->optional_duration("backoff", &c.backoff));
      TL_RETURN_IF_ERROR(t->optional_duration("order_timeout", &c.order_timeout));
    }
  }
  TL_RETURN_IF_ERROR(read_pools(*root, &c));
  TL_RETURN_IF_ERROR(read_drives(*root, &c));
  TL_RETURN_IF_ERROR(read_policies(*root, &c));
  std::vector<std::string> names;
  for (const auto& p : c.policies) names.push_back(p.plan.name);
  scheduler::schedule_load_options so;
  so.known_policies = names;
  auto sched = scheduler::load_schedules(*root, so);
  if (!sched) return sched.error();
  c.schedules = std::move(*sched);
  if (root->has("notify")) {
    auto n = notifier::load_notify_config(*root);
    if (!n) return n.error();
    c.notify = std::move(*n);
  }
  TL_RETURN_IF_ERROR(root->check_all_unknown_keys());
  return c;
}

const policy_config* policy_for(const coordinator_config& c,
                                const std::string& vm_name,
                                const std::string& vm_uuid) {
  for (const auto& p : c.policies)
    for (const auto& pat : p.vms)
      if (glob_match(pat, vm_name) || pat == vm_uuid) return &p;
  return nullptr;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

double nominal_rate(const std::string& media_type) {
  static const std::pair<const char*, double> rates[] = {
      {"LTO-3", 80e6},  {"LTO-4", 120e6}, {"LTO-5", 140e6}, {"LTO-6", 160e6},
      {"LTO-7", 300e6}, {"LTO-8", 360e6}, {"LTO-9", 400e6}};
  for (auto& [m, r] : rates)
    if (media_type == m) return r;
  return 0;
}

}  // namespace tapeline::coordinator
