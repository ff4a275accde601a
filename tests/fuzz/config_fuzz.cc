// Fuzz target: configuration files. The TOML reader (common/config.h) on
// any text, walked with every typed reader on every key, and the two
// agents' loaders (tape agent, hypervisor agent) on the same text.
//
// Invariant: every error names the file ("fuzz.toml"), as operators need.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tapeline/common/config.h"
#include "tapeline/hv_agent/hv_config.h"
#include "tapeline/tape_agent/agent_config.h"

using namespace tapeline;

namespace {

const char* const file = "/etc/tapeline/fuzz.toml";

void check_names_file(const status& st) {
  if (st.ok()) return;
  FUZZ_CHECK(st.message().find("fuzz.toml") != std::string::npos,
             "an error that does not name the file: %s", st.message().c_str());
}

void walk(config::table t, int depth) {
  for (const std::string& k : t.keys()) {
    std::string s;
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
    std::chrono::milliseconds ms{0};
    check_names_file(t.optional_string(k, &s));
    check_names_file(t.optional_integer(k, &i, -5, 1 << 20));
    check_names_file(t.optional_size(k, &u, 1, 1ull << 40));
    check_names_file(t.optional_size_one_of(k, &u, {65536, 262144}));
    check_names_file(t.optional_one_of(k, &s, {"raw", "vhd"}));
    check_names_file(t.optional_bool(k, &b));
    check_names_file(t.optional_duration(k, &ms));
    check_names_file(t.optional_path(k, &s));
    if (depth >= 4) continue;
    std::optional<config::table> sub;
    if (t.optional_table(k, &sub).ok() && sub) walk(*sub, depth + 1);
    std::vector<config::table> arr;
    if (t.table_array(k, &arr).ok())
      for (auto& a : arr) walk(a, depth + 1);
  }
  check_names_file(t.check_unknown_keys());
  check_names_file(t.error("x", "fuzz"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto root = config::parse(text, file);
  if (root) {
    walk(*root, 0);
    check_names_file(root->check_all_unknown_keys());
  } else {
    check_names_file(root.error());
  }
  if (auto a = tape_agent::parse_agent_config(text, file); !a)
    check_names_file(a.error());
  if (auto h = hv_agent::parse_hv_config(text, file); !h)
    check_names_file(h.error());
  return 0;
}
