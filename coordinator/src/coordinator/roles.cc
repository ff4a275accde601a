#include "tapeline/coordinator/roles.h"

namespace tapeline::coordinator {

std::string role_needed(const std::string& call) {
  if (call == "auth_begin" || call == "auth_prove") return "";
  if (call == "register_hv" || call == "job_report" ||
      call == "job_progress")
    return "hv-agent";
  if (call == "register_tape" || call == "drive_event") return "tape-agent";
  if (call.rfind("call:", 0) == 0) return "operator";
  return "coordinator";  // nothing else is open to anyone
}

bool role_allows(const std::string& role, const std::string& call) {
  auto need = role_needed(call);
  return need.empty() || need == role;
}

}  // namespace tapeline::coordinator
