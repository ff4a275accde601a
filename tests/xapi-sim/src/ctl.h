// `xapi-sim ctl`: the command-line wrapper of the sim.* control methods
// (sim_control.h), talking JSON-RPC over the sim's Unix socket.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace xapi_sim {

// argv after "ctl". Returns the process exit code.
int run_ctl(const std::vector<std::string>& args);

}  // namespace xapi_sim
