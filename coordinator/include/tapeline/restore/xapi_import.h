// Restoring into XAPI (`--to xapi:SR-UUID`, docs/restore.md): a new VDI on
// the SR (VDI.create), filled from a restored raw disk through PUT
// /import_raw_vdi (agent-hypervisor's xapi::import_raw).
//
// Blocking; uses its own XAPI session. Thread-safe across calls.
#pragma once

#include <cstdint>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::restore {

struct xapi_options {
  std::string url;          // https://pool-master, or unix:///var/lib/xcp/xapi
  std::string credentials;  // username/password file, mode 0600
  std::string cafile;       // https: the pool's CA; empty: the system store
};

struct import_spec {
  std::string sr_uuid;
  std::string raw_path;     // the restored disk, raw
  std::string name_label;   // the new VDI's name
  std::string description;  // e.g. "restored by Tapeline from object …"
};

// Creates the VDI (size: the raw file's), imports the file, and returns the
// new VDI's uuid. On a failed import the new VDI is destroyed. Errors name
// the SR and the step.
result<std::string> import_to_xapi(const xapi_options& x,
                                   const import_spec& spec);

}  // namespace tapeline::restore
