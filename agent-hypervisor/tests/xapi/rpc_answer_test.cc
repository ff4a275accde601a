// parse_rpc_answer and clip: XAPI's JSON-RPC bodies read without a network.
// The messages must stay valid UTF-8 whatever the body, since
// tapeline-hv-agent --json puts them in JSON (nlohmann's dump() is the
// oracle: it throws on anything that is not UTF-8). Regressions from
// tests/fuzz/xapi_rpc_fuzz.cc.
#include "tapeline/xapi/rpc_answer.h"

#include <gtest/gtest.h>

namespace tapeline::xapi {
namespace {

using nlohmann::json;

result<json> parse(std::string_view body, xapi_error* err) {
  return parse_rpc_answer(body, "VM.get_all_records", "https://pool:443",
                          "VM web01", err);
}

bool dumps(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

TEST(rpc_answer, result_is_returned) {
  xapi_error err;
  auto r = parse(R"({"jsonrpc":"2.0","result":"OpaqueRef:1","id":1})", &err);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "OpaqueRef:1");
  EXPECT_TRUE(err.code.empty());
}

TEST(rpc_answer, xapi_error_keeps_its_code_and_object) {
  xapi_error err;
  auto r = parse(
      R"({"error":{"code":1,"message":"HANDLE_INVALID","data":["VM","x"]}})",
      &err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(err.code, "HANDLE_INVALID");
  EXPECT_EQ(xapi_code(r.error()), "HANDLE_INVALID");
  EXPECT_NE(r.error().message().find("VM web01"), std::string::npos);
}

TEST(rpc_answer, neither_result_nor_error_is_a_protocol_error) {
  xapi_error err;
  auto r = parse(R"({"jsonrpc":"2.0","id":1})", &err);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error_code(), code::protocol_error);
  EXPECT_NE(r.error().message().find("without result or error"),
            std::string::npos);
}

TEST(rpc_answer, a_binary_body_gives_a_utf8_message) {
  xapi_error err;
  // Found by xapi_rpc_fuzz: an overlong form (C0 BF) and stray bytes.
  auto r = parse(std::string("<html>\xff\xfe\xc0\xbf 502</html>"), &err);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(dumps(r.error().message())) << r.error().message();
  EXPECT_NE(r.error().message().find("<html>???? 502</html>"),
            std::string::npos)
      << r.error().message();
}

TEST(clip, cuts_on_a_character_boundary) {
  std::string s = "ab\xc3\xa9\xc3\xa9";  // "abéé"
  EXPECT_EQ(clip(s, 3), "ab…");
  EXPECT_EQ(clip(s, 4), "ab\xc3\xa9…");
  EXPECT_EQ(clip(s, 6), s);
}

TEST(clip, replaces_what_is_not_utf8) {
  for (std::string bad :
       {"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\x80", "\xc3", "\x80"}) {
    std::string c = clip("x" + bad + "y", 300);
    EXPECT_TRUE(dumps(c)) << c;
    EXPECT_EQ(c, "x" + std::string(bad.size(), '?') + "y");
  }
  EXPECT_EQ(clip("\xf0\x9f\x92\xbe", 300), "\xf0\x9f\x92\xbe");  // U+1F4BE
}

}  // namespace
}  // namespace tapeline::xapi
