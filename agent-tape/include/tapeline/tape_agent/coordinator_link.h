// The tape agent under a coordinator ([coordinator] address): it registers
// its drives (with the address hv agents use to reach them), forwards every
// drive event to the coordinator, and carries out the drive commands the
// coordinator pushes (LOAD, LABEL, EJECT, FINISH_SESSION, STATUS...).
//
// The drives and the published front keep working without a coordinator:
// a lost coordinator only stops events and orders until the link is back.
#pragma once

#include <map>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"

namespace tapeline::tape_agent {

struct coordinator_link_options {
  std::string coordinator;  // HOST:PORT
  std::string advertise;    // HOST:PORT hv agents connect to
  std::string name;         // for logs
  tls_options tls;
  std::string version;
};

// Spawns the handler and the link; returns an error for a bad address.
status start_coordinator_link(caf::actor_system& sys,
                              const coordinator_link_options& o,
                              caf::actor agent,
                              std::map<std::string, caf::actor> drives);

}  // namespace tapeline::tape_agent
