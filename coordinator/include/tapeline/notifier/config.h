// The [notify] table of the coordinator's configuration
// (docs/notifications.md "Configuration"):
//
//   [notify]
//   channels = ["log", "watch", "email", "webhook"]
//   [notify.email]
//   url = "smtp://mail.example.org:587"     # or smtps://
//   from = "tapeline@example.org"
//   to = ["backup-ops@example.org"]
//   credentials = "/etc/tapeline/smtp.toml" # optional; mode 0600
//   starttls = "try"                        # "try" | "require" | "never"
//   cafile = "/etc/tapeline/smtp-ca.pem"    # optional
//   timeout = "30s"
//   retries = 5                             # after the first attempt
//   backoff = "1m"                          # doubles each retry
//   max_backoff = "6h"
//   events = ["tape_ejected", "nightly_report"]  # optional; default all
//   [notify.webhook]
//   url = "https://hooks.example.org/tapeline"
//   bearer_token_file = "/etc/tapeline/webhook.token"  # optional; 0600
//   timeout = "10s", retries, backoff, max_backoff, events as above
//
// Unknown keys are refused with FILE:LINE. Secret files must be regular,
// owned by this user and closed to group and others. Pure apart from
// reading those files; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tapeline/common/config.h"
#include "tapeline/common/status.h"

namespace tapeline::notifier {

struct retry_policy {
  uint32_t attempts = 6;  // the first try plus `retries`
  std::chrono::milliseconds backoff{std::chrono::minutes(1)};
  std::chrono::milliseconds max_backoff{std::chrono::hours(6)};
};

struct email_config {
  std::string url;  // smtp://host[:port] or smtps://host[:port]
  std::string from;
  std::vector<std::string> to;
  std::string username;  // from the credentials file; empty: no AUTH
  std::string password;  // secret: never logged
  std::string starttls = "try";
  std::string cafile;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  retry_policy retry;
  std::vector<std::string> events;  // empty: every kind
};

struct webhook_config {
  std::string url;           // http:// or https://
  std::string bearer_token;  // secret: never logged; empty: none
  std::string cafile;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  retry_policy retry;
  std::vector<std::string> events;  // empty: every kind
};

struct notify_config {
  // "log", "watch", "email", "webhook"; email and webhook need their table.
  std::vector<std::string> channels = {"log", "watch"};
  std::optional<email_config> email;
  std::optional<webhook_config> webhook;
};

// Reads `root`'s optional [notify] table (defaults when absent). Declares
// every key it reads; the caller still runs check_all_unknown_keys() on the
// root. Errors are code::invalid_argument with FILE:LINE:COLUMN, or the
// secret file's error (permission_denied with the chmod to run).
result<notify_config> load_notify_config(config::table& root);

// Reads a secret file: refuses it unless it is a regular file owned by this
// user with no access for group or others. `what` names it in messages
// ("SMTP credentials file").
result<std::string> read_secret_file(const std::string& path,
                                     const std::string& what);

}  // namespace tapeline::notifier
