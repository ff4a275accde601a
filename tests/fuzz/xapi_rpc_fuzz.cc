// Fuzz target: XAPI's JSON-RPC answers (agent-hypervisor xapi/rpc_answer.h)
// and the lenient record readers the typed helpers apply to their results
// (src/xapi/json_util.h), on any body an XAPI (or an impostor) could send.
//
// Invariants: no exception escapes; an XAPI error's status carries its code
// (xapi_code() recovers it), and every message is valid UTF-8, since
// statuses end up in JSON output (tapeline-hv-agent --json).
#include <cctype>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "../../agent-hypervisor/src/xapi/json_util.h"
#include "fuzz_support.h"
#include "tapeline/xapi/rpc_answer.h"

using namespace tapeline;
using nlohmann::json;

namespace {

bool valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

void read_record(const json& rec) {
  namespace d = xapi::detail;
  for (const char* k : {"name_label", "uuid", "power_state", "is_a_template",
                        "virtual_size", "VBDs", "other_config", "tags"}) {
    (void)d::str(rec, k);
    (void)d::boolean(rec, k);
    (void)d::int64(rec, k);
    (void)d::strings(rec, k);
    (void)d::string_map(rec, k);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  xapi::xapi_error err;
  auto r = xapi::parse_rpc_answer(body, "VM.get_all_records",
                                  "https://xapi.example:443", "VM web01", &err);
  if (!r) {
    FUZZ_CHECK(valid_utf8(r.error().message()), "message not UTF-8");
    bool plain = !err.code.empty();  // a code xapi_code() can recognise
    for (char c : err.code)
      plain =
          plain && (std::isupper(static_cast<unsigned char>(c)) ||
                    std::isdigit(static_cast<unsigned char>(c)) || c == '_');
    if (plain)
      FUZZ_CHECK(xapi::xapi_code(r.error()) == err.code,
                 "xapi_code gives '%s' for code '%s'",
                 xapi::xapi_code(r.error()).c_str(), err.code.c_str());
    return 0;
  }
  if (r->is_object()) {
    read_record(*r);
    for (const auto& [ref, rec] : r->items()) read_record(rec);
  } else if (r->is_array()) {
    for (const auto& rec : *r) read_record(rec);
  }
  return 0;
}
