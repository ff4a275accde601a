#include "curl_util.h"

#include <strings.h>

#include <cstring>
#include <mutex>

namespace tapeline::xapi::detail {

easy_ptr new_easy() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return easy_ptr(curl_easy_init());
}

void apply_transport(CURL* c, const endpoint& ep, char* errbuf) {
  errbuf[0] = '\0';
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  if (ep.scheme == endpoint::kind::unix_socket) {
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep.socket_path.c_str());
  } else {
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, nullptr);
  }
  if (ep.scheme == endpoint::kind::https) {
    if (ep.insecure) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    } else {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
      if (!ep.cafile.empty())
        curl_easy_setopt(c, CURLOPT_CAINFO, ep.cafile.c_str());
    }
  }
}

status transport_error(CURLcode rc, const char* errbuf, const endpoint& ep,
                       const std::string& what) {
  std::string detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
  std::string next;
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
      next = "check that XAPI runs there and the address is right";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      next =
          "give the pool's CA certificate (cafile) or, for a self-signed "
          "pool certificate, set insecure = true";
      break;
    default:
      next = "check the network and XAPI's log (/var/log/xensource.log)";
  }
  return make_error(code::unavailable, what + " at " + ep.to_string() +
                                           " failed: " + detail + "; " + next);
}

bool header_value(const char* line, size_t len, const char* name,
                  std::string* value) {
  size_t n = std::strlen(name);
  if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
    return false;
  size_t b = n + 1, e = len;
  while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
  while (e > b &&
         (line[e - 1] == '\r' || line[e - 1] == '\n' || line[e - 1] == ' '))
    --e;
  value->assign(line + b, e - b);
  return true;
}

}  // namespace tapeline::xapi::detail
