// The [notify] table (docs/notifications.md "Configuration").
#include "tapeline/notifier/config.h"

#include <algorithm>
#include <cctype>

#include "tapeline/notifier/event.h"

namespace tapeline::notifier {
namespace {

bool starts_with(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}

status read_retry(config::table& t, retry_policy* p) {
  int64_t retries = p->attempts - 1;
  TL_RETURN_IF_ERROR(t.optional_integer("retries", &retries, 0, 100));
  p->attempts = static_cast<uint32_t>(retries) + 1;
  TL_RETURN_IF_ERROR(t.optional_duration("backoff", &p->backoff));
  TL_RETURN_IF_ERROR(t.optional_duration("max_backoff", &p->max_backoff));
  if (p->backoff < std::chrono::seconds(1))
    return t.error("backoff", "must be at least 1s");
  if (p->max_backoff < p->backoff)
    return t.error("max_backoff",
                   "must be at least backoff (" +
                       std::to_string(p->backoff.count() / 1000) + "s)");
  return {};
}

status read_events(config::table& t, std::vector<std::string>* events) {
  TL_RETURN_IF_ERROR(t.optional_string_array("events", events));
  for (const auto& e : *events)
    if (!is_kind(e)) {
      std::string all;
      for (const auto& k : all_kinds()) all += (all.empty() ? "" : ", ") + k;
      return t.error("events", "unknown event \"" + e + "\"; expected " + all);
    }
  return {};
}

status read_timeout(config::table& t, std::chrono::milliseconds* out) {
  TL_RETURN_IF_ERROR(t.optional_duration("timeout", out));
  if (*out < std::chrono::seconds(1) || *out > std::chrono::minutes(10))
    return t.error("timeout", "expected a duration from 1s to 10m");
  return {};
}

result<email_config> read_email(config::table& t) {
  email_config c;
  TL_RETURN_IF_ERROR(t.required_string("url", &c.url));
  if (!starts_with(c.url, "smtp://") && !starts_with(c.url, "smtps://"))
    return t.error("url", "expected smtp://HOST[:PORT] or smtps://HOST[:PORT]");
  TL_RETURN_IF_ERROR(t.required_string("from", &c.from));
  if (c.from.find('@') == std::string::npos)
    return t.error("from", "expected an address, e.g. tapeline@example.org");
  TL_RETURN_IF_ERROR(t.optional_string_array("to", &c.to));
  if (c.to.empty())
    return t.error("to",
                   "missing; expected at least one recipient, e.g. "
                   "to = [\"backup-ops@example.org\"]");
  TL_RETURN_IF_ERROR(
      t.optional_one_of("starttls", &c.starttls, {"try", "require", "never"}));
  TL_RETURN_IF_ERROR(t.optional_path("cafile", &c.cafile));
  TL_RETURN_IF_ERROR(read_timeout(t, &c.timeout));
  TL_RETURN_IF_ERROR(read_retry(t, &c.retry));
  TL_RETURN_IF_ERROR(read_events(t, &c.events));
  std::string cred;
  TL_RETURN_IF_ERROR(t.optional_path("credentials", &cred));
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  if (cred.empty()) return c;
  auto text = read_secret_file(cred, "SMTP credentials file");
  if (!text) return text.error();
  auto doc = config::parse(*text, cred);
  if (!doc) return doc.error();
  TL_RETURN_IF_ERROR(doc->required_string("username", &c.username));
  TL_RETURN_IF_ERROR(doc->required_string("password", &c.password));
  TL_RETURN_IF_ERROR(doc->check_unknown_keys());
  return c;
}

result<webhook_config> read_webhook(config::table& t) {
  webhook_config c;
  TL_RETURN_IF_ERROR(t.required_string("url", &c.url));
  if (!starts_with(c.url, "http://") && !starts_with(c.url, "https://"))
    return t.error("url", "expected http://... or https://...");
  TL_RETURN_IF_ERROR(t.optional_path("cafile", &c.cafile));
  TL_RETURN_IF_ERROR(read_timeout(t, &c.timeout));
  TL_RETURN_IF_ERROR(read_retry(t, &c.retry));
  TL_RETURN_IF_ERROR(read_events(t, &c.events));
  std::string token_file;
  TL_RETURN_IF_ERROR(t.optional_path("bearer_token_file", &token_file));
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  if (token_file.empty()) return c;
  auto token = read_secret_file(token_file, "webhook token file");
  if (!token) return token.error();
  c.bearer_token = *token;
  while (!c.bearer_token.empty() &&
         std::isspace(static_cast<unsigned char>(c.bearer_token.back())))
    c.bearer_token.pop_back();
  if (c.bearer_token.empty() ||
      c.bearer_token.find_first_of(" \t\r\n") != std::string::npos)
    return make_error(code::invalid_argument,
                      "webhook token file " + token_file +
                          " must hold the token alone, on one line");
  return c;
}

}  // namespace

result<notify_config> load_notify_config(config::table& root) {
  notify_config c;
  std::optional<config::table> t;
  TL_RETURN_IF_ERROR(root.optional_table("notify", &t));
  if (!t) return c;
  TL_RETURN_IF_ERROR(t->optional_string_array("channels", &c.channels));
  for (const auto& ch : c.channels)
    if (ch != "log" && ch != "watch" && ch != "email" && ch != "webhook")
      return t->error("channels", "unknown channel \"" + ch +
                                      "\"; expected log, watch, email or "
                                      "webhook");
  std::optional<config::table> email, webhook;
  TL_RETURN_IF_ERROR(t->optional_table("email", &email));
  TL_RETURN_IF_ERROR(t->optional_table("webhook", &webhook));
  TL_RETURN_IF_ERROR(t->check_unknown_keys());
  auto named = [&](const char* n) {
    return std::find(c.channels.begin(), c.channels.end(), n) !=
           c.channels.end();
  };
  if (email) {
    auto e = read_email(*email);
    if (!e) return e.error();
    c.email = std::move(*e);
  } else if (named("email")) {
    return t->error("channels",
                    "names \"email\" but there is no [notify.email] table; "
                    "add one with url, from and to");
  }
  if (webhook) {
    auto w = read_webhook(*webhook);
    if (!w) return w.error();
    c.webhook = std::move(*w);
  } else if (named("webhook")) {
    return t->error("channels",
                    "names \"webhook\" but there is no [notify.webhook] "
                    "table; add one with url");
  }
  return c;
}

}  // namespace tapeline::notifier
