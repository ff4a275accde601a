// `tapeline-hv-agent run`: the agent as a daemon under the coordinator
// (docs/architecture.md, "Hypervisor agent").
//
// It keeps a link to the coordinator (control/link.h), registers this
// host's VMs, and runs the BackupOrders the coordinator pushes: each order
// is one backup_vdis() on its own thread, streaming straight to the tape
// agent named in the order. Each ended job's JobReport goes into an outbox
// file (STATE_DIR/outbox.pb) before it is sent, and leaves it only when the
// coordinator has recorded it; registration carries the jobs running and
// the outbox, so a restart of either side loses no job and runs none twice.
//
// An order for a job already running or already reported is not run again:
// the agent answers ok and (re)sends its report.
#pragma once

#include <caf/actor_system.hpp>

#include "tapeline/common/status.h"
#include "tapeline/hv_agent/hv_config.h"
#include "tapeline/hv_agent/vdi_backup.h"

namespace tapeline::hv_agent {

struct daemon_options {
  hv_config cfg;
  client_factory make_client;
  std::string version;
};

// Blocks until SIGINT or SIGTERM (which the caller must have blocked in
// every thread). Errors: no coordinator address, an unwritable state dir.
status run_daemon(caf::actor_system& sys, const daemon_options& o);

}  // namespace tapeline::hv_agent
