#include "tapeline/hv_agent/hv_config.h"

#include <gtest/gtest.h>

namespace tapeline::hv_agent {
namespace {

constexpr char file[] = "/etc/tapeline/hv-agent.toml";

constexpr char good[] = R"([agent]
name = "xcp-host1"
log_level = "debug"

[xapi]
url = "https://pool-master.example:443"
credentials = "xapi.credentials"
cafile = "/etc/tapeline/pool-ca.pem"

[coordinator]
address = "backup1:4712"

[tls]
certificate = "pki/xcp-host1.crt"
key = "pki/xcp-host1.key"
cafile = "/etc/tapeline/pki/ca.crt"

[snapshots]
retention = "7d"

[export]
format = "raw"
window = "8M"
)";

std::string replace_line(std::string text, int line, const std::string& with) {
  size_t pos = 0;
  for (int i = 1; i < line; ++i) pos = text.find('\n', pos) + 1;
  size_t end = text.find('\n', pos);
  return text.replace(pos, end - pos, with);
}

std::string error_of(const std::string& text) {
  auto r = parse_hv_config(text, file);
  EXPECT_FALSE(r.ok()) << "accepted:\n" << text;
  return r.ok() ? "" : r.error().message();
}

TEST(hv_config, reads_every_key) {
  auto r = parse_hv_config(good, file);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->name, "xcp-host1");
  EXPECT_EQ(r->log_level, spdlog::level::debug);
  EXPECT_EQ(r->xapi_url, "https://pool-master.example:443");
  EXPECT_EQ(r->credentials, "/etc/tapeline/xapi.credentials");
  EXPECT_EQ(r->xapi_cafile, "/etc/tapeline/pool-ca.pem");
  EXPECT_EQ(r->coordinator, "backup1:4712");
  EXPECT_EQ(r->tls.key, "/etc/tapeline/pki/xcp-host1.key");
  EXPECT_EQ(r->snapshot_retention, std::chrono::hours(24 * 7));
  EXPECT_EQ(r->export_format, "raw");
  EXPECT_EQ(r->window_bytes, 8 * mib);
  EXPECT_EQ(r->chunk_bytes, mib);
}

TEST(hv_config, defaults_are_dom0_and_two_weeks) {
  auto r = parse_hv_config(R"([xapi]
credentials = "/etc/tapeline/xapi.credentials"
[tls]
certificate = "a.crt"
key = "a.key"
cafile = "ca.crt"
)",
                           file);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->xapi_url, "unix:///var/lib/xcp/xapi");
  EXPECT_EQ(r->snapshot_retention, std::chrono::hours(24 * 14));
  EXPECT_EQ(r->export_format, "vhd");
  EXPECT_FALSE(r->name.empty());
  EXPECT_TRUE(r->coordinator.empty());
}

TEST(hv_config, plain_http_is_refused_with_the_fix) {
  auto m = error_of(replace_line(good, 6, "url = \"http://pool-master\""));
  EXPECT_NE(m.find(":6:1: key 'xapi.url'"), std::string::npos) << m;
  EXPECT_NE(m.find("https://pool-master"), std::string::npos) << m;
}

TEST(hv_config, bad_lines_name_file_line_and_key) {
  struct {
    int line;
    const char* text;
    const char* expect;
  } cases[] = {
      {2, "name = \"xcp host1\"", ":2:1: key 'agent.name'"},
      {6, "url = \"ftp://x\"", "key 'xapi.url': expected \"unix://"},
      {7, "credentails = \"x\"", "did you mean 'credentials'"},
      {11, "address = \"backup1\"",
       "key 'coordinator.address': expected HOST:PORT"},
      {19, "retention = \"seven days\"", "key 'snapshots.retention'"},
      {22, "format = \"qcow2\"", "key 'export.format'"},
      {23, "window = \"3M\"", "key 'export.window'"},
  };
  for (auto& c : cases) {
    auto m = error_of(replace_line(good, c.line, c.text));
    EXPECT_NE(m.find(c.expect), std::string::npos)
        << "line " << c.line << ": " << m;
    EXPECT_EQ(m.rfind(file, 0), 0u) << m;
  }
}

TEST(hv_config, missing_credentials_and_unix_only_keys) {
  auto m = error_of(replace_line(good, 7, ""));
  EXPECT_NE(m.find("xapi.credentials"), std::string::npos) << m;
  auto text = replace_line(good, 6, "url = \"unix:///var/lib/xcp/xapi\"");
  m = error_of(text);
  EXPECT_NE(m.find("applies only to an https:// url"), std::string::npos) << m;
}

}  // namespace
}  // namespace tapeline::hv_agent
