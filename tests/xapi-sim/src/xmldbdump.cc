// GET /pool/xmldbdump: the database as XML, in the shape of
// ocaml/database/db_xml.ml (To.database): a manifest of pairs, then one
// <table name=...> per class with one <row ref=... field=.../> per object.
// Column names follow XAPI's: a field in a datamodel namespace joins with
// "__" (name__label, memory__static_max). Sets and maps are written as
// XAPI's S-expressions: ('a' 'b') and (('k' 'v')).
#include "handlers.h"
#include "tasks.h"

namespace xapi_sim {

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "%n";
        break;  // Xml_spaces.protect
      default:
        out += ch;
    }
  }
  return out;
}

std::string column(const std::string& field) {
  static const char* namespaces[] = {"name_",        "memory_", "VCPUs_",
                                     "actions_",     "HVM_",    "PV_",
                                     "API_version_", "qos_"};
  for (const char* ns : namespaces) {
    const std::string p = ns;
    if (field.rfind(p, 0) == 0 && field.size() > p.size())
      return p.substr(0, p.size() - 1) + "__" + field.substr(p.size());
  }
  return field;
}

std::string sexpr_quote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

std::string scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "";
  return v.dump();
}

std::string value_string(const json& v) {
  if (v.is_array()) {
    std::string out = "(";
    for (size_t i = 0; i < v.size(); ++i)
      out += (i ? " " : "") + sexpr_quote(scalar(v[i]));
    return out + ")";
  }
  if (v.is_object()) {
    std::string out = "(";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      out += (first ? "(" : " (") + sexpr_quote(k) + " " +
             sexpr_quote(scalar(x)) + ")";
      first = false;
    }
    return out + ")";
  }
  return scalar(v);
}

}  // namespace

bool handle_xmldbdump(sim_context& ctx, connection& c, const request& r) {
  if (!credentials_ok(ctx, c, r))
    return send_error_page(c, 401, "Unauthorised", "",
                           {"WWW-Authenticate: Basic realm=\"pool_db_sync\""});
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><database><manifest>"
      "<pair key=\"schema_major_vsn\" value=\"5\"/>"
      "<pair key=\"schema_minor_vsn\" value=\"786\"/>"
      "<pair key=\"generation_count\" value=\"1\"/></manifest>";
  {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    for (const auto& [cls, table] : ctx.st->db.items()) {
      xml += "<table name=\"" + escape(cls) + "\">";
      if (cls != "session" && cls != "task") {  // not persistent in XAPI
        for (const auto& [ref, rec] : table.items()) {
          xml += "<row ref=\"" + escape(ref) + "\"";
          for (const auto& [k, v] : rec.items())
            xml += " " + column(k) + "=\"" + escape(value_string(v)) + "\"";
          xml += "/>";
        }
      }
      xml += "</table>";
    }
  }
  xml += "</database>";
  const bool sent =
      c.write(header_block({"HTTP/1.1 200 OK", "Connection: close",
                            "Cache-Control: no-cache, no-store"}) +
              xml);
  // Xapi_http.with_context runs the handler under ?task_id= and completes
  // it afterwards (Server_helpers.exec_with_forwarded_task).
  const std::string task = r.param("task_id");
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  if (!task.empty()) {
    if (sent)
      complete_task(*ctx.st, task, "");
    else
      fail_task(*ctx.st, task, {"INTERNAL_ERROR", {"peer closed the dump"}});
  }
  return false;
}

}  // namespace xapi_sim
