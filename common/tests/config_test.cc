#include "tapeline/common/config.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <cstdio>
#include <fstream>

#include "tapeline/common/units.h"

namespace tapeline::config {
namespace {

constexpr char file[] = "/etc/tapeline/test.toml";

table load(const std::string& text) {
  auto t = parse(text, file);
  EXPECT_TRUE(t.ok()) << t.error().message();
  return t.ok() ? *t : table();
}

std::string message(const status& st) {
  EXPECT_FALSE(st.ok());
  return st.message();
}

TEST(config, syntax_error_names_file_line_and_column) {
  auto t = parse("a = 1\nb = = 2\n", file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().error_code(), code::invalid_argument);
  EXPECT_EQ(t.error().message().rfind("/etc/tapeline/test.toml:2:5: syntax "
                                      "error: ",
                                      0),
            0u)
      << t.error().message();
}

TEST(config, missing_file_is_not_found) {
  auto t = load_file("/nonexistent/tapeline.toml");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().error_code(), code::not_found);
  EXPECT_EQ(t.error().message(),
            "/nonexistent/tapeline.toml: cannot read configuration file: No "
            "such file or directory");
}

TEST(config, loads_a_file_and_resolves_relative_paths) {
  std::string dir = TAPELINE_BINARY_DIR "/config_test.d";
  (void)std::system(("mkdir -p " + dir).c_str());
  {
    std::ofstream out(dir + "/x.toml");
    out << "cert = \"pki/a.crt\"\nabs = \"/etc/b\"\n";
  }
  auto t = load_file(dir + "/x.toml");
  ASSERT_TRUE(t.ok()) << t.error().message();
  std::string cert, abs;
  ASSERT_TRUE(t->required_path("cert", &cert).ok());
  ASSERT_TRUE(t->required_path("abs", &abs).ok());
  EXPECT_EQ(cert, dir + "/pki/a.crt");
  EXPECT_EQ(abs, "/etc/b");
  EXPECT_TRUE(t->check_all_unknown_keys().ok());
}

TEST(config, reads_typed_values) {
  auto t = load(R"(
name = "lto5"
count = 42
on = true
size = "1.5T"
bytes = 4096
every = "1h30m"
)");
  std::string name;
  int64_t count = 0;
  bool on = false;
  uint64_t size = 0, bytes = 0;
  std::chrono::milliseconds every{};
  ASSERT_TRUE(t.required_string("name", &name).ok());
  ASSERT_TRUE(t.required_integer("count", &count, 0, 100).ok());
  ASSERT_TRUE(t.optional_bool("on", &on).ok());
  ASSERT_TRUE(t.required_size("size", &size).ok());
  ASSERT_TRUE(t.optional_size("bytes", &bytes).ok());
  ASSERT_TRUE(t.optional_duration("every", &every).ok());
  EXPECT_EQ(name, "lto5");
  EXPECT_EQ(count, 42);
  EXPECT_TRUE(on);
  EXPECT_EQ(size, 1649267441664u);
  EXPECT_EQ(bytes, 4096u);
  EXPECT_EQ(every, std::chrono::minutes(90));
  EXPECT_TRUE(t.check_all_unknown_keys().ok());
}

TEST(config, reads_arrays_of_strings) {
  auto t = load(
      "to = [\"a@x\", \"b@y\"]\nnone = []\nbad = [\"a\", 2]\n"
      "scalar = \"a\"\n");
  std::vector<std::string> v = {"default"};
  ASSERT_TRUE(t.optional_string_array("absent", &v).ok());
  EXPECT_EQ(v, std::vector<std::string>{"default"});
  ASSERT_TRUE(t.optional_string_array("to", &v).ok());
  EXPECT_EQ(v, (std::vector<std::string>{"a@x", "b@y"}));
  ASSERT_TRUE(t.optional_string_array("none", &v).ok());
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(message(t.optional_string_array("bad", &v)),
            "/etc/tapeline/test.toml:3:1: key 'bad': expected an array of "
            "strings, got 2 at index 1");
  EXPECT_EQ(message(t.optional_string_array("scalar", &v)),
            "/etc/tapeline/test.toml:4:1: key 'scalar': expected an array of "
            "strings, got \"a\"");
  EXPECT_TRUE(v.empty());  // untouched by the failures
  EXPECT_TRUE(t.check_unknown_keys().ok());
}

TEST(config, absent_optional_keys_keep_defaults) {
  auto t = load("");
  std::string s = "default";
  int64_t i = 7;
  uint64_t size = 9;
  bool b = true;
  EXPECT_TRUE(t.optional_string("s", &s).ok());
  EXPECT_TRUE(t.optional_integer("i", &i).ok());
  EXPECT_TRUE(t.optional_size("size", &size).ok());
  EXPECT_TRUE(t.optional_size_one_of("rs", &size, {kib}).ok());
  EXPECT_TRUE(t.optional_bool("b", &b).ok());
  EXPECT_EQ(s, "default");
  EXPECT_EQ(i, 7);
  EXPECT_EQ(size, 9u);
  EXPECT_TRUE(b);
}

TEST(config, errors_name_file_line_column_key_and_expectation) {
  auto t = load(R"(port = "4711"
level = "loud"
size = "300X"
small = "8M"
flag = "yes"
wait = "30"
[agent]
listen = 127
)");
  int64_t port = 0;
  std::string level, listen;
  uint64_t size = 0;
  bool flag = false;
  std::chrono::milliseconds wait{};
  EXPECT_EQ(message(t.optional_integer("port", &port, 1, 65535)),
            "/etc/tapeline/test.toml:1:1: key 'port': expected an integer "
            "from 1 to 65535, got \"4711\"");
  EXPECT_EQ(message(t.optional_one_of("level", &level, {"info", "debug"})),
            "/etc/tapeline/test.toml:2:1: key 'level': expected one of "
            "\"info\", \"debug\", got \"loud\"");
  EXPECT_EQ(message(t.optional_size("size", &size)),
            "/etc/tapeline/test.toml:3:1: key 'size': expected a size such as "
            "256K, 512M, 1.5T or 64KiB, got \"300X\"");
  EXPECT_EQ(message(t.optional_size("small", &size, 16 * mib)),
            "/etc/tapeline/test.toml:4:1: key 'small': expected a size of at "
            "least 16M, got \"8M\"");
  EXPECT_EQ(message(t.optional_bool("flag", &flag)),
            "/etc/tapeline/test.toml:5:1: key 'flag': expected true or false, "
            "got \"yes\"");
  EXPECT_EQ(message(t.optional_duration("wait", &wait)),
            "/etc/tapeline/test.toml:6:1: key 'wait': expected a duration "
            "such as 30s, 5m, 1h30m or 14d, got \"30\"");
  table agent;
  ASSERT_TRUE(t.required_table("agent", &agent).ok());
  EXPECT_EQ(message(agent.optional_string("listen", &listen)),
            "/etc/tapeline/test.toml:8:1: key 'agent.listen': expected a "
            "string, got 127");
}

TEST(config, missing_required_key_points_at_its_table) {
  auto t = load("[tls]\nkey = \"a.key\"\n");
  table tls;
  std::string cert, missing;
  ASSERT_TRUE(t.required_table("tls", &tls).ok());
  EXPECT_EQ(message(tls.required_string("certificate", &cert)),
            "/etc/tapeline/test.toml:1:1: key 'tls.certificate': missing; "
            "expected a string");
  EXPECT_EQ(message(t.required_string("name", &missing)),
            "/etc/tapeline/test.toml: key 'name': missing; expected a string");
  table none;
  EXPECT_EQ(message(t.required_table("agent", &none)),
            "/etc/tapeline/test.toml: key 'agent': missing; expected a table "
            "[agent]");
}

TEST(config, arrays_of_tables_are_indexed_from_zero) {
  auto t = load(R"(
[[drive]]
name = "lto4"
record_size = "256K"

[[drive]]
name = "lto5"
record_size = "300K"
)");
  std::vector<table> drives;
  ASSERT_TRUE(t.table_array("drive", &drives).ok());
  ASSERT_EQ(drives.size(), 2u);
  EXPECT_EQ(drives[1].path(), "drive[1]");
  EXPECT_EQ(drives[1].where().line, 6u);
  uint64_t rs = 0;
  EXPECT_TRUE(
      drives[0]
          .optional_size_one_of("record_size", &rs, {64 * kib, 256 * kib, mib})
          .ok());
  EXPECT_EQ(rs, 256 * kib);
  EXPECT_EQ(message(drives[1].optional_size_one_of("record_size", &rs,
                                                   {64 * kib, 256 * kib, mib})),
            "/etc/tapeline/test.toml:8:1: key 'drive[1].record_size': "
            "expected one of 64K, 256K, 1M, got \"300K\"");
  std::vector<table> none;
  EXPECT_TRUE(t.table_array("tape", &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(config, a_single_table_is_not_an_array_of_tables) {
  auto t = load("[drive]\nname = \"x\"\n");
  std::vector<table> drives;
  EXPECT_EQ(message(t.table_array("drive", &drives)),
            "/etc/tapeline/test.toml:1:2: key 'drive': expected an array of "
            "tables ([[drive]]), got a table");
}

TEST(config, unknown_keys_are_errors_with_a_suggestion) {
  auto t = load(R"(
[[drive]]
name = "lto5"
recordsize = "256K"
colour = "blue"
)");
  std::vector<table> drives;
  ASSERT_TRUE(t.table_array("drive", &drives).ok());
  drives[0].declare({"name", "record_size", "buffer"});
  EXPECT_EQ(message(drives[0].check_unknown_keys()),
            "/etc/tapeline/test.toml:4:1: key 'drive[0].recordsize': unknown "
            "key; did you mean 'record_size'? (and 1 more)");
}

TEST(config, unknown_key_without_a_near_match_lists_the_known_keys) {
  auto t = load("colour = \"blue\"\n");
  t.declare({"name", "port"});
  EXPECT_EQ(message(t.check_unknown_keys()),
            "/etc/tapeline/test.toml:1:1: key 'colour': unknown key (known "
            "keys here: name port)");
}

TEST(config, the_safety_net_finds_unread_keys_in_nested_tables) {
  auto t = load(R"(
[agent]
port = 4711
[tls]
certificate = "a.crt"
keyfile = "a.key"
)");
  std::optional<table> agent, tls;
  int64_t port = 0;
  std::string cert;
  ASSERT_TRUE(t.optional_table("agent", &agent).ok());
  ASSERT_TRUE(t.optional_table("tls", &tls).ok());
  ASSERT_TRUE(agent->optional_integer("port", &port).ok());
  ASSERT_TRUE(tls->optional_string("certificate", &cert).ok());
  tls->declare({"key"});
  EXPECT_TRUE(t.check_unknown_keys().ok());  // this level only
  EXPECT_EQ(message(t.check_all_unknown_keys()),
            "/etc/tapeline/test.toml:6:1: key 'tls.keyfile': unknown key; "
            "did you mean 'key'?");
}

TEST(config, an_unread_table_is_one_unknown_key) {
  auto t = load("[agnet]\nport = 1\n");
  t.declare({"agent"});
  EXPECT_EQ(message(t.check_all_unknown_keys()),
            "/etc/tapeline/test.toml:1:2: key 'agnet': unknown key; did you "
            "mean 'agent'?");
}

TEST(config, keys_lists_in_file_order_and_declares) {
  auto t = load("zeta = 1\nalpha = 2\n");
  EXPECT_EQ(t.keys(), (std::vector<std::string>{"zeta", "alpha"}));
  EXPECT_TRUE(t.check_all_unknown_keys().ok());
}

}  // namespace
}  // namespace tapeline::config
