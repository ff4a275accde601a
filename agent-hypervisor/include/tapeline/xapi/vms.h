// Typed helpers over XAPI's VM, VBD and VDI classes: what the hv agent
// needs to find VMs, their disks, and to snapshot them.
//
// Snapshots the agent makes are tagged in other_config, so a janitor can find
// them after a crash: `<key>` = the caller's value (e.g. a job id) and
// `<key>.created` = the creation time the caller passes (seconds since the
// epoch, decimal). The caller may add more keys with set_other_config().
//
// All functions use the client from the calling thread (client.h). Refs are
// "OpaqueRef:…" strings; "OpaqueRef:NULL" is the null ref.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/xapi/client.h"

namespace tapeline::xapi {

constexpr const char* null_ref = "OpaqueRef:NULL";

struct vm_info {
  std::string ref;
  std::string uuid;
  std::string name_label;
  std::string power_state;    // Running, Halted, ...
  std::string snapshot_time;  // XAPI datetime, "20261129T22:15:00Z"
  std::string snapshot_of;    // for a snapshot: the VM's ref
  std::map<std::string, std::string> other_config;
};

struct disk_info {
  std::string userdevice;  // "0", "1", ...: the disk's position
  std::string vbd;         // VBD ref
  std::string vdi;         // VDI ref
  std::string vdi_uuid;
  std::string name_label;  // the VDI's
  uint64_t virtual_size = 0;
};

// VMs that are neither templates, snapshots nor the control domain.
result<std::vector<vm_info>> list_vms(client& c);

// The VM whose uuid or name_label is `name_or_uuid` (not a template,
// snapshot or dom0). not_found lists nothing; invalid_argument when several
// VMs share the name (give the uuid instead).
result<vm_info> find_vm(client& c, const std::string& name_or_uuid);

// The VM (or snapshot) with ref `vm`.
result<vm_info> get_vm(client& c, const std::string& vm);

// The VM's (or snapshot's) disks: VBDs of type Disk with a non-null VDI,
// ordered by userdevice. `about` names the VM in messages ("VM web01").
result<std::vector<disk_info>> vm_disks(client& c, const std::string& vm,
                                        const std::string& about);

struct snapshot_tag {
  std::string key;      // e.g. "tapeline.snapshot"
  std::string value;    // e.g. the job id
  int64_t created = 0;  // seconds since the epoch (the caller's clock)
};

// VM.snapshot(vm, name), then VM.set_is_a_template(false) and the tag in
// other_config. Returns the snapshot's ref. When a step after the snapshot
// fails, the snapshot is destroyed again (destroy_snapshot) and the first
// error returned.
result<std::string> snapshot_vm(client& c, const std::string& vm,
                                const std::string& name,
                                const snapshot_tag& tag,
                                const std::string& about);

// VM.add_to_other_config after VM.remove_from_other_config (replaces).
status set_other_config(client& c, const std::string& vm,
                        const std::string& key, const std::string& value);

struct tagged_snapshot_info {
  vm_info snapshot;  // other_config holds the tag
  std::string tag_value;
  int64_t created = 0;  // from <key>.created; 0 when absent or unparsable
};

// Snapshots whose other_config holds `key` (VM.get_all_records filtered by
// is_a_snapshot and the key).
result<std::vector<tagged_snapshot_info>> list_tagged_snapshots(
    client& c, const std::string& key);

// Destroys a snapshot: VDI.destroy on each of its disks' VDIs, then
// VM.destroy. Goes on after a failed VDI (objects already gone count as
// destroyed) and returns the first error, naming what is left, so that a
// later call can finish the job. VDIs go first: after a crash the tagged
// snapshot VM is still there for the janitor to find.
status destroy_snapshot(client& c, const std::string& snapshot,
                        const std::string& about);

// VDI.snapshot(vdi, {}); returns the new VDI's ref.
result<std::string> snapshot_vdi(client& c, const std::string& vdi,
                                 const std::string& about);

}  // namespace tapeline::xapi
