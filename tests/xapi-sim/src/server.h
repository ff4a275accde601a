// The simulator's listeners: HTTPS on TCP (the pool master), optionally a
// second HTTPS listener acting as a pool member, and plain HTTP on a Unix
// socket (dom0's /var/lib/xcp/xapi). Thread per connection.
//
// start() binds everything before returning, so the ports are known.
// The listener threads run until the process exits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "context.h"
#include "tapeline/common/status.h"

namespace xapi_sim {

struct listen_options {
  std::string https;        // "ADDR:PORT", or "" for none
  std::string slave_https;  // "ADDR:PORT", or ""
  std::string unix_path;    // or ""
  std::string cert, key;    // PEM, required with https
};

struct bound_ports {
  uint16_t https = 0;
  uint16_t slave = 0;
};

// REQUIRES: ctx outlives the process's listeners.
tapeline::result<bound_ports> start_listeners(sim_context& ctx,
                                              const listen_options& o);

}  // namespace xapi_sim
