// Logging: spdlog, to stderr and/or syslog (journald picks syslog up).
//
// Each component logs through its own named logger ("drive.lto5",
// "coordinator.catalog"); all loggers share the sinks set up by setup().
// Call setup() once, early in main(), before other threads log: it swaps the
// sinks of loggers that already exist. After that, get() and logging are
// thread-safe.
//
// Never log a secret. Pass passwords, passphrases and keys through
// redact(), and URLs that may hold credentials through redact_url().
#pragma once

#include <spdlog/spdlog.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::log {

struct options {
  spdlog::level::level_enum level = spdlog::level::info;
  bool console = true;             // stderr, with time, level and logger name
  bool syslog = false;             // syslog(3), facility LOG_DAEMON
  std::string ident = "tapeline";  // the syslog program name
  // More sinks, e.g. a file or ostream sink in tests.
  std::vector<spdlog::sink_ptr> extra_sinks;
};

// "trace", "debug", "info", "warn" (or "warning"), "error", "critical",
// "off". The error lists them.
result<spdlog::level::level_enum> parse_level(std::string_view name);

// Installs the sinks and level for every logger, existing and future, and
// makes get("tapeline") the default logger.
void setup(const options& opts);

// The logger of `component`, created on first use with the shared sinks.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// "<redacted>" for a non-empty secret, "<empty>" for an empty one: shows
// whether a secret is set without showing it.
std::string redact(std::string_view secret);

// `url` without the password of its user info:
// "https://root:pw@host/x" -> "https://root:<redacted>@host/x".
std::string redact_url(std::string_view url);

}  // namespace tapeline::log
