// A logged-in XAPI session: JSON-RPC calls at /jsonrpc.
//
// call() inserts the session ref as the first parameter, logs in on first
// use, logs in again once and retries when XAPI answers SESSION_INVALID
// (sessions expire, XAPI restarts), and follows HOST_IS_SLAVE [master] by
// logging into the master with the same scheme, port and TLS settings.
// Every XAPI error becomes a status made by xapi::to_status() (error.h):
// the message names the code, its parameters and the object; xapi_code()
// gives the code back.
//
// The password and the session ref are secrets: logs show only
// log::redact(password) and short_ref(session).
//
// Ownership: the client owns its libcurl handle (the HTTP connection is
// kept alive between calls). The destructor logs out (best effort).
// Thread-safety: none; use one client per thread. Readers and imports made
// from a client use it from the thread that drives them.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"
#include "tapeline/xapi/credentials.h"
#include "tapeline/xapi/endpoint.h"
#include "tapeline/xapi/error.h"

namespace tapeline::xapi {

struct client_options {
  std::string originator = "tapeline";  // session.login_with_password
  // Upper bound of one call (VM.snapshot can take minutes).
  std::chrono::seconds call_timeout{3600};
  int max_master_hops = 3;  // HOST_IS_SLAVE redirects followed per login
};

class client {
 public:
  client(endpoint ep, credentials creds, client_options opts = {});
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  // session.login_with_password(username, password, "1.0", originator).
  // Errors: permission_denied (SESSION_AUTHENTICATION_FAILED), unavailable.
  status login();
  // session.logout; forgets the session even if the call fails.
  status logout();
  bool logged_in() const { return !session_.empty(); }

  // Calls `method` with the session ref followed by `params` (a JSON
  // array). `about` names the object for error messages ("VM web01").
  result<nlohmann::json> call(const std::string& method,
                              nlohmann::json params = nlohmann::json::array(),
                              std::string_view about = {});

  // Where the client talks now: the configured endpoint, or the master it
  // was redirected to.
  const endpoint& current_endpoint() const { return ep_; }
  // The session ref, for HTTP handlers' session_id. A secret: never log it.
  // Logs in first when needed.
  result<std::string> session_ref();

 private:
  // One JSON-RPC exchange, no retries. On an XAPI error, *err is set.
  result<nlohmann::json> rpc(const std::string& method,
                             const nlohmann::json& params,
                             std::string_view about, xapi_error* err);
  status login_once(xapi_error* err);

  endpoint ep_;
  credentials creds_;
  client_options opts_;
  std::string session_;
  uint64_t next_id_ = 1;
  struct curl_state;
  std::unique_ptr<curl_state> curl_;
};

}  // namespace tapeline::xapi
