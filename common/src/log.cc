#include "tapeline/common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>
#include <mutex>

namespace tapeline::log {
namespace {

constexpr char console_pattern[] = "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v";
// Syslog adds time and host; journald keeps the priority.
constexpr char syslog_pattern[] = "[%n] %v";

struct registry {
  std::mutex mtx;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
};

registry& state() {
  static registry r;
  return r;
}

std::vector<spdlog::sink_ptr> default_sinks() {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern(console_pattern);
  return {console};
}

}  // namespace

result<spdlog::level::level_enum> parse_level(std::string_view name) {
  using spdlog::level::level_enum;
  static constexpr struct {
    const char* name;
    level_enum level;
  } levels[] = {
      {"trace", level_enum::trace},       {"debug", level_enum::debug},
      {"info", level_enum::info},         {"warn", level_enum::warn},
      {"warning", level_enum::warn},      {"error", level_enum::err},
      {"critical", level_enum::critical}, {"off", level_enum::off}};
  for (auto& l : levels)
    if (name == l.name) return l.level;
  return make_error(code::invalid_argument,
                    "expected one of trace, debug, info, warn, error, "
                    "critical, off, got \"" +
                        std::string(name) + "\"");
}

void setup(const options& opts) {
  std::vector<spdlog::sink_ptr> sinks;
  if (opts.console) sinks = default_sinks();
  if (opts.syslog) {
    auto sys = std::make_shared<spdlog::sinks::syslog_sink_mt>(
        opts.ident, LOG_PID, LOG_DAEMON, /*enable_formatting=*/true);
    sys->set_pattern(syslog_pattern);
    sinks.push_back(sys);
  }
  sinks.insert(sinks.end(), opts.extra_sinks.begin(), opts.extra_sinks.end());
  auto& st = state();
  {
    std::lock_guard<std::mutex> guard(st.mtx);
    st.sinks = sinks;
    st.level = opts.level;
  }
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> l) {
    l->sinks() = sinks;
    l->set_level(opts.level);
  });
  spdlog::set_default_logger(get("tapeline"));
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  auto& st = state();
  std::lock_guard<std::mutex> guard(st.mtx);
  if (auto l = spdlog::get(component)) return l;
  if (st.sinks.empty()) st.sinks = default_sinks();
  auto l = std::make_shared<spdlog::logger>(component, st.sinks.begin(),
                                            st.sinks.end());
  l->set_level(st.level);
  l->flush_on(spdlog::level::warn);
  spdlog::register_logger(l);
  return l;
}

std::string redact(std::string_view secret) {
  return secret.empty() ? "<empty>" : "<redacted>";
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto end = url.find_first_of("/?#", start);
  auto authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                      : end - start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  auto colon = authority.find(':');
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "<redacted>" +
         std::string(url.substr(start + at));
}

}  // namespace tapeline::log
