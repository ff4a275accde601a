#include "tapeline/tape_agent/agent_config.h"

#include <gtest/gtest.h>
#include <fstream>

namespace tapeline::tape_agent {
namespace {

constexpr char file[] = "/etc/tapeline/tape-agent.toml";

// A valid file; lines are numbered for the tests that break one of them.
constexpr char good[] = R"([agent]
listen = "0.0.0.0"
port = 4712
log_level = "debug"

[tls]
certificate = "pki/backup1.crt"
key = "pki/backup1.key"
cafile = "/etc/tapeline/pki/ca.crt"

[[drive]]
name = "lto4"
backend = "st"
device = "/dev/nst0"
media_type = "LTO-4"
record_size = "64K"

[[drive]]
name = "vlto5"
backend = "virtual"
slot_dir = "vtape/slot"
library_dir = "/srv/vtape/library"
media_type = "LTO-5"
buffer = "1G"
speed_model = true
pool = "vdi"
autoload = true
)";

// `good` with line `line` (1-based) replaced by `text`.
std::string with_line(int line, const std::string& text) {
  std::string s = good;
  size_t begin = 0;
  for (int i = 1; i < line; ++i) begin = s.find('\n', begin) + 1;
  size_t end = s.find('\n', begin);
  return s.substr(0, begin) + text + s.substr(end);
}

std::string error_of(const std::string& text) {
  auto cfg = parse_agent_config(text, file);
  EXPECT_FALSE(cfg.ok());
  return cfg.ok() ? "" : cfg.error().message();
}

TEST(agent_config, a_good_file_parses) {
  auto cfg = parse_agent_config(good, file);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_EQ(cfg->file, file);
  EXPECT_EQ(cfg->listen, "0.0.0.0");
  EXPECT_EQ(cfg->port, 4712);
  EXPECT_EQ(cfg->log_level, spdlog::level::debug);
  EXPECT_FALSE(cfg->syslog);
  EXPECT_EQ(cfg->tls.certificate, "/etc/tapeline/pki/backup1.crt");
  EXPECT_EQ(cfg->tls.key, "/etc/tapeline/pki/backup1.key");
  EXPECT_EQ(cfg->tls.cafile, "/etc/tapeline/pki/ca.crt");
  ASSERT_EQ(cfg->drives.size(), 2u);
  auto& st = cfg->drives[0];
  EXPECT_EQ(st.name, "lto4");
  EXPECT_EQ(st.backend, "st");
  EXPECT_EQ(st.device, "/dev/nst0");
  EXPECT_EQ(st.media_type, "LTO-4");
  EXPECT_EQ(st.record_size, 64 * kib);
  EXPECT_EQ(st.buffer, 512 * mib);
  EXPECT_FALSE(st.speed_model);
  EXPECT_EQ(st.where.line, 11u);
  auto& v = cfg->drives[1];
  EXPECT_EQ(v.backend, "virtual");
  EXPECT_EQ(v.slot_dir, "/etc/tapeline/vtape/slot");
  EXPECT_EQ(v.library_dir, "/srv/vtape/library");
  EXPECT_EQ(v.record_size, 256 * kib);
  EXPECT_EQ(v.buffer, gib);
  EXPECT_TRUE(v.speed_model);
  EXPECT_EQ(v.pool, "vdi");
  EXPECT_TRUE(v.autoload);
  EXPECT_EQ(st.pool, "default");
  EXPECT_FALSE(st.autoload);
}

TEST(agent_config, defaults_apply) {
  auto cfg = parse_agent_config(R"([tls]
certificate = "a.crt"
key = "a.key"
cafile = "ca.crt"
[[drive]]
name = "d"
backend = "st"
device = "/dev/nst0"
media_type = "LTO-5"
)",
                                file);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_EQ(cfg->listen, "127.0.0.1");
  EXPECT_EQ(cfg->port, 4711);
  EXPECT_EQ(cfg->log_level, spdlog::level::info);
  EXPECT_EQ(cfg->drives[0].record_size, 256 * kib);
  EXPECT_EQ(cfg->drives[0].buffer, 512 * mib);
}

TEST(agent_config, the_shipped_example_parses) {
  auto cfg =
      load_agent_config(TAPELINE_SOURCE_DIR "/deploy/examples/tape-agent.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  ASSERT_EQ(cfg->drives.size(), 2u);
  EXPECT_EQ(cfg->drives[0].device, "/dev/nst0");
  EXPECT_EQ(cfg->drives[0].media_type, "LTO-4");
  EXPECT_EQ(cfg->drives[1].device, "/dev/nst1");
  EXPECT_EQ(cfg->drives[1].media_type, "LTO-5");
}

TEST(agent_config, the_examples_virtual_alternative_parses) {
  // Uncomment the example's virtual drive and use it alone.
  std::ifstream in(TAPELINE_SOURCE_DIR "/deploy/examples/tape-agent.toml");
  std::string line, text =
                        "[tls]\ncertificate = \"a\"\nkey = \"b\"\n"
                        "cafile = \"c\"\n";
  bool in_block = false;
  while (std::getline(in, line)) {
    in_block = in_block || line == "# [[drive]]";
    if (in_block && line.rfind("# ", 0) == 0) text += line.substr(2) + "\n";
  }
  auto cfg = parse_agent_config(text, file);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message() << "\n" << text;
  ASSERT_EQ(cfg->drives.size(), 1u);
  EXPECT_EQ(cfg->drives[0].backend, "virtual");
  EXPECT_EQ(cfg->drives[0].media_type, "LTO-5");
}

struct bad_line {
  int line;
  const char* text;
  const char* error;
};

// Names the case in test output: "line 16: record_size = ...".
void PrintTo(const bad_line& b, std::ostream* os) {
  *os << "line " << b.line << ": " << b.text;
}

class agent_config_bad : public ::testing::TestWithParam<bad_line> {};

TEST_P(agent_config_bad, names_file_line_and_key) {
  auto& p = GetParam();
  EXPECT_EQ(error_of(with_line(p.line, p.text)), p.error);
}

INSTANTIATE_TEST_SUITE_P(
    lines, agent_config_bad,
    ::testing::Values(
        bad_line{16, "record_size = \"300K\"",
                 "/etc/tapeline/tape-agent.toml:16:1: key "
                 "'drive[0].record_size': expected one of 64K, 256K, 1M, got "
                 "\"300K\""},
        bad_line{16, "recordsize = \"64K\"",
                 "/etc/tapeline/tape-agent.toml:16:1: key "
                 "'drive[0].recordsize': unknown key; did you mean "
                 "'record_size'?"},
        bad_line{3, "port = 70000",
                 "/etc/tapeline/tape-agent.toml:3:1: key 'agent.port': "
                 "expected an integer from 0 to 65535, got 70000"},
        bad_line{3, "port = \"4711\"",
                 "/etc/tapeline/tape-agent.toml:3:1: key 'agent.port': "
                 "expected an integer from 0 to 65535, got \"4711\""},
        bad_line{4, "log_level = \"verbose\"",
                 "/etc/tapeline/tape-agent.toml:4:1: key 'agent.log_level': "
                 "expected one of \"trace\", \"debug\", \"info\", \"warn\", "
                 "\"error\", \"critical\", \"off\", got \"verbose\""},
        bad_line{1, "[agnet]",
                 "/etc/tapeline/tape-agent.toml:1:2: key 'agnet': unknown "
                 "key; did you mean 'agent'?"},
        bad_line{8, "keyfile = \"a.key\"",
                 "/etc/tapeline/tape-agent.toml:8:1: key 'tls.keyfile': "
                 "unknown key; did you mean 'key'?"},
        bad_line{19, "name = \"lto4\"",
                 "/etc/tapeline/tape-agent.toml:19:1: key 'drive[1].name': "
                 "duplicate drive name \"lto4\", already used by drive 'lto4' "
                 "at line 12"},
        bad_line{12, "name = \"lto 4\"",
                 "/etc/tapeline/tape-agent.toml:12:1: key 'drive[0].name': "
                 "expected a name of letters, digits, '_', '.' and '-', got "
                 "\"lto 4\""},
        bad_line{14, "# no device",
                 "/etc/tapeline/tape-agent.toml:11:1: key 'drive[0].device': "
                 "missing; expected a string"},
        bad_line{14, "device = \"/dev/st0\"",
                 "/etc/tapeline/tape-agent.toml:14:1: key 'drive[0].device': "
                 "\"/dev/st0\" rewinds on every close; use the non-rewinding "
                 "/dev/nst0"},
        bad_line{21, "# no slot_dir",
                 "/etc/tapeline/tape-agent.toml:18:1: key "
                 "'drive[1].slot_dir': missing; expected a file path"},
        bad_line{21, "device = \"/dev/nst1\"",
                 "/etc/tapeline/tape-agent.toml:21:1: key 'drive[1].device': "
                 "applies only to backend \"st\"; remove it"},
        bad_line{13, "backend = \"tape\"",
                 "/etc/tapeline/tape-agent.toml:13:1: key 'drive[0].backend': "
                 "expected one of \"st\", \"virtual\", got \"tape\""},
        bad_line{15, "media_type = \"LTO5\"",
                 "/etc/tapeline/tape-agent.toml:15:1: key "
                 "'drive[0].media_type': expected one of \"LTO-1\", "
                 "\"LTO-2\", \"LTO-3\", \"LTO-4\", \"LTO-5\", \"LTO-6\", "
                 "\"LTO-7\", \"LTO-8\", \"LTO-9\", got \"LTO5\""},
        bad_line{24, "buffer = \"8M\"",
                 "/etc/tapeline/tape-agent.toml:24:1: key 'drive[1].buffer': "
                 "expected a size of at least 16M, got \"8M\""},
        bad_line{25, "speed_model = \"yes\"",
                 "/etc/tapeline/tape-agent.toml:25:1: key "
                 "'drive[1].speed_model': expected true or false, got "
                 "\"yes\""},
        bad_line{16, "speed_model = true",
                 "/etc/tapeline/tape-agent.toml:16:1: key "
                 "'drive[0].speed_model': applies only to backend "
                 "\"virtual\"; remove it"},
        bad_line{16, "autoload = true",
                 "/etc/tapeline/tape-agent.toml:16:1: key "
                 "'drive[0].autoload': applies only to backend "
                 "\"virtual\"; remove it"},
        bad_line{26, "pool = \"vdi pool\"",
                 "/etc/tapeline/tape-agent.toml:26:1: key 'drive[1].pool': "
                 "expected a name of letters, digits, '_', '.' and '-', got "
                 "\"vdi pool\""},
        bad_line{6, "[tsl]",
                 "/etc/tapeline/tape-agent.toml:6:2: key 'tsl': unknown key; "
                 "did you mean 'tls'?"},
        bad_line{7, "certificate = ",
                 "/etc/tapeline/tape-agent.toml:7:15: syntax error: Error "
                 "while parsing key-value pair: expected value, saw '\\n'"}));

TEST(agent_config, a_missing_tls_table_is_an_error) {
  EXPECT_EQ(error_of("[[drive]]\nname = \"d\"\n"),
            "/etc/tapeline/tape-agent.toml: key 'tls': missing; expected a "
            "table [tls]");
}

TEST(agent_config, at_least_one_drive) {
  EXPECT_EQ(error_of("[tls]\ncertificate = \"a\"\nkey = \"b\"\ncafile = "
                     "\"c\"\n"),
            "/etc/tapeline/tape-agent.toml: no [[drive]] table; a tape agent "
            "needs at least one drive");
}

TEST(agent_config, two_drives_on_one_device_are_refused) {
  std::string text = good;
  text +=
      "[[drive]]\nname = \"again\"\nbackend = \"st\"\n"
      "device = \"/dev/nst0\"\nmedia_type = \"LTO-4\"\n";
  EXPECT_EQ(error_of(text),
            "/etc/tapeline/tape-agent.toml:31:1: key 'drive[2].device': "
            "duplicate device \"/dev/nst0\", already used by drive 'lto4' at "
            "line 14");
}

// The tools file's binary (docs/tape-format.md §2): per drive, else
// [agent], else next to the agent; "" writes none; relative to the file.
TEST(agent_config, extract_binary_per_drive_then_agent_then_default) {
  auto cfg = parse_agent_config(good, file);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_EQ(extract_binary_for(*cfg, cfg->drives[0], "/usr/bin/x"),
            "/usr/bin/x");
  std::string text = with_line(4, "extract_binary = \"bin/tapeline-extract\"");
  text += "extract_binary = \"\"\n";  // drive vlto5: no tools file
  cfg = parse_agent_config(text, file);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  EXPECT_EQ(extract_binary_for(*cfg, cfg->drives[0], "/usr/bin/x"),
            "/etc/tapeline/bin/tapeline-extract");
  EXPECT_EQ(extract_binary_for(*cfg, cfg->drives[1], "/usr/bin/x"), "");
  EXPECT_EQ(error_of(with_line(4, "extract_binary = 7")),
            "/etc/tapeline/tape-agent.toml:4:1: key 'agent.extract_binary': "
            "expected a string, got 7");
}

TEST(agent_config, a_missing_file_is_named) {
  auto cfg = load_agent_config("/nonexistent/tape-agent.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().error_code(), code::not_found);
  EXPECT_EQ(cfg.error().message(),
            "/nonexistent/tape-agent.toml: cannot read configuration file: "
            "No such file or directory");
}

}  // namespace
}  // namespace tapeline::tape_agent
