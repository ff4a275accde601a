#include "tapeline/xapi/error.h"

#include <cctype>

#include "tapeline/xapi/endpoint.h"

namespace tapeline::xapi {
namespace {

std::string param_text(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// What an operator should do next, for the codes we meet.
const char* hint(std::string_view c) {
  if (c == "SESSION_AUTHENTICATION_FAILED")
    return "check username and password in the XAPI credentials file";
  if (c == "HANDLE_INVALID" || c == "UUID_INVALID")
    return "the object no longer exists; list it again (it may have been "
           "deleted meanwhile)";
  if (c == "SESSION_INVALID")
    return "the session expired and logging in again did not help; check "
           "that XAPI is running (xe host-list)";
  if (c == "HOST_IS_SLAVE") return "connect to the pool master";
  if (c == "VDI_TOO_LARGE") return "export this disk as raw instead of VHD";
  if (c == "VDI_IN_USE" || c == "OTHER_OPERATION_IN_PROGRESS")
    return "another operation holds the object; retry later";
  if (c == "SR_BACKEND_FAILURE" || c == "VDI_IO_ERROR")
    return "check the storage repository (xe sr-list, /var/log/SMlog)";
  if (c == "MESSAGE_METHOD_UNKNOWN")
    return "this XAPI version lacks the call; upgrade XCP-ng";
  if (c == "RBAC_PERMISSION_DENIED")
    return "give the XAPI account the pool-admin role";
  return nullptr;
}

}  // namespace

xapi_error parse_error_object(const nlohmann::json& error) {
  xapi_error e;
  if (error.is_array()) {
    // XAPI's answer to a call it could not parse: ["CODE", params...]
    // (ocaml/xapi/api_server.ml, jsoncallback).
    for (const auto& p : error) e.params.push_back(param_text(p));
    if (!e.params.empty()) {
      e.code = e.params.front();
      e.params.erase(e.params.begin());
    }
  } else if (error.is_object()) {
    auto m = error.find("message");
    if (m != error.end()) e.code = param_text(*m);
    auto d = error.find("data");
    if (d != error.end()) {
      if (d->is_array()) {
        for (const auto& p : *d) e.params.push_back(param_text(p));
      } else if (!d->is_null()) {
        e.params.push_back(param_text(*d));
      }
    }
  }
  if (e.code.empty()) e.code = "INTERNAL_ERROR";
  return e;
}

xapi_error parse_error_info(const std::vector<std::string>& error_info) {
  xapi_error e;
  if (error_info.empty()) {
    e.code = "INTERNAL_ERROR";
    return e;
  }
  e.code = error_info[0];
  e.params.assign(error_info.begin() + 1, error_info.end());
  return e;
}

tapeline::code code_for(std::string_view c) {
  if (c == "SESSION_AUTHENTICATION_FAILED" || c == "RBAC_PERMISSION_DENIED")
    return code::permission_denied;
  if (c == "HANDLE_INVALID" || c == "UUID_INVALID") return code::not_found;
  if (c == "HOST_IS_SLAVE" || c == "HOST_OFFLINE" || c == "SESSION_INVALID" ||
      c == "HOST_STILL_BOOTING")
    return code::unavailable;
  return code::aborted;
}

status to_status(const xapi_error& err, std::string_view method,
                 std::string_view about) {
  std::string msg = "XAPI " + err.code + ":";
  for (const auto& p : err.params)
    msg += " " + (p.rfind("OpaqueRef:", 0) == 0 ? short_ref(p) : p);
  if (!about.empty()) msg += " (" + std::string(about) + ")";
  if (!method.empty()) msg += " in " + std::string(method);
  if (const char* h = hint(err.code)) msg += std::string(": ") + h;
  return make_error(code_for(err.code), msg);
}

std::string xapi_code(const status& st) {
  const std::string& m = st.message();
  if (st.ok()) return {};
  for (size_t at = m.find("XAPI "); at != std::string::npos;
       at = m.find("XAPI ", at + 1)) {
    if (at > 0 && m[at - 1] != ' ') continue;
    size_t i = at + 5, start = i;
    while (i < m.size() &&
           (std::isupper(static_cast<unsigned char>(m[i])) ||
            std::isdigit(static_cast<unsigned char>(m[i])) || m[i] == '_'))
      ++i;
    if (i > start && i < m.size() && m[i] == ':')
      return m.substr(start, i - start);
  }
  return {};
}

}  // namespace tapeline::xapi
