// The coordinator actor's state and the functions of its parts
// (service.cc: front, auth, registration, events; dispatch.cc: the job
// queue; calls.cc: operator calls; planning.cc: the planner's input).
// Private to the coordinator library.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "tapeline/caf/wire.h"
#include "tapeline/coordinator/service.h"
#include "tapeline/notifier/event.h"
#include "tapeline/planner/plan.h"

namespace tapeline::coordinator {

using json = nlohmann::json;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using notify_atom = caf::atom_constant<caf::atom("notify")>;

struct peer_session {
  std::string name;  // CN
  std::string role;  // empty until authenticated
  std::string nonce;
  caf::actor handle;
};

struct hv_peer {
  caf::actor link;
  std::string host;
  std::vector<v1::VmInfo> vms;
};

struct tape_peer {
  caf::actor link;
  std::string name;
  std::string address;  // for hv agents
};

struct drive_state {
  std::string name;
  std::string agent;  // tape_peer name
  v1::DriveStatus status;
  bool connected = false;
  bool offline = false;
  std::string offline_reason;
  int64_t job = 0;  // in flight
  bool mount_requested = false;  // asked the operator for a tape
};

// What a job does; stored as the catalog job's spec (JSON).
struct job_spec {
  std::string kind = "vm";  // "vm"
  std::string vm_uuid, vm_name;
  std::vector<std::string> disks;  // empty: all
  std::string base;                // "" full, "auto" delta
  std::string format = "vhd";
  std::string pool;
  std::string drive;  // planned drive; any drive of the pool may take it
  std::string policy;
  std::string reason;  // "schedule nightly", "run by alice"
  std::string night;   // YYYY-MM-DD the job belongs to
  json to_json() const;
  static job_spec from_json(const json& j);
};

struct queued_job {
  int64_t id = 0;
  job_spec spec;
  int64_t not_before = 0;
  uint32_t attempts = 0;
  std::string host;      // the hv agent it was sent to
  int64_t deadline = 0;  // lost agent: retry if not back by then
  v1::JobProgress progress;  // the hv agent's latest, while running
};

struct service_state {
  service_deps d;
  std::map<caf::actor_addr, peer_session> sessions;
  std::map<std::string, hv_peer> hvs;      // by host
  std::map<std::string, tape_peer> tapes;  // by certificate name
  std::map<std::string, drive_state> drives;
  std::deque<queued_job> queue;
  std::map<int64_t, queued_job> running;  // job id -> job (spec.drive set)
  std::set<int64_t> unreconciled;         // running at start, not yet seen
  std::vector<caf::actor> watchers;
  caf::actor notifier;  // deliveries (email, webhook); may be null
  int64_t started_at = 0;
  static inline const char* name = "tapeline.coordinator";
};

using service_actor = caf::stateful_actor<service_state>;

// ---- service.cc
int64_t now(service_actor* self);
// Stores a notification, logs it, and pushes it to watchers.
void notify(service_actor* self, const std::string& kind,
            const std::string& message, const std::string& barcode = {},
            const std::string& drive = {}, int64_t job = 0);
void notify(service_actor* self, const notifier::event& e);
void push_watch(service_actor* self, const json& event);
caf::actor spawn_notifier(caf::actor_system& sys, const std::string& path,
                          const notifier::notify_config& cfg, clock_fn now);
// ---- night.cc
// Closes nights whose jobs have all ended (report, rotation ejects).
void night_progress(service_actor* self);
// Asks for a tape where work waits for an empty drive.
void request_tapes(service_actor* self);
// ---- schedules.cc
void load_schedules(service_actor* self);
void check_schedules(service_actor* self);

// ---- dispatch.cc
// Loads queued and running jobs from the catalog at start.
void load_jobs(service_actor* self);
// Adds a job (catalog + queue); returns its id.
result<int64_t> enqueue(service_actor* self, const job_spec& spec);
// Hands queued jobs to idle drives.
void dispatch(service_actor* self);
// A JobReport from an hv agent (live or from its outbox).
status on_job_report(service_actor* self, const v1::JobReport& r);
// An hv agent registered: reconcile the jobs it runs or finished.
void reconcile_hv(service_actor* self, const std::string& host,
                  const v1::RegisterHv& reg);
// An hv agent or a drive is gone: its jobs in flight are retried.
void peer_lost(service_actor* self, const std::string& host);
// Takes a drive offline (its job is retried elsewhere) and tells the
// operator; `next` says what to do (default: check it, `drives online`).
void drive_failed(service_actor* self, const std::string& drive,
                  const std::string& why, const std::string& next = {});
// A tape agent went away / registered again: its drives go offline and
// come back by themselves (the notification is then acknowledged).
void tape_agent_lost(service_actor* self, const std::string& agent);
void tape_agent_back(service_actor* self, const std::string& agent);
// A drive aborted an object: it is recorded failed (also when no report
// will come), and a MEDIA_ERROR takes the drive offline (drive_failed).
void on_object_failed(service_actor* self, const std::string& drive,
                      const v1::DriveEvent& e);
status cancel_job(service_actor* self, int64_t id, const std::string& by);
json job_json(service_actor* self, const catalog::job& j);

// ---- calls.cc
// An operator call; returns the reply's JSON or an error.
result<json> operator_call(service_actor* self, const std::string& command,
                           const json& args, const std::string& caller,
                           caf::actor caller_handle);

// ---- planning.cc
result<planner::planner_input> planner_input_for(service_actor* self,
                                                 int64_t night_start);
// Runs a night now: plan, jobs. `why`: "schedule nightly", "run by alice".
result<json> start_night(service_actor* self, const std::string& why,
                         const std::vector<std::string>& only_vms);
std::string day_string(int64_t unix_seconds, const std::string& tz);

}  // namespace tapeline::coordinator
