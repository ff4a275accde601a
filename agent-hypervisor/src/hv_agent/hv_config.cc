#include "tapeline/hv_agent/hv_config.h"

#include <unistd.h>

#include <regex>

#include "tapeline/common/config.h"
#include "tapeline/common/log.h"

namespace tapeline::hv_agent {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
    return "localhost";
  return buf;
}

status parse_agent(config::table& root, hv_config* cfg) {
  std::optional<config::table> agent;
  TL_RETURN_IF_ERROR(root.optional_table("agent", &agent));
  if (!agent) return {};
  auto& t = *agent;
  t.declare({"name", "log_level", "syslog", "state_dir"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  TL_RETURN_IF_ERROR(t.optional_string("name", &cfg->name));
  static const std::regex name_re("[A-Za-z0-9_.-]+");
  if (!std::regex_match(cfg->name, name_re))
    return t.error("name",
                   "expected letters, digits, '_', '.' and '-', got \"" +
                       cfg->name + "\"");
  std::string level = "info";
  TL_RETURN_IF_ERROR(t.optional_one_of(
      "log_level", &level,
      {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  cfg->log_level = *log::parse_level(level);
  TL_RETURN_IF_ERROR(t.optional_path("state_dir", &cfg->state_dir));
  return t.optional_bool("syslog", &cfg->syslog);
}

status parse_xapi(config::table& root, hv_config* cfg) {
  config::table t;
  TL_RETURN_IF_ERROR(root.required_table("xapi", &t));
  t.declare({"url", "credentials", "cafile", "verify_tls"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  TL_RETURN_IF_ERROR(t.optional_string("url", &cfg->xapi_url));
  const auto& u = cfg->xapi_url;
  bool is_unix = u.rfind("unix://", 0) == 0 && u.size() > 7 && u[7] == '/';
  bool is_https = u.rfind("https://", 0) == 0 && u.size() > 8;
  if (u.rfind("http://", 0) == 0)
    return t.error("url",
                   "plain http would send the XAPI password in the clear; "
                   "use https://" +
                       u.substr(7) + " or unix:///var/lib/xcp/xapi");
  if (!is_unix && !is_https)
    return t.error("url",
                   "expected \"unix:///var/lib/xcp/xapi\" (dom0) or "
                   "\"https://HOST[:PORT]\", got \"" +
                       u + "\"");
  TL_RETURN_IF_ERROR(t.required_path("credentials", &cfg->credentials));
  TL_RETURN_IF_ERROR(t.optional_path("cafile", &cfg->xapi_cafile));
  TL_RETURN_IF_ERROR(t.optional_bool("verify_tls", &cfg->verify_tls));
  if (is_unix && (t.has("cafile") || t.has("verify_tls")))
    return t.error(t.has("cafile") ? "cafile" : "verify_tls",
                   "applies only to an https:// url; remove it");
  return {};
}

status parse_coordinator(config::table& root, hv_config* cfg) {
  std::optional<config::table> c;
  TL_RETURN_IF_ERROR(root.optional_table("coordinator", &c));
  if (!c) return {};
  c->declare({"address"});
  TL_RETURN_IF_ERROR(c->check_unknown_keys());
  TL_RETURN_IF_ERROR(c->required_string("address", &cfg->coordinator));
  static const std::regex hp(R"([A-Za-z0-9_.:\[\]-]+:[0-9]{1,5})");
  if (!std::regex_match(cfg->coordinator, hp))
    return c->error("address",
                    "expected HOST:PORT, got \"" + cfg->coordinator + "\"");
  return {};
}

status parse_tls(config::table& root, hv_config* cfg) {
  auto tls = load_tls_section(root);
  if (!tls) return tls.error();
  cfg->tls = std::move(*tls);
  return {};
}

status parse_snapshots(config::table& root, hv_config* cfg) {
  std::optional<config::table> s;
  TL_RETURN_IF_ERROR(root.optional_table("snapshots", &s));
  if (!s) return {};
  s->declare({"retention", "tag"});
  TL_RETURN_IF_ERROR(s->check_unknown_keys());
  TL_RETURN_IF_ERROR(
      s->optional_duration("retention", &cfg->snapshot_retention));
  if (cfg->snapshot_retention.count() < 0)
    return s->error("retention", "must not be negative");
  TL_RETURN_IF_ERROR(s->optional_string("tag", &cfg->snapshot_tag));
  static const std::regex tag_re("[A-Za-z0-9_.-]+");
  if (!std::regex_match(cfg->snapshot_tag, tag_re))
    return s->error("tag",
                    "expected letters, digits, '_', '.' and '-', got \"" +
                        cfg->snapshot_tag + "\"");
  return {};
}

status parse_export(config::table& root, hv_config* cfg) {
  std::optional<config::table> e;
  TL_RETURN_IF_ERROR(root.optional_table("export", &e));
  if (!e) return {};
  e->declare({"format", "chunk", "window", "read_ahead"});
  TL_RETURN_IF_ERROR(e->check_unknown_keys());
  TL_RETURN_IF_ERROR(
      e->optional_one_of("format", &cfg->export_format, {"vhd", "raw"}));
  TL_RETURN_IF_ERROR(
      e->optional_size("chunk", &cfg->chunk_bytes, 64 * kib, 4 * mib));
  TL_RETURN_IF_ERROR(
      e->optional_size("window", &cfg->window_bytes, 4 * mib, 1024 * mib));
  TL_RETURN_IF_ERROR(
      e->optional_size("read_ahead", &cfg->read_ahead, 0, 256 * mib));
  if (cfg->window_bytes < 2 * cfg->chunk_bytes)
    return e->error("window", "must hold at least two chunks (" +
                                  format_bytes(2 * cfg->chunk_bytes) + ")");
  return {};
}

result<hv_config> read(config::table& root) {
  hv_config cfg;
  cfg.file = root.file();
  cfg.name = host_name();
  root.declare({"agent", "xapi", "coordinator", "tls", "snapshots", "export"});
  TL_RETURN_IF_ERROR(root.check_unknown_keys());
  TL_RETURN_IF_ERROR(parse_agent(root, &cfg));
  TL_RETURN_IF_ERROR(parse_xapi(root, &cfg));
  TL_RETURN_IF_ERROR(parse_coordinator(root, &cfg));
  TL_RETURN_IF_ERROR(parse_tls(root, &cfg));
  TL_RETURN_IF_ERROR(parse_snapshots(root, &cfg));
  TL_RETURN_IF_ERROR(parse_export(root, &cfg));
  TL_RETURN_IF_ERROR(root.check_all_unknown_keys());
  return cfg;
}

}  // namespace

result<hv_config> load_hv_config(const std::string& path) {
  auto root = config::load_file(path);
  if (!root) return root.error();
  return read(*root);
}

result<hv_config> parse_hv_config(std::string_view text,
                                  const std::string& file) {
  auto root = config::parse(text, file);
  if (!root) return root.error();
  return read(*root);
}

}  // namespace tapeline::hv_agent
