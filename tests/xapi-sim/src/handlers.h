// The HTTP side of the simulated XAPI: routes a connection's requests to
// /jsonrpc, /export_raw_vdi, /import_raw_vdi and /pool/xmldbdump, written
// after the xen-api handlers each function names (docs/xapi.md §1.5, §3).
//
// serve_connection() runs on the connection's own thread until the peer
// or a handler closes it. Thread-safe (the state has its own lock).
#pragma once

#include "context.h"
#include "http.h"

namespace xapi_sim {

void serve_connection(sim_context& ctx, listener_kind where, connection& c);

// One request; false when the connection must close afterwards.
bool handle_jsonrpc_request(sim_context& ctx, listener_kind where,
                            connection& c, http_reader& in, const request& r);
bool handle_export(sim_context& ctx, listener_kind where, connection& c,
                   const request& r);
bool handle_import(sim_context& ctx, listener_kind where, connection& c,
                   http_reader& in, const request& r);
bool handle_xmldbdump(sim_context& ctx, connection& c, const request& r);

// Shared by the handlers.
bool send_error_page(connection& c, int code, const std::string& reason,
                     const std::string& detail,
                     const std::vector<std::string>& extra = {});
// Over TLS the request must carry a live session_id (the Unix socket is
// root in dom0 and needs none): xapi_http.ml assert_credentials_ok.
bool credentials_ok(sim_context& ctx, connection& c, const request& r);
// The task the handler runs under: ?task_id= when it names one, else new.
std::string task_for(sim_context& ctx, const request& r,
                     const std::string& label);

}  // namespace xapi_sim
