#include "handlers.h"

#include <chrono>

#include "rpc.h"
#include "tasks.h"

namespace xapi_sim {

bool send_error_page(connection& c, int code, const std::string& reason,
                     const std::string& detail,
                     const std::vector<std::string>& extra) {
  const std::string body = "<html><body><h1>HTTP " + std::to_string(code) +
                           " " + reason + "</h1>" + detail + "</body></html>";
  std::vector<std::string> lines = {
      "HTTP/1.1 " + std::to_string(code) + " " + reason, "Connection: close",
      "Cache-Control: no-cache, no-store"};
  lines.insert(lines.end(), extra.begin(), extra.end());
  lines.push_back("Content-Length: " + std::to_string(body.size()));
  lines.push_back("Content-Type: text/html");
  c.write(header_block(lines) + body);
  return false;
}

bool credentials_ok(sim_context& ctx, connection& c, const request& r) {
  if (c.is_unix()) return true;
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  return session_valid(*ctx.st, r.param("session_id"));
}

std::string task_for(sim_context& ctx, const request& r,
                     const std::string& label) {
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  const std::string t = r.param("task_id");
  if (!t.empty() && ctx.st->find("task", t)) return t;
  return create_task(*ctx.st, label, "");
}

bool handle_jsonrpc_request(sim_context& ctx, listener_kind where,
                            connection& c, http_reader& in, const request& r) {
  constexpr uint64_t max_body = 16u << 20;  // Db_globs.http_limit_max_rpc_size
  const uint64_t len = r.content_length.value_or(0);
  if (len > max_body)
    return send_error_page(c, 413, "Request Entity Too Large", "");
  std::string body;
  if (!in.read_exact(static_cast<size_t>(len), &body).ok()) return false;
  std::string method;
  const std::string out = handle_jsonrpc(ctx, where, body, &method);
  ctx.log->info("{} jsonrpc {}", c.peer(), method);
  const std::vector<std::string> lines = {
      "HTTP/1.1 200 OK",
      r.keep_alive ? "Connection: keep-alive" : "Connection: close",
      "Cache-Control: no-cache, no-store",
      "Content-Length: " + std::to_string(out.size()),
      "Content-Type: application/json",
      "Access-Control-Allow-Origin: *",
      "Access-Control-Allow-Headers: X-Requested-With"};
  if (!c.write(header_block(lines) + out)) return false;
  return r.keep_alive;
}

void serve_connection(sim_context& ctx, listener_kind where, connection& c) {
  http_reader in(&c);
  for (;;) {
    auto req = in.next();
    if (!req.ok()) {
      if (req.error().error_code() != tapeline::code::not_found)
        ctx.log->warn("{}: {}", c.peer(), req.error().message());
      return;
    }
    const request& r = *req;
    const auto t0 = std::chrono::steady_clock::now();
    bool keep = false;
    if (r.path == "/jsonrpc" && r.method == "POST") {
      keep = handle_jsonrpc_request(ctx, where, c, in, r);
    } else {
      if (r.path == "/export_raw_vdi" && r.method == "GET") {
        keep = handle_export(ctx, where, c, r);
      } else if (r.path == "/import_raw_vdi" && r.method == "PUT") {
        keep = handle_import(ctx, where, c, in, r);
      } else if (r.path == "/pool/xmldbdump" && r.method == "GET") {
        keep = handle_xmldbdump(ctx, c, r);
      } else {
        keep = send_error_page(c, 404, "Not Found",
                               r.method + " " + r.path + " is not served");
      }
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
      ctx.log->info("{} {} {} ({} ms)", c.peer(), r.method, r.path, ms);
    }
    if (!keep) return;
  }
}

}  // namespace xapi_sim
