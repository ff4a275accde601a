// One VM's disk backup: snapshot the VM, export each disk of the snapshot
// (full, or a VHD delta against an earlier snapshot), stream each export to
// a drive through its own exporter, then keep the snapshot as the next
// delta's base, or remove it on failure.
//
// Snapshot tags, in the snapshot VM's other_config (TAG is the configured
// prefix, "tapeline" by default; janitor.h reads them):
//   TAG            the owner: HOST:PID:START of the agent process
//   TAG.created    Unix seconds
//   TAG.created_ms Unix milliseconds (orders snapshots made within a second)
//   TAG.job        the job id
//   TAG.state      "exporting", then "kept" once every disk is on tape
//   TAG.object.N   the object id of disk N (its userdevice) on tape, the
//                  parent_object_id of the next delta of that disk
//
// Failure rule: if any disk fails, every stream of the job is aborted or
// already closed, the snapshot is destroyed (its VDIs, then the VM), and
// the error names the disk and the cause. Objects already complete on tape
// stay there and are restorable as fulls or deltas of their own chains.
//
// Blocks the calling thread. `make_client` is called once per thread that
// talks to XAPI (the caller's and each exporter's).
#pragma once

#include <caf/actor_system.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/hv_agent/exporter.h"
#include "tapeline/xapi/client.h"

namespace tapeline::hv_agent {

using client_factory = std::function<result<std::unique_ptr<xapi::client>>()>;

struct vdi_backup_request {
  std::string vm;                     // name_label or uuid
  std::vector<std::string> disks;     // userdevices ("0", "1"); empty: all
  std::vector<drive_target> targets;  // disks are dealt out round robin
  // "" for fulls; "auto" for deltas against the VM's newest kept snapshot;
  // otherwise the uuid or name_label of a kept snapshot of this VM. A disk
  // the base lacks (or whose base object is unknown) gets a full.
  std::string base;
  std::string full_format = "vhd";  // "vhd" or "raw"; deltas are VHD
  std::string tag = "tapeline";
  std::string host_name;  // this agent, for the owner tag and manifests
  std::string job_id;     // empty: a new random one
  // 0: destroy the snapshot right after a successful backup.
  std::chrono::seconds retention{14 * 86400};
  stream_settings settings;
  uint64_t read_ahead = 0;  // prefetch_source.h; 0: read inline
  // Have each drive write its session catalog after its last disk.
  bool finish_session = false;
  int64_t now = 0;  // Unix seconds, for tags and manifests
};

struct vdi_backup_result {
  std::string job_id;
  std::string vm_name, vm_uuid;
  std::string snapshot_ref, snapshot_uuid;  // empty when no snapshot was made
  std::string base_snapshot_uuid;           // for deltas
  bool snapshot_kept = false;
  std::vector<export_outcome> objects;  // one per disk, in disk order
  status overall;                       // ok when every disk is on tape
};

// Fails (without a result) only when nothing could start: XAPI
// unreachable, no such VM, no such base. Otherwise returns what happened
// to each disk in `overall` and `objects`.
result<vdi_backup_result> backup_vdis(caf::actor_system& sys,
                                      const client_factory& make_client,
                                      const vdi_backup_request& req);

}  // namespace tapeline::hv_agent
