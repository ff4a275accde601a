// A delivery channel: the log, email (SMTP), a webhook, or the in-process
// watch fan-out. The transports sit behind this interface so tests can swap
// in a failing or recording channel (STYLE.md rule 7).
//
// A channel is owned by the notifier; deliver() is called from the
// notifier's one thread and may block up to the channel's timeout.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/notifier/config.h"

namespace tapeline::notifier {

// A stored notification as a channel delivers it.
struct message {
  int64_t id = 0;          // the catalog's notification id
  int64_t created_at = 0;  // Unix seconds
  std::string kind;
  std::string subject;
  std::string text;
  // The webhook body: the event's JSON plus "id", "created_at" and "time"
  // (ISO 8601 UTC).
  nlohmann::json json;
};

class channel {
 public:
  virtual ~channel() = default;
  virtual std::string name() const = 0;  // "log", "email", ...
  // Whether this channel carries events of `kind` (its `events` filter).
  virtual bool wants(const std::string& kind) const { return true; }
  // Attempts and backoff for failed deliveries.
  virtual retry_policy retry() const { return {}; }
  // One attempt. A non-ok status says what failed, where, and what to do;
  // it never holds a secret.
  virtual status deliver(const message& m) = 0;
};

// Logs through spdlog (logger "coordinator.notify"): job and drive
// failures at warn, the rest at info. Never fails.
std::unique_ptr<channel> make_log_channel();
// SMTP through libcurl: one RFC 5322 message to every recipient.
std::unique_ptr<channel> make_email_channel(const email_config& c);
// JSON POST through libcurl; any 2xx answer is success.
std::unique_ptr<channel> make_webhook_channel(const webhook_config& c);

// The RFC 5322 message the email channel sends (CRLF line ends): Date and
// Message-ID from m.created_at and m.id, From, To, Subject (RFC 2047
// encoded when not ASCII), MIME-Version, Content-Type text/plain utf-8.
std::string format_email(const email_config& c, const message& m);

}  // namespace tapeline::notifier
