// The email channel: one SMTP transaction per message through libcurl
// (docs/notifications.md "Email").
#include <algorithm>
#include <cstring>

#include "curl_easy.h"
#include "tapeline/notifier/channel.h"
#include "text.h"

namespace tapeline::notifier {
namespace {

struct upload {
  const std::string* data;
  size_t pos = 0;
};

size_t read_upload(char* buf, size_t size, size_t nitems, void* user) {
  auto* u = static_cast<upload*>(user);
  size_t n = std::min(size * nitems, u->data->size() - u->pos);
  std::memcpy(buf, u->data->data() + u->pos, n);
  u->pos += n;
  return n;
}

std::string next_step(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
      return "check that the mail server runs there and [notify.email] url "
             "is right; Tapeline retries";
    case CURLE_LOGIN_DENIED:
      return "check the username and password in the credentials file";
    case CURLE_USE_SSL_FAILED:
      return "the server offers no STARTTLS; set starttls = \"try\" or use "
             "smtps://";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "give the server's CA certificate in [notify.email] cafile";
    default:
      return "check the mail server's log; Tapeline retries";
  }
}

class email_channel final : public channel {
 public:
  explicit email_channel(email_config c) : c_(std::move(c)) {}
  std::string name() const override { return "email"; }
  bool wants(const std::string& kind) const override {
    return detail::wanted(c_.events, kind);
  }
  retry_policy retry() const override { return c_.retry; }
  status deliver(const message& m) override;

 private:
  email_config c_;
};

status email_channel::deliver(const message& m) {
  std::string where = "email to " + std::to_string(c_.to.size()) +
                      " recipient(s) via " + detail::url_origin(c_.url);
  char errbuf[CURL_ERROR_SIZE];
  auto c = detail::new_easy(errbuf, c_.timeout.count(), c_.cafile);
  if (!c) return make_error(code::internal, where + ": curl_easy_init failed");
  std::string mail = format_email(c_, m);
  upload up{&mail};
  detail::slist_ptr rcpt;
  for (const auto& r : c_.to)
    rcpt.reset(curl_slist_append(rcpt.release(), ("<" + r + ">").c_str()));
  std::string from = "<" + c_.from + ">";
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, c_.url.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  long ssl = c_.starttls == "require" ? CURLUSESSL_ALL
             : c_.starttls == "never" ? CURLUSESSL_NONE
                                      : CURLUSESSL_TRY;
  curl_easy_setopt(h, CURLOPT_USE_SSL, ssl);
  if (!c_.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, c_.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, c_.password.c_str());
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return {};
  long smtp = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &smtp);
  std::string reply = smtp ? " (SMTP reply " + std::to_string(smtp) + ")" : "";
  return make_error(code::unavailable,
                    where + " failed: " + detail::curl_detail(rc, errbuf) +
                        reply + "; " + next_step(rc));
}

}  // namespace

std::unique_ptr<channel> make_email_channel(const email_config& c) {
  return std::make_unique<email_channel>(c);
}

}  // namespace tapeline::notifier
