#include "tapeline/tape_agent/agent_config.h"

#include <map>
#include <regex>

#include "tapeline/common/log.h"

namespace tapeline::tape_agent {
namespace {

constexpr uint64_t min_buffer = 16 * mib;

// extract_binary: a path (relative to the file), or "" for none.
status optional_tools_path(config::table& t, std::optional<std::string>* out) {
  if (!t.has("extract_binary")) return {};
  std::string p;
  TL_RETURN_IF_ERROR(t.optional_string("extract_binary", &p));
  if (!p.empty()) TL_RETURN_IF_ERROR(t.optional_path("extract_binary", &p));
  *out = p;
  return {};
}

status parse_agent(config::table& root, agent_config* cfg) {
  std::optional<config::table> agent;
  TL_RETURN_IF_ERROR(root.optional_table("agent", &agent));
  if (!agent) return {};
  auto& t = *agent;
  t.declare({"listen", "port", "log_level", "syslog", "extract_binary"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  TL_RETURN_IF_ERROR(t.optional_string("listen", &cfg->listen));
  if (cfg->listen.empty() ||
      cfg->listen.find_first_of(" \t/") != std::string::npos)
    return t.error("listen", "expected an IP address or host name, got \"" +
                                 cfg->listen + "\"");
  int64_t port = cfg->port;
  TL_RETURN_IF_ERROR(t.optional_integer("port", &port, 0, 65535));
  cfg->port = static_cast<uint16_t>(port);
  std::string level = "info";
  TL_RETURN_IF_ERROR(t.optional_one_of(
      "log_level", &level,
      {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cfg->log_level = *log::parse_level(level);
  TL_RETURN_IF_ERROR(optional_tools_path(t, &cfg->extract_binary));
  return t.optional_bool("syslog", &cfg->syslog);
}

// [coordinator] address (HOST:PORT), advertise (HOST:PORT for hv agents;
// default: listen and the published port).
status parse_coordinator(config::table& root, agent_config* cfg) {
  std::optional<config::table> c;
  TL_RETURN_IF_ERROR(root.optional_table("coordinator", &c));
  if (!c) return {};
  c->declare({"address", "advertise"});
  TL_RETURN_IF_ERROR(c->check_unknown_keys());
  TL_RETURN_IF_ERROR(c->required_string("address", &cfg->coordinator));
  TL_RETURN_IF_ERROR(c->optional_string("advertise", &cfg->advertise));
  for (auto* key : {"address", "advertise"}) {
    const std::string& v =
        std::string(key) == "address" ? cfg->coordinator : cfg->advertise;
    auto colon = v.rfind(':');
    if (!v.empty() &&
        (colon == std::string::npos || colon == 0 || colon + 1 == v.size()))
      return c->error(key, "expected HOST:PORT, got \"" + v + "\"");
  }
  return {};
}

status parse_tls(config::table& root, agent_config* cfg) {
  auto tls = load_tls_section(root);
  if (!tls) return tls.error();
  cfg->tls = std::move(*tls);
  return {};
}

// Keys that only one backend takes.
status refuse_foreign_keys(config::table& t, const std::string& backend) {
  static constexpr struct {
    const char* key;
    const char* owner;
  } owned[] = {{"device", "st"},
               {"slot_dir", "virtual"},
               {"library_dir", "virtual"},
               {"speed_model", "virtual"},
               {"autoload", "virtual"}};
  for (auto& o : owned)
    if (backend != o.owner && t.has(o.key))
      return t.error(o.key, std::string("applies only to backend \"") +
                                o.owner + "\"; remove it");
  return {};
}

// Drive and pool names: they appear in messages, labels and commands.
status check_name(config::table& t, const char* key, const std::string& v) {
  static const std::regex name_re("[A-Za-z0-9_.-]+");
  if (std::regex_match(v, name_re)) return {};
  return t.error(key,
                 "expected a name of letters, digits, '_', '.' and '-', "
                 "got \"" +
                     v + "\"");
}

status parse_drive(config::table& t, drive_config* d) {
  t.declare({"name", "backend", "device", "slot_dir", "library_dir",
             "media_type", "pool", "record_size", "buffer", "speed_model",
             "autoload", "extract_binary"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  d->where = t.where();
  TL_RETURN_IF_ERROR(t.required_string("name", &d->name));
  TL_RETURN_IF_ERROR(check_name(t, "name", d->name));
  TL_RETURN_IF_ERROR(
      t.optional_one_of("backend", &d->backend, {"st", "virtual"}));
  if (d->backend.empty())
    return t.error("backend", "missing; expected \"st\" or \"virtual\"");
  TL_RETURN_IF_ERROR(refuse_foreign_keys(t, d->backend));
  if (d->backend == "st") {
    TL_RETURN_IF_ERROR(t.required_string("device", &d->device));
    static const std::regex rewinding("/dev/st([0-9]+)[lma]?");
    std::smatch m;
    if (std::regex_match(d->device, m, rewinding))
      return t.error("device", "\"" + d->device +
                                   "\" rewinds on every close; use the "
                                   "non-rewinding /dev/nst" +
                                   m[1].str());
  } else {
    TL_RETURN_IF_ERROR(t.required_path("slot_dir", &d->slot_dir));
    TL_RETURN_IF_ERROR(t.required_path("library_dir", &d->library_dir));
    TL_RETURN_IF_ERROR(t.optional_bool("speed_model", &d->speed_model));
    TL_RETURN_IF_ERROR(t.optional_bool("autoload", &d->autoload));
  }
  if (!t.has("media_type"))
    return t.error("media_type",
                   "missing; expected one of \"LTO-1\" ... "
                   "\"LTO-9\"");
  TL_RETURN_IF_ERROR(
      t.optional_one_of("media_type", &d->media_type,
                        {"LTO-1", "LTO-2", "LTO-3", "LTO-4", "LTO-5", "LTO-6",
                         "LTO-7", "LTO-8", "LTO-9"}));
  TL_RETURN_IF_ERROR(optional_tools_path(t, &d->extract_binary));
  TL_RETURN_IF_ERROR(t.optional_string("pool", &d->pool));
  TL_RETURN_IF_ERROR(check_name(t, "pool", d->pool));
  TL_RETURN_IF_ERROR(t.optional_size_one_of("record_size", &d->record_size,
                                            {64 * kib, 256 * kib, mib}));
  return t.optional_size("buffer", &d->buffer, min_buffer);
}

// Names, devices and slots must be unique across drives.
status check_unique(std::vector<config::table>& tables,
                    const std::vector<drive_config>& drives) {
  std::map<std::string, size_t> names, devices, slots;
  auto clash = [&](std::map<std::string, size_t>& seen, const std::string& v,
                   size_t i, const char* key, const char* what) -> status {
    if (v.empty()) return {};
    auto [it, fresh] = seen.emplace(v, i);
    if (fresh) return {};
    return tables[i].error(
        key, std::string("duplicate ") + what + " \"" + v +
                 "\", already used by drive '" + drives[it->second].name +
                 "' at line " +
                 std::to_string(tables[it->second].where(key).line));
  };
  for (size_t i = 0; i < drives.size(); ++i) {
    TL_RETURN_IF_ERROR(clash(names, drives[i].name, i, "name", "drive name"));
    TL_RETURN_IF_ERROR(clash(devices, drives[i].device, i, "device", "device"));
    TL_RETURN_IF_ERROR(
        clash(slots, drives[i].slot_dir, i, "slot_dir", "slot directory"));
  }
  return {};
}

result<agent_config> read(config::table& root) {
  agent_config cfg;
  cfg.file = root.file();
  root.declare({"agent", "tls", "drive", "coordinator"});
  TL_RETURN_IF_ERROR(root.check_unknown_keys());
  TL_RETURN_IF_ERROR(parse_agent(root, &cfg));
  TL_RETURN_IF_ERROR(parse_tls(root, &cfg));
  TL_RETURN_IF_ERROR(parse_coordinator(root, &cfg));
  std::vector<config::table> tables;
  TL_RETURN_IF_ERROR(root.table_array("drive", &tables));
  if (tables.empty())
    return make_error(code::invalid_argument,
                      root.file() +
                          ": no [[drive]] table; a tape agent "
                          "needs at least one drive");
  for (auto& t : tables) {
    drive_config d;
    TL_RETURN_IF_ERROR(parse_drive(t, &d));
    cfg.drives.push_back(std::move(d));
  }
  TL_RETURN_IF_ERROR(check_unique(tables, cfg.drives));
  TL_RETURN_IF_ERROR(root.check_all_unknown_keys());
  return cfg;
}

}  // namespace

std::string extract_binary_for(const agent_config& cfg, const drive_config& d,
                               const std::string& default_path) {
  if (d.extract_binary) return *d.extract_binary;
  if (cfg.extract_binary) return *cfg.extract_binary;
  return default_path;
}

result<agent_config> load_agent_config(const std::string& path) {
  auto root = config::load_file(path);
  if (!root) return root.error();
  return read(*root);
}

result<agent_config> parse_agent_config(std::string_view text,
                                        const std::string& file) {
  auto root = config::parse(text, file);
  if (!root) return root.error();
  return read(*root);
}

}  // namespace tapeline::tape_agent
