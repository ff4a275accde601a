#include "tapeline/xapi/endpoint.h"

#include <gtest/gtest.h>

namespace tapeline::xapi {
namespace {

TEST(Endpoint, ParsesHttpsWithAndWithoutPort) {
  auto a = parse_endpoint("https://pool.example");
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->scheme, endpoint::kind::https);
  EXPECT_EQ(a->host, "pool.example");
  EXPECT_EQ(a->port, 443);
  auto b = parse_endpoint("https://10.0.0.1:8443/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "10.0.0.1");
  EXPECT_EQ(b->port, 8443);
  EXPECT_EQ(b->to_string(), "https://10.0.0.1:8443");
}

TEST(Endpoint, ParsesBracketedIpv6AndUnixSocket) {
  auto a = parse_endpoint("https://[fe80::1]:444");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "fe80::1");
  EXPECT_EQ(a->port, 444);
  EXPECT_EQ(a->to_string(), "https://[fe80::1]:444");
  auto u = parse_endpoint("unix:///var/lib/xcp/xapi");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, endpoint::kind::unix_socket);
  EXPECT_EQ(u->socket_path, "/var/lib/xcp/xapi");
  EXPECT_EQ(u->to_string(), "unix:///var/lib/xcp/xapi");
}

TEST(Endpoint, RefusesBadFormsWithTheAcceptedOnes) {
  for (const char* bad :
       {"ftp://x", "https://", "https://h:0", "https://h:99999", "https://h:x",
        "https://fe80::1", "unix://rel/path", "https://user:pw@h",
        "https://h/path"}) {
    auto r = parse_endpoint(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().error_code(), code::invalid_argument);
    EXPECT_NE(r.error().message().find(bad), std::string::npos);
    EXPECT_NE(r.error().message().find("unix:///var/lib/xcp/xapi"),
              std::string::npos);
  }
}

TEST(Endpoint, MasterKeepsSchemePortAndTls) {
  endpoint ep = *parse_endpoint("https://10.0.0.2:8443");
  ep.cafile = "/etc/ca.pem";
  endpoint m = with_host(ep, "10.0.0.1");
  EXPECT_EQ(m.to_string(), "https://10.0.0.1:8443");
  EXPECT_EQ(m.cafile, "/etc/ca.pem");
  EXPECT_EQ(with_host(ep, "fe80::2").to_string(), "https://[fe80::2]:8443");
  EXPECT_EQ(with_host(ep, "127.0.0.1:9000").to_string(),
            "https://127.0.0.1:9000");
  EXPECT_EQ(with_host(ep, "[fe80::2]:9000").to_string(),
            "https://[fe80::2]:9000");
  endpoint local = *parse_endpoint("unix:///var/lib/xcp/xapi");
  EXPECT_EQ(with_host(local, "10.0.0.1").to_string(), "https://10.0.0.1:443");
}

TEST(Endpoint, UrlsEncodeTheQuery) {
  endpoint ep = *parse_endpoint("https://h:443");
  EXPECT_EQ(
      make_url(ep, "/export_raw_vdi",
               {{"session_id", "OpaqueRef:a b"}, {"format", "vhd"}}),
      "https://h:443/export_raw_vdi?session_id=OpaqueRef%3Aa%20b&format=vhd");
  endpoint local = *parse_endpoint("unix:///var/lib/xcp/xapi");
  EXPECT_EQ(make_url(local, "/jsonrpc"), "http://localhost/jsonrpc");
  EXPECT_EQ(url_encode("a-z_0.9~&=/"), "a-z_0.9~%26%3D%2F");
}

TEST(Endpoint, SessionRefsAreShortenedForLogs) {
  EXPECT_EQ(short_ref("OpaqueRef:12345678-aaaa-bbbb-cccc-1234567890ab"),
            "OpaqueRef:12345678…");
  EXPECT_EQ(short_ref("OpaqueRef:NULL"), "OpaqueRef:NULL");
  std::string url =
      "http://localhost/export_raw_vdi?session_id=OpaqueRef%3A12345678-aaaa-"
      "bbbb&vdi=x";
  std::string shown = redact_session(url);
  EXPECT_EQ(shown.find("aaaa"), std::string::npos) << shown;
  EXPECT_NE(shown.find("&vdi=x"), std::string::npos) << shown;
}

}  // namespace
}  // namespace tapeline::xapi
