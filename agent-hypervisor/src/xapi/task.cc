#include "tapeline/xapi/task.h"

#include <thread>

#include "json_util.h"

namespace tapeline::xapi {

using nlohmann::json;

result<std::string> create_task(client& c, const std::string& label,
                                const std::string& description) {
  auto r = c.call("task.create", json::array({label, description}), label);
  if (!r) return r.error();
  if (!r->is_string())
    return make_error(
        code::protocol_error,
        "XAPI task.create returned " + r->dump() + " instead of a task ref");
  return r->get<std::string>();
}

result<task_state> read_task(client& c, const std::string& task) {
  auto r =
      c.call("task.get_record", json::array({task}), "task " + short_ref(task));
  if (!r) return r.error();
  task_state t;
  t.status = detail::str(*r, "status");
  t.result = detail::str(*r, "result");
  auto p = r->find("progress");
  if (p != r->end() && p->is_number()) t.progress = p->get<double>();
  auto e = r->find("error_info");
  if (e != r->end() && e->is_array())
    for (const auto& s : *e)
      t.error_info.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  return t;
}

result<task_state> wait_task(client& c, const std::string& task,
                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds pause{5};
  for (;;) {
    auto t = read_task(c, task);
    if (!t || t->finished() || std::chrono::steady_clock::now() >= deadline)
      return t;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

status destroy_task(client& c, const std::string& task) {
  auto r =
      c.call("task.destroy", json::array({task}), "task " + short_ref(task));
  if (!r && xapi_code(r.error()) != "HANDLE_INVALID") return r.error();
  return {};
}

status task_status(const task_state& t, const std::string& about) {
  if (t.status == "success") return {};
  if (t.status == "failure")
    return to_status(parse_error_info(t.error_info), "", about);
  if (t.status == "pending" || t.status == "cancelling")
    return make_error(code::unavailable, "XAPI task for " + about +
                                             " did not finish in time (still " +
                                             t.status +
                                             "); check it with xe task-list");
  return make_error(code::aborted, "XAPI task for " + about + " was " +
                                       t.status + "; start the job again");
}

}  // namespace tapeline::xapi
