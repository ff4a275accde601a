#include "tapeline/xapi/endpoint.h"

#include <cctype>
#include <charconv>

namespace tapeline::xapi {
namespace {

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

status bad(std::string_view text, const std::string& why) {
  return make_error(code::invalid_argument,
                    "XAPI endpoint '" + std::string(text) + "': " + why +
                        "; expected https://HOST[:PORT], http://HOST[:PORT] "
                        "or unix:///var/lib/xcp/xapi");
}

}  // namespace

std::string endpoint::to_string() const {
  switch (scheme) {
    case kind::unix_socket:
      return "unix://" + socket_path;
    case kind::http:
      return "http://" + bracketed(host) + ":" + std::to_string(port);
    case kind::https:
      break;
  }
  return "https://" + bracketed(host) + ":" + std::to_string(port);
}

result<endpoint> parse_endpoint(std::string_view text) {
  endpoint ep;
  std::string_view rest;
  if (text.rfind("unix://", 0) == 0) {
    ep.scheme = endpoint::kind::unix_socket;
    ep.socket_path = std::string(text.substr(7));
    if (ep.socket_path.empty() || ep.socket_path[0] != '/')
      return bad(text, "the socket path must be absolute");
    return ep;
  }
  if (text.rfind("https://", 0) == 0) {
    rest = text.substr(8);
  } else if (text.rfind("http://", 0) == 0) {
    ep.scheme = endpoint::kind::http;
    ep.port = 80;
    rest = text.substr(7);
  } else {
    return bad(text, "unknown scheme");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos)
    return bad(text, "give only the host and port, without path or user");
  std::string_view port_text;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad(text, "unclosed '['");
    ep.host = std::string(rest.substr(1, close - 1));
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad(text, "junk after ']'");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.find(':');
    if (colon != std::string_view::npos &&
        rest.find(':', colon + 1) != std::string_view::npos)
      return bad(text, "write an IPv6 address in brackets, [fe80::1]");
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (ep.host.empty()) return bad(text, "no host");
  if (!port_text.empty() || text.back() == ':') {
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(),
                                   port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() ||
        port < 1 || port > 65535)
      return bad(text, "the port must be a number from 1 to 65535");
    ep.port = port;
  }
  return ep;
}

endpoint with_host(const endpoint& ep, std::string_view host) {
  endpoint out = ep;
  if (ep.scheme == endpoint::kind::unix_socket) {
    out.scheme = endpoint::kind::https;
    out.port = 443;
    out.socket_path.clear();
  }
  // Real XAPI names a bare address ("10.0.0.1", "fe80::2"); xapi-sim and a
  // 302 Location may add ":PORT" ("10.0.0.1:8443", "[fe80::2]:8443").
  std::string_view h = host, port_text;
  if (!h.empty() && h.front() == '[') {
    auto close = h.find(']');
    if (close != std::string_view::npos) {
      if (close + 1 < h.size() && h[close + 1] == ':')
        port_text = h.substr(close + 2);
      h = h.substr(1, close - 1);
    }
  } else if (auto colon = h.find(':');
             colon != std::string_view::npos &&
             h.find(':', colon + 1) == std::string_view::npos) {
    port_text = h.substr(colon + 1);
    h = h.substr(0, colon);
  }
  out.host = std::string(h);
  int port = 0;
  auto [p, ec] = std::from_chars(port_text.data(),
                                 port_text.data() + port_text.size(), port);
  if (!port_text.empty() && ec == std::errc() &&
      p == port_text.data() + port_text.size() && port > 0 && port < 65536)
    out.port = port;
  return out;
}

std::string url_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string make_url(const endpoint& ep, std::string_view path,
                     const query& q) {
  std::string url = ep.scheme == endpoint::kind::unix_socket
                        ? std::string("http://localhost")
                        : ep.to_string();
  url += path;
  char sep = '?';
  for (const auto& [k, v] : q) {
    url += sep;
    url += url_encode(k) + "=" + url_encode(v);
    sep = '&';
  }
  return url;
}

std::string short_ref(std::string_view ref) {
  constexpr std::string_view prefix = "OpaqueRef:";
  size_t keep = ref.rfind(prefix, 0) == 0 ? prefix.size() + 8 : 8;
  if (ref.size() <= keep) return std::string(ref);
  return std::string(ref.substr(0, keep)) + "…";
}

std::string redact_session(std::string_view url) {
  for (std::string_view key : {"?session_id=", "&session_id="}) {
    auto at = url.find(key);
    if (at == std::string_view::npos) continue;
    auto start = at + key.size();
    auto end = url.find('&', start);
    if (end == std::string_view::npos) end = url.size();
    std::string value(url.substr(start, end - start));
    // The value is percent-encoded: OpaqueRef%3A....
    std::string shown = value.size() > 14 ? value.substr(0, 14) + "…" : value;
    return std::string(url.substr(0, start)) + shown +
           std::string(url.substr(end));
  }
  return std::string(url);
}

}  // namespace tapeline::xapi
