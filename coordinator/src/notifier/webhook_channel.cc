// The webhook channel: the message's JSON as an HTTP POST through libcurl;
// any 2xx answer is success (docs/notifications.md "Webhook").
#include <algorithm>

#include "curl_easy.h"
#include "tapeline/notifier/channel.h"
#include "text.h"

namespace tapeline::notifier {
namespace {

// Keeps the first 300 bytes of the answer, for the error message.
size_t keep_answer(char* ptr, size_t size, size_t nmemb, void* user) {
  auto* s = static_cast<std::string*>(user);
  size_t n = size * nmemb;
  if (s->size() < 300) s->append(ptr, std::min(n, 300 - s->size()));
  return n;
}

class webhook_channel final : public channel {
 public:
  explicit webhook_channel(webhook_config c) : c_(std::move(c)) {}
  std::string name() const override { return "webhook"; }
  bool wants(const std::string& kind) const override {
    return detail::wanted(c_.events, kind);
  }
  retry_policy retry() const override { return c_.retry; }
  status deliver(const message& m) override;

 private:
  webhook_config c_;
};

status webhook_channel::deliver(const message& m) {
  std::string where = "webhook POST to " + detail::url_origin(c_.url);
  char errbuf[CURL_ERROR_SIZE];
  auto c = detail::new_easy(errbuf, c_.timeout.count(), c_.cafile);
  if (!c) return make_error(code::internal, where + ": curl_easy_init failed");
  std::string body = m.json.dump();
  std::string answer;
  detail::slist_ptr headers;
  auto add = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add("Content-Type: application/json");
  add("Expect:");
  if (!c_.bearer_token.empty()) add("Authorization: Bearer " + c_.bearer_token);
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, c_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tapeline-notifier");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK)
    return make_error(code::unavailable,
                      where + " failed: " + detail::curl_detail(rc, errbuf) +
                          "; check that the receiver runs and [notify.webhook] "
                          "url is right; Tapeline retries");
  long http = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
  if (http >= 200 && http < 300) return {};
  std::string said = detail::one_line(answer);
  return make_error(code::unavailable,
                    where + " answered HTTP " + std::to_string(http) +
                        (said.empty() ? "" : " (" + said + ")") +
                        (http == 401 || http == 403
                             ? "; check [notify.webhook] bearer_token_file"
                             : "; check the receiver's log; Tapeline retries"));
}

}  // namespace

std::unique_ptr<channel> make_webhook_channel(const webhook_config& c) {
  return std::make_unique<webhook_channel>(c);
}

}  // namespace tapeline::notifier
