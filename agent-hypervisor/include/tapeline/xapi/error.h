// XAPI errors as tapeline statuses.
//
// XAPI's JSON-RPC answers an error as
//   {"error": {"code": 1, "message": "HANDLE_INVALID", "data": ["VDI",
//   "OpaqueRef:…"]}}
// where "message" is the XAPI error code and "data" its parameters (a list,
// sometimes a bare string). A task that failed carries the same thing in its
// error_info: [code, params...].
//
// The status message always starts with "XAPI <CODE>: " followed by the
// parameters, the object concerned and, for known codes, what to do next:
//   XAPI HANDLE_INVALID: VDI OpaqueRef:1a2b3c4d… (disk 1 of VM web01): the
//   object no longer exists; list the VM's disks again
// xapi_code() recovers the code from any status (also after with_context()),
// so callers can branch on SESSION_INVALID, VDI_TOO_LARGE, ...
//
// Pure functions: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::xapi {

struct xapi_error {
  std::string code;  // "HANDLE_INVALID"
  std::vector<std::string> params;
};

// From a JSON-RPC error object, or the bare array ["CODE", params...] XAPI
// answers to a call it cannot parse. Non-string parameters are kept as JSON
// text.
xapi_error parse_error_object(const nlohmann::json& error);
// From a task's error_info (code first). An empty list gives code
// "INTERNAL_ERROR".
xapi_error parse_error_info(const std::vector<std::string>& error_info);

// The status for `err`; `about` names the object in the caller's words
// ("disk 1 of VM web01"), `method` the call ("VDI.destroy"); either may be
// empty. Parameters that start with "OpaqueRef:" are shortened (short_ref),
// so a session ref never appears in full.
status to_status(const xapi_error& err, std::string_view method,
                 std::string_view about);

// The tapeline code for an XAPI code: SESSION_AUTHENTICATION_FAILED ->
// permission_denied, HANDLE_INVALID/UUID_INVALID -> not_found,
// HOST_IS_SLAVE/HOST_OFFLINE -> unavailable, others -> aborted.
tapeline::code code_for(std::string_view xapi_code);

// The XAPI code in a status made by to_status() (possibly with context
// prefixes), or "" when the status is not an XAPI error.
std::string xapi_code(const status& st);

}  // namespace tapeline::xapi
