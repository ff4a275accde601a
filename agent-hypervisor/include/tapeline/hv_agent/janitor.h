// Which of the agent's own snapshots to delete (pure policy; no XAPI).
//
// The agent tags every snapshot it makes in the snapshot VM's other_config
// (docs/xapi.md, "Snapshot tags"):
//   TAG.owner    HOST:PID:START — the agent process that made it
//   TAG.state    "exporting" while streaming, "kept" once on tape
//   TAG.created  Unix seconds
// A "kept" snapshot is a delta base and a local rollback point; it expires
// after the retention period, except the newest kept snapshot of each VM,
// which stays as long as the VM is backed up (the next delta's base).
// An "exporting" (or "failed") snapshot whose owner process is gone is a
// leftover of a crash and is deleted at once; one whose owner still runs is
// left alone.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tapeline::hv_agent {

struct tagged_snapshot {
  std::string ref;      // the snapshot VM
  std::string name;     // its name_label, for messages
  std::string vm_uuid;  // the VM it is a snapshot of
  std::string state;    // TAG.state
  std::string owner;    // TAG.owner
  int64_t created = 0;  // TAG.created (Unix seconds)
};

struct janitor_decision {
  const tagged_snapshot* snapshot;
  std::string reason;  // "expired: kept 15 days, retention 14 days"
};

// `owner_alive(owner)` tells whether the process named by TAG.owner still
// runs (only ever asked for this host's owners; others are alive).
std::vector<janitor_decision> snapshots_to_delete(
    const std::vector<tagged_snapshot>& snapshots, int64_t now,
    std::chrono::seconds retention,
    const std::function<bool(const std::string& owner)>& owner_alive);

// "HOST:PID:START" for this process; START is its start time in clock ticks
// since boot (/proc/self/stat field 22), so a reused PID is not mistaken
// for us.
std::string this_process_owner(const std::string& host);

// Whether `owner` names a process that still runs on `host` (START must
// match). Owners of other hosts are assumed alive.
bool owner_alive_on(const std::string& host, const std::string& owner);

}  // namespace tapeline::hv_agent
