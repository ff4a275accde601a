// The coordinator's actor (docs/architecture.md, "Coordinator"): the
// published front that agents and operators call, the dispatcher, the
// catalog's only writer, and the source of operator notifications.
//
// Every message is a wire_frame. A caller first authenticates (auth.h);
// each later call is checked against its role (roles.h), and a refused call
// is answered ROLE_REFUSED and written to the audit log.
//
// The actor owns the catalog; nothing else may write it while it runs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "tapeline/catalog/catalog.h"
#include "tapeline/control/auth.h"
#include "tapeline/coordinator/config.h"

namespace tapeline::coordinator {

// A source of Unix seconds; tests pass a fixed or stepping clock.
using clock_fn = std::function<int64_t()>;

struct service_deps {
  coordinator_config cfg;
  std::unique_ptr<catalog::catalog> cat;
  std::shared_ptr<const control::verifier> verifier;
  clock_fn now;
  // How often the scheduler and the dispatcher's timers look again.
  std::chrono::milliseconds tick{1000};
};

caf::actor spawn_service(caf::actor_system& sys, service_deps deps);

}  // namespace tapeline::coordinator
