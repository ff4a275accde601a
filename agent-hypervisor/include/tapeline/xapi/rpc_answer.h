// Reading one XAPI JSON-RPC answer body (the `/jsonrpc` response), apart
// from the transport so it can be tested and fuzzed on bytes alone
// (tests/fuzz/xapi_rpc_fuzz.cc).
//
// An answer is a JSON object with a non-null "error" (an XAPI error, see
// error.h) or a "result". Anything else is code::protocol_error quoting the
// start of the body.
//
// Pure function: thread-safe. No exceptions escape, whatever the bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"
#include "tapeline/xapi/error.h"

namespace tapeline::xapi {

// Parses `body`, the answer to `method` sent to `where` (an endpoint, for
// messages); `about` names the object in error messages. On an XAPI error,
// *err is filled and the status is to_status(*err, method, about).
// REQUIRES: err != nullptr.
result<nlohmann::json> parse_rpc_answer(std::string_view body,
                                        const std::string& method,
                                        const std::string& where,
                                        std::string_view about,
                                        xapi_error* err);

// At most the first `max` bytes of `s` for a message: cut on a character
// boundary and followed by "…" when cut; bytes that are not UTF-8 become
// '?', so the message can go into JSON.
std::string clip(std::string_view s, size_t max = 300);

}  // namespace tapeline::xapi
