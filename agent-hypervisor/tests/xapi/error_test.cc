#include "tapeline/xapi/error.h"

#include <gtest/gtest.h>

namespace tapeline::xapi {
namespace {

using nlohmann::json;

TEST(XapiError, ParsesTheJsonRpcErrorObject) {
  // The shape of ocaml/xapi/api_server_common.ml json_of_error_object.
  auto e = parse_error_object(json::parse(
      R"({"code":1,"message":"HANDLE_INVALID","data":["VDI","OpaqueRef:abc"]})"));
  EXPECT_EQ(e.code, "HANDLE_INVALID");
  EXPECT_EQ(e.params, (std::vector<std::string>{"VDI", "OpaqueRef:abc"}));
  // A bare string as data (xen-api sdk-gen spec xapi_error.json).
  auto s = parse_error_object(json::parse(
      R"({"code":1,"message":"HANDLE_INVALID","data":"OpaqueRef:x"})"));
  EXPECT_EQ(s.params, (std::vector<std::string>{"OpaqueRef:x"}));
  auto bare = parse_error_object(
      json::parse(R"(["INTERNAL_ERROR","cannot parse the JSON-RPC call"])"));
  EXPECT_EQ(bare.code, "INTERNAL_ERROR");
  EXPECT_EQ(bare.params.size(), 1u);
  auto odd = parse_error_object(json::parse(R"({"code":"x","message":123})"));
  EXPECT_EQ(odd.code, "123");
}

TEST(XapiError, MessageNamesCodeParamsObjectAndNextStep) {
  xapi_error e{"HANDLE_INVALID",
               {"VDI", "OpaqueRef:0f1e2d3c-aaaa-bbbb-cccc-dddddddddddd"}};
  status st = to_status(e, "VDI.destroy", "disk 1 of VM web01");
  EXPECT_EQ(st.error_code(), code::not_found);
  EXPECT_EQ(st.message().rfind(
                "XAPI HANDLE_INVALID: VDI OpaqueRef:0f1e2d3c… (disk 1 of VM "
                "web01) in VDI.destroy: ",
                0),
            0u)
      << st.message();
  EXPECT_EQ(st.message().find("aaaa"), std::string::npos);
}

TEST(XapiError, SessionRefNeverInFull) {
  status st = to_status(
      {"SESSION_INVALID", {"OpaqueRef:deadbeef-1111-2222-3333-444444444444"}},
      "VM.get_all_records", "");
  EXPECT_EQ(st.message().find("1111"), std::string::npos) << st.message();
}

TEST(XapiError, CodeSurvivesContext) {
  status st = to_status({"VDI_TOO_LARGE", {"OpaqueRef:x", "2199023255552"}}, "",
                        "disk 0 of VM db");
  EXPECT_EQ(xapi_code(st), "VDI_TOO_LARGE");
  EXPECT_EQ(xapi_code(st.with_context("export of disk 0")), "VDI_TOO_LARGE");
  EXPECT_EQ(xapi_code(make_error(code::io_error, "disk: XAPI is down")), "");
  EXPECT_EQ(xapi_code(status()), "");
}

TEST(XapiError, TaskErrorInfoHasTheCodeFirst) {
  auto e = parse_error_info({"VDI_IO_ERROR", "Device I/O errors"});
  EXPECT_EQ(e.code, "VDI_IO_ERROR");
  EXPECT_EQ(e.params, std::vector<std::string>{"Device I/O errors"});
  EXPECT_EQ(parse_error_info({}).code, "INTERNAL_ERROR");
}

TEST(XapiError, CodesMapToTapelineCodes) {
  EXPECT_EQ(code_for("SESSION_AUTHENTICATION_FAILED"), code::permission_denied);
  EXPECT_EQ(code_for("UUID_INVALID"), code::not_found);
  EXPECT_EQ(code_for("HOST_IS_SLAVE"), code::unavailable);
  EXPECT_EQ(code_for("SR_FULL"), code::aborted);
}

}  // namespace
}  // namespace tapeline::xapi
