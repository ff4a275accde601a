// XAPI tasks as the HTTP handlers use them (ocaml/xapi/taskHelper.ml): a
// handler runs under the task named by ?task_id=, or a new one, and marks
// it success (progress 1.0) or failure with error_info [code, params...].
// Tasks live in memory (state::db["task"], not saved).
//
// REQUIRES: st.mu held.
#pragma once

#include <string>

#include "model.h"
#include "state.h"

namespace xapi_sim {

std::string create_task(state& st, const std::string& label,
                        const std::string& description);
void set_task_progress(state& st, const std::string& task, double progress);
void complete_task(state& st, const std::string& task,
                   const std::string& result);
void fail_task(state& st, const std::string& task, const rpc_error& e);

}  // namespace xapi_sim
