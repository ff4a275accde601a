// What every listener and handler of one simulator process shares. The
// state is guarded by its own mutex; faults are thread-safe; the rest is
// set before the listeners start and read-only afterwards.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "faults.h"
#include "state.h"

namespace xapi_sim {

struct sim_context {
  state* st = nullptr;
  fault_set faults;
  std::string master_address;  // "127.0.0.1:PORT" of the HTTPS listener
  std::string member_address;  // of the --slave-https listener, or ""
  std::shared_ptr<spdlog::logger> log;
};

// The listener a request came in on.
struct listener_kind {
  bool pool_member = false;  // the --slave-https listener
};

}  // namespace xapi_sim
