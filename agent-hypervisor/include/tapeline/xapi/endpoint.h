// Where XAPI is reached, and how URLs to it are built.
//
// An endpoint is `https://host[:port]` (verified against `cafile`, or the
// system store when empty, unless `insecure`), `http://host[:port]` (tests
// only), or `unix:///var/lib/xcp/xapi`: plain HTTP over dom0's local socket.
// JSON-RPC goes to /jsonrpc; HTTP handlers (/export_raw_vdi, ...) take the
// session and task in the query, as XAPI's http handlers expect.
//
// Plain values and pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::xapi {

struct endpoint {
  enum class kind { https, http, unix_socket };
  kind scheme = kind::https;
  std::string host;  // https/http: name or address; IPv6 without brackets
  int port = 443;
  std::string socket_path;  // unix_socket: e.g. /var/lib/xcp/xapi
  std::string cafile;       // https: PEM CA bundle; empty = system store
  bool insecure = false;    // https: accept any certificate (self-signed)

  // "https://host:port", "https://[fe80::1]:443", "unix:///var/lib/xcp/xapi".
  std::string to_string() const;
};

// Parses "https://host[:port]", "http://host[:port]" or "unix:///path".
// Errors (invalid_argument) name the text and show the accepted forms.
result<endpoint> parse_endpoint(std::string_view text);

// The endpoint of the pool master named by HOST_IS_SLAVE or a 302 Location:
// same scheme, port and TLS settings, another host. `host` is a bare name or
// address ("10.0.0.1", "fe80::2", as real XAPI gives it) or carries a port
// ("10.0.0.1:8443", "[fe80::2]:8443", as xapi-sim does), which then wins. A
// unix-socket endpoint becomes https://master:443 (another machine).
endpoint with_host(const endpoint& ep, std::string_view host);

using query = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode(std::string_view s);

// The URL libcurl is given for `path` with `q` appended, encoded. For a unix
// socket the host part is "localhost" (the socket path goes to libcurl
// separately).
std::string make_url(const endpoint& ep, std::string_view path,
                     const query& q = {});

// A reference safe for logs and messages: "OpaqueRef:1a2b3c4d…" (the first
// 8 characters after the prefix). Session refs are secrets.
std::string short_ref(std::string_view ref);

// `url` with the value of its session_id query parameter shortened as by
// short_ref(), for logs.
std::string redact_session(std::string_view url);

}  // namespace tapeline::xapi
