#include "tasks.h"

namespace xapi_sim {

std::string create_task(state& st, const std::string& label,
                        const std::string& description) {
  const std::string ref = new_ref();
  auto hosts = st.table("host");
  st.table("task")[ref] = {
      {"uuid", new_uuid()},
      {"name_label", label},
      {"name_description", description},
      {"allowed_operations", json::array({"cancel"})},
      {"current_operations", json::object()},
      {"created", xapi_time_now()},
      {"finished", "19700101T00:00:00Z"},
      {"status", "pending"},
      {"resident_on",
       hosts.empty() ? std::string(null_ref) : hosts.begin().key()},
      {"progress", 0.0},
      {"type", "<none/>"},
      {"result", ""},
      {"error_info", json::array()},
      {"other_config", json::object()},
      {"subtask_of", null_ref},
      {"subtasks", json::array()},
      {"backtrace", "()"},
  };
  return ref;
}

void set_task_progress(state& st, const std::string& task, double progress) {
  if (json* t = st.find("task", task)) (*t)["progress"] = progress;
}

void complete_task(state& st, const std::string& task,
                   const std::string& result) {
  json* t = st.find("task", task);
  if (!t || (*t)["status"] != "pending") return;
  (*t)["status"] = "success";
  (*t)["progress"] = 1.0;
  (*t)["result"] = result;
  (*t)["finished"] = xapi_time_now();
}

void fail_task(state& st, const std::string& task, const rpc_error& e) {
  json* t = st.find("task", task);
  if (!t || (*t)["status"] != "pending") return;
  json info = json::array({e.code});
  for (const auto& p : e.params) info.push_back(p);
  (*t)["status"] = "failure";
  (*t)["progress"] = 1.0;
  (*t)["error_info"] = info;
  (*t)["finished"] = xapi_time_now();
}

}  // namespace xapi_sim
