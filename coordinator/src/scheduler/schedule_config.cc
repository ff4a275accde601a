// Loading [[schedule]] entries (schedule_config.h).
#include "tapeline/scheduler/schedule_config.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace tapeline::scheduler {
namespace {

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
  });
}

std::string trim(std::string s) {
  auto blank = [](char c) { return std::isspace((unsigned char)c); };
  while (!s.empty() && blank(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && blank(s[i])) ++i;
  return s.substr(i);
}

// vms: an array of strings, or one string of names separated by commas.
status read_vms(config::table& t, std::vector<std::string>* out) {
  const char* hint =
      "; list VM names or globs: vms = [\"web-*\", \"db01\"], or "
      "vms = \"*\" for every VM";
  if (!t.has("vms")) return t.error("vms", std::string("missing") + hint);
  std::vector<std::string> items;
  std::string text;
  if (auto st = t.optional_string_array("vms", &items); !st.ok()) {
    if (!t.optional_string("vms", &text).ok())
      return status(st.error_code(), st.message() + hint);
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size() && text[i] != ',') continue;
      items.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (items.empty()) return t.error("vms", std::string("is empty") + hint);
  for (auto& item : items) {
    item = trim(item);
    if (item.empty())
      return t.error("vms", std::string("has an empty name") + hint);
    out->push_back(item);
  }
  return {};
}

status read_entry(config::table& t, const result<zone>& default_zone,
                  const schedule_load_options& options, schedule_entry* e) {
  t.declare({"name", "cron", "time_zone", "policy", "vms", "enabled",
             "catch_up_within"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  e->where = t.where();
  TL_RETURN_IF_ERROR(t.required_string("name", &e->name));
  if (!valid_name(e->name))
    return t.error("name", "\"" + e->name +
                               "\" is not a valid schedule name; use "
                               "letters, digits, '.', '_' and '-'");
  std::string cron_text;
  TL_RETURN_IF_ERROR(t.required_string("cron", &cron_text));
  auto cron = cron_expr::parse(cron_text);
  if (!cron) return t.error("cron", cron.error().message());
  e->cron = *cron;
  if (!t.has("time_zone")) {
    if (!default_zone)
      return t.error("time_zone",
                     "missing, and " + default_zone.error().message());
    e->time_zone = *default_zone;
  } else {
    std::string name;
    TL_RETURN_IF_ERROR(t.required_string("time_zone", &name));
    auto z = zone::locate(name);
    if (!z) return t.error("time_zone", z.error().message());
    e->time_zone = *z;
  }
  TL_RETURN_IF_ERROR(t.required_string("policy", &e->policy));
  const auto& known = options.known_policies;
  if (!known.empty() &&
      std::find(known.begin(), known.end(), e->policy) == known.end()) {
    std::string list;
    for (const auto& p : known) list += (list.empty() ? "" : ", ") + p;
    return t.error("policy", "no policy named \"" + e->policy +
                                 "\"; the configured policies are " + list);
  }
  TL_RETURN_IF_ERROR(read_vms(t, &e->vms));
  TL_RETURN_IF_ERROR(t.optional_bool("enabled", &e->enabled));
  std::chrono::milliseconds within = e->options.catch_up_within;
  TL_RETURN_IF_ERROR(t.optional_duration("catch_up_within", &within));
  e->options.catch_up_within =
      std::chrono::duration_cast<std::chrono::seconds>(within);
  return {};
}

result<zone> site_zone(config::table& root) {
  std::optional<config::table> site;
  TL_RETURN_IF_ERROR(root.optional_table("site", &site));
  if (!site || !site->has("time_zone")) return zone::system();
  std::string name;
  TL_RETURN_IF_ERROR(site->required_string("time_zone", &name));
  auto z = zone::locate(name);
  if (!z) return site->error("time_zone", z.error().message());
  return z;
}

}  // namespace

result<std::vector<schedule_entry>> load_schedules(
    config::table& root, const schedule_load_options& options) {
  std::vector<config::table> tables;
  TL_RETURN_IF_ERROR(root.table_array("schedule", &tables));
  std::vector<schedule_entry> out;
  if (tables.empty()) return out;
  auto default_zone = site_zone(root);
  if (!default_zone && default_zone.error().error_code() != code::not_found)
    return default_zone.error();
  for (auto& t : tables) {
    schedule_entry e;
    TL_RETURN_IF_ERROR(read_entry(t, default_zone, options, &e));
    for (const auto& other : out)
      if (other.name == e.name)
        return t.error("name", "schedule \"" + e.name +
                                   "\" is defined twice (first at " +
                                   other.where.to_string() +
                                   "); give each schedule its own name");
    out.push_back(std::move(e));
  }
  return out;
}

bool selects_vm(const schedule_entry& e, const std::string& vm) {
  return std::any_of(e.vms.begin(), e.vms.end(), [&](const std::string& g) {
    return fnmatch(g.c_str(), vm.c_str(), 0) == 0;
  });
}

}  // namespace tapeline::scheduler
