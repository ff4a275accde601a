// Which role may make which control-plane call (docs/wire-protocol.md,
// "Roles"). Pure; thread-safe.
#pragma once

#include <string>

namespace tapeline::coordinator {

// The call names are the ControlRequest body names ("register_hv",
// "job_report", ...) and, for operator calls, "call:" + the command
// ("call:status", "call:tapes.offsite"). auth_begin and auth_prove are open
// to every peer the TLS layer let in.
bool role_allows(const std::string& role, const std::string& call);

// The role a call needs, for the refusal message.
std::string role_needed(const std::string& call);

}  // namespace tapeline::coordinator
