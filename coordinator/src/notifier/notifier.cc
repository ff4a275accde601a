// Store, deliver, retry (docs/notifications.md "Delivery" and "Retries").
#include "tapeline/notifier/notifier.h"

#include <algorithm>
#include <ctime>

#include "tapeline/common/log.h"
#include "tapeline/notifier/retry.h"

namespace tapeline::notifier {
namespace {

std::string iso_utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

message to_message(const catalog::notification& n) {
  message m;
  m.id = n.id;
  m.created_at = n.created_at;
  m.kind = n.kind;
  m.subject = n.message;
  auto j = nlohmann::json::parse(n.details, nullptr, false);
  if (!j.is_object()) {  // stored without details (schema version 1)
    j = {{"kind", n.kind},
         {"subject", n.message},
         {"text", n.message},
         {"barcode", n.barcode},
         {"drive", n.drive},
         {"job_id", n.job_id},
         {"fields", nlohmann::json::object()}};
  }
  m.text = j.value("text", n.message);
  j["id"] = n.id;
  j["created_at"] = n.created_at;
  j["time"] = iso_utc(n.created_at);
  m.json = std::move(j);
  return m;
}

notifier::notifier(catalog::catalog* cat,
                   std::vector<std::unique_ptr<channel>> channels,
                   bool watch_enabled)
    : cat_(cat),
      channels_(std::move(channels)),
      watch_enabled_(watch_enabled) {}

result<std::unique_ptr<notifier>> notifier::create(catalog::catalog* cat,
                                                   const notify_config& c) {
  std::vector<std::unique_ptr<channel>> chans;
  bool watch = false;
  for (const auto& name : c.channels) {
    if (name == "log") {
      chans.push_back(make_log_channel());
    } else if (name == "watch") {
      watch = true;
    } else if (name == "email" && c.email) {
      chans.push_back(make_email_channel(*c.email));
    } else if (name == "webhook" && c.webhook) {
      chans.push_back(make_webhook_channel(*c.webhook));
    } else {
      return make_error(code::invalid_argument,
                        "notification channel \"" + name +
                            "\" is not configured; add its [notify." + name +
                            "] table or remove it from [notify] channels");
    }
  }
  return std::make_unique<notifier>(cat, std::move(chans), watch);
}

channel* notifier::find(const std::string& name) {
  if (name == "watch") return &watch_;
  for (auto& c : channels_)
    if (c->name() == name) return c.get();
  return nullptr;
}

uint32_t notifier::max_attempts() const {
  uint32_t most = 1;
  for (const auto& c : channels_) most = std::max(most, c->retry().attempts);
  return most;
}

result<bool> notifier::attempt(channel* c, const message& m, int64_t now) {
  status st = c->deliver(m);
  TL_RETURN_IF_ERROR(cat_->set_delivery(
      m.id, c->name(),
      st.ok() ? catalog::delivery_state::sent : catalog::delivery_state::failed,
      st.ok() ? std::string() : st.message(), now));
  if (!st.ok())
    log::get("coordinator.notify")
        ->warn("notification {} ({}): {} delivery failed: {}", m.id, m.subject,
               c->name(), st.message());
  return st.ok();
}

result<int64_t> notifier::post(const event& e, int64_t now) {
  std::vector<channel*> targets;
  for (auto& c : channels_)
    if (c->wants(e.kind)) targets.push_back(c.get());
  if (watch_enabled_) targets.push_back(&watch_);
  std::vector<std::string> names;
  for (auto* c : targets) names.push_back(c->name());

  catalog::notification n;
  n.kind = e.kind;
  n.message = e.subject;
  n.details = e.to_json().dump();
  n.barcode = e.barcode;
  n.drive = e.drive;
  n.job_id = e.job_id;
  n.created_at = now;
  auto id = cat_->add_notification(n, names);
  if (!id)
    return id.error().with_context("storing notification '" + e.subject + "'");
  n.id = *id;
  message m = to_message(n);
  for (auto* c : targets) {
    auto delivered = attempt(c, m, now);
    if (!delivered) return delivered.error();
  }
  return *id;
}

result<int> notifier::retry_due(int64_t now) {
  auto open = cat_->undelivered(max_attempts());
  if (!open) return open.error();
  int sent = 0;
  for (const auto& n : *open) {
    message m = to_message(n);
    for (const auto& d : n.deliveries) {
      channel* c = find(d.channel);
      if (!c) continue;  // a channel since removed from the configuration
      int64_t at = next_attempt_at(c->retry(), d);
      if (at < 0 || at > now) continue;
      auto delivered = attempt(c, m, now);
      if (!delivered) return delivered.error();
      if (*delivered) ++sent;
    }
  }
  return sent;
}

result<int64_t> notifier::next_retry_at() {
  auto open = cat_->undelivered(max_attempts());
  if (!open) return open.error();
  int64_t next = -1;
  for (const auto& n : *open)
    for (const auto& d : n.deliveries) {
      channel* c = find(d.channel);
      int64_t at = c ? next_attempt_at(c->retry(), d) : -1;
      if (at >= 0 && (next < 0 || at < next)) next = at;
    }
  return next;
}

result<int> notifier::acknowledge_mount(const std::string& drive,
                                        const std::string& by, int64_t now) {
  auto open = cat_->unacknowledged();
  if (!open) return open.error();
  int closed = 0;
  for (const auto& n : *open) {
    if (n.kind != "mount_request" || n.drive != drive) continue;
    TL_RETURN_IF_ERROR(cat_->acknowledge(n.id, by, now));
    ++closed;
  }
  return closed;
}

}  // namespace tapeline::notifier
