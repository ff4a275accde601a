// XAPI tasks: the handle through which HTTP handlers (/export_raw_vdi,
// /import_raw_vdi) report their outcome. The client creates a task, passes
// it as task_id=, and after the transfer reads whether it succeeded.
//
// Functions use the client from the calling thread (client.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/xapi/client.h"

namespace tapeline::xapi {

struct task_state {
  std::string status;  // pending, success, failure, cancelling, cancelled
  std::vector<std::string> error_info;  // [code, params...] on failure
  std::string result;
  double progress = 0;
  bool finished() const {
    return status != "pending" && status != "cancelling";
  }
};

// task.create(label, description); returns the task ref.
result<std::string> create_task(client& c, const std::string& label,
                                const std::string& description);

// task.get_record.
result<task_state> read_task(client& c, const std::string& task);

// Re-reads the task until it is finished or `timeout` passes (then the last
// state, still pending). Polls with a growing interval (5 ms up to 200 ms):
// XAPI marks an HTTP handler's task done right after it closes the
// connection.
result<task_state> wait_task(client& c, const std::string& task,
                             std::chrono::milliseconds timeout);

// task.destroy; HANDLE_INVALID (already gone) counts as success.
status destroy_task(client& c, const std::string& task);

// Ok for a successful task; otherwise the task's XAPI error (error.h) about
// `about`, or a message saying the task is still pending or was cancelled.
status task_status(const task_state& t, const std::string& about);

}  // namespace tapeline::xapi
