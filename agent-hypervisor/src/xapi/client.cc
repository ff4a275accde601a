#include "tapeline/xapi/client.h"

#include "curl_util.h"
#include "tapeline/common/log.h"
#include "tapeline/xapi/rpc_answer.h"

namespace tapeline::xapi {
namespace {

using nlohmann::json;

size_t append_body(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

std::shared_ptr<spdlog::logger> lg() {
  return log::get("xapi");
}

}  // namespace

struct client::curl_state {
  detail::easy_ptr easy;
  detail::slist_ptr headers;
  char errbuf[CURL_ERROR_SIZE];
};

client::client(endpoint ep, credentials creds, client_options opts)
    : ep_(std::move(ep)),
      creds_(std::move(creds)),
      opts_(std::move(opts)),
      curl_(std::make_unique<curl_state>()) {
  curl_->easy = detail::new_easy();
  curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
  h = curl_slist_append(h, "Accept: application/json");
  h = curl_slist_append(h, "Expect:");
  curl_->headers.reset(h);
}

client::~client() {
  if (logged_in()) {
    status st = logout();
    if (!st.ok()) lg()->warn("logout on close: {}", st.message());
  }
}

result<json> client::rpc(const std::string& method, const json& params,
                         std::string_view about, xapi_error* err) {
  CURL* c = curl_->easy.get();
  json req = {{"jsonrpc", "2.0"},
              {"method", method},
              {"params", params},
              {"id", next_id_++}};
  std::string body = req.dump();
  std::string answer;
  std::string url = make_url(ep_, "/jsonrpc");
  curl_easy_reset(c);
  detail::apply_transport(c, ep_, curl_->errbuf);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, curl_->headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c, CURLOPT_TIMEOUT,
                   static_cast<long>(opts_.call_timeout.count()));
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK)
    return detail::transport_error(rc, curl_->errbuf, ep_,
                                   "XAPI call " + method);
  long http = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
  if (http != 200)
    return make_error(code::protocol_error,
                      "XAPI call " + method + " at " + ep_.to_string() +
                          ": HTTP " + std::to_string(http) + ": " +
                          clip(answer) +
                          "; check that the endpoint is XAPI (/jsonrpc)");
  return parse_rpc_answer(answer, method, ep_.to_string(), about, err);
}

status client::login_once(xapi_error* err) {
  json params = {creds_.username, creds_.password, "1.0", opts_.originator};
  auto r = rpc("session.login_with_password", params,
               "user " + creds_.username + " at " + ep_.to_string(), err);
  if (!r) return r.error();
  if (!r->is_string())
    return make_error(code::protocol_error,
                      "XAPI session.login_with_password at " + ep_.to_string() +
                          " returned " + clip(r->dump()) +
                          " instead of a session ref");
  session_ = r->get<std::string>();
  lg()->info("logged in to XAPI at {} as {} (password {}, session {})",
             ep_.to_string(), creds_.username, log::redact(creds_.password),
             short_ref(session_));
  return {};
}

status client::login() {
  session_.clear();
  for (int hop = 0;; ++hop) {
    xapi_error err;
    status st = login_once(&err);
    if (st.ok() || err.code != "HOST_IS_SLAVE" || err.params.empty() ||
        hop >= opts_.max_master_hops)
      return st;
    endpoint master = with_host(ep_, err.params[0]);
    lg()->info(
        "{} is a pool member, not the master: logging in to the "
        "master {}",
        ep_.to_string(), master.to_string());
    ep_ = master;
  }
}

status client::logout() {
  if (session_.empty()) return {};
  std::string s = std::move(session_);
  session_.clear();
  xapi_error err;
  auto r = rpc("session.logout", json::array({s}), {}, &err);
  if (!r) return r.error();
  lg()->info("logged out of XAPI at {} (session {})", ep_.to_string(),
             short_ref(s));
  return {};
}

result<std::string> client::session_ref() {
  if (session_.empty()) TL_RETURN_IF_ERROR(login());
  return session_;
}

result<json> client::call(const std::string& method, json params,
                          std::string_view about) {
  if (!params.is_array())
    return make_error(code::internal,
                      "XAPI call " + method + ": params must be a JSON array");
  for (int attempt = 0;; ++attempt) {
    if (session_.empty()) TL_RETURN_IF_ERROR(login());
    json full = json::array({session_});
    for (const auto& p : params) full.push_back(p);
    xapi_error err;
    lg()->debug("call {} ({})", method, about);
    auto r = rpc(method, full, about, &err);
    if (r.ok() || attempt > 0) return r;
    if (err.code == "SESSION_INVALID") {
      lg()->info("XAPI session {} is no longer valid; logging in again",
                 short_ref(session_));
      session_.clear();
      continue;
    }
    if (err.code == "HOST_IS_SLAVE" && !err.params.empty()) {
      ep_ = with_host(ep_, err.params[0]);
      lg()->info("the pool master moved to {}; logging in there",
                 ep_.to_string());
      session_.clear();
      continue;
    }
    return r;
  }
}

}  // namespace tapeline::xapi
