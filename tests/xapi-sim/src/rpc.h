// XAPI's JSON-RPC endpoint (POST /jsonrpc): envelope parsing and
// rendering for versions 1.0 and 2.0 (docs/xapi.md §1.2-1.4, following
// ocaml/xapi/api_server.ml jsoncallback/callback1), and the methods the sim
// implements (§2), plus the sim's own control methods `sim.*` (§4).
//
// Thread-safe: each call locks the state for its duration.
#pragma once

#include <string>

#include "context.h"
#include "model.h"

namespace xapi_sim {

// The response body for a request body. `method` receives the call's name
// for the log.
std::string handle_jsonrpc(sim_context& ctx, listener_kind where,
                           const std::string& body, std::string* method);

// Calls one method. Result is the JSON value, or an XAPI error.
rpc_result<json> call_method(sim_context& ctx, listener_kind where,
                             const std::string& method, const json& params);

// True when `session` is a live session. REQUIRES: st.mu held.
bool session_valid(state& st, const std::string& session);
// Every session becomes invalid (the expire_session fault).
void expire_all_sessions(state& st);

}  // namespace xapi_sim
