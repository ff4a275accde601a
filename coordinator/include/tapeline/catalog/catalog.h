// The catalog: everything Tapeline knows about tapes, objects, extents,
// jobs, schedules and notifications (docs/catalog.md).
//
// One abstract interface, so that a PostgreSQL implementation can follow the
// SQLite one; nothing here names a database type. open() returns the SQLite
// implementation (sqlite_catalog.h).
//
// Ownership: the caller owns the catalog; it closes the database when
// destroyed. Thread-safety: one catalog is used by one thread at a time (the
// coordinator's catalog actor is its only writer, DESIGN.md "Catalog").
// Several processes may open the same file; SQLite serializes writers.
//
// Every mutating call is one transaction: it either happens whole or not at
// all, whatever crashes. Errors are values: code::not_found for an unknown
// tape/object/job, code::invalid_argument for a refused change (illegal
// transition, not restorable yet, ...) with the reason, code::corrupt for a
// damaged database, code::io_error for the rest.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tapeline/catalog/records.h"
#include "tapeline/common/status.h"

namespace tapeline::catalog {

// What find() asks for: a VM by name or uuid, a disk (all disks when
// nullopt), and a time (now / newest when nullopt).
struct find_query {
  std::string vm;  // name or uuid
  std::optional<uint32_t> disk;
  std::optional<int64_t> at;
};

class catalog {
 public:
  virtual ~catalog() = default;

  // Schema version of the open database (docs/catalog.md "Migrations").
  virtual result<int> schema_version() = 0;

  // --- Tapes -------------------------------------------------------------
  // Inserts or replaces the tape named t.barcode.
  virtual status put_tape(const tape& t) = 0;
  virtual result<tape> get_tape(const std::string& barcode) = 0;
  virtual result<std::vector<tape>> list_tapes() = 0;
  // Moves a tape (e.g. to offsite, with its location) and, in the same
  // transaction, acknowledges every open notification about that tape:
  // `tapeline tapes offsite LTO5-0007` (DESIGN.md "Operator notifications").
  virtual status move_tape(const std::string& barcode, tape_state state,
                           const std::string& location, const std::string& by,
                           int64_t now) = 0;

  // --- Objects and extents (write ordering: docs/catalog.md) -------------
  // Adds a planned object in state pending. Refuses a duplicate id.
  virtual status add_object(const object& o) = 0;
  virtual result<object> get_object(const std::string& id) = 0;
  // pending -> writing: a drive accepted the stream.
  virtual status mark_writing(const std::string& id) = 0;
  // Records a drive's successful StreamResult: its SHA-256, size and
  // extents (durable parts). The object stays `writing`: it is not
  // restorable until mark_restorable() verifies it.
  virtual status record_write(const write_report& r) = 0;
  // The restorable rule, as one transaction: the object becomes restorable
  // only if its extents are complete and cover [0, payload_bytes) part by
  // part without gap or overlap, the drive's SHA-256 equals
  // `source_sha256`, and the size matches the manifest's. Otherwise nothing
  // changes and the status says why (code::invalid_argument, or
  // code::corrupt for a checksum mismatch).
  virtual status mark_restorable(const std::string& id,
                                 const std::string& source_sha256) = 0;
  // Any state but restorable/expired -> failed, with the reason.
  virtual status mark_failed(const std::string& id,
                             const std::string& reason) = 0;
  virtual status set_expiry(const std::string& id,
                            std::optional<int64_t> expires_at) = 0;
  virtual result<std::vector<extent>> extents_of(const std::string& id) = 0;
  // Every extent on tape `barcode`, in tape file order (verify TAPE).
  virtual result<std::vector<extent>> extents_on_tape(
      const std::string& barcode) = 0;

  // --- Rebuild (tape-format.md §9) ----------------------------------------
  // Recreates tapes, objects and extents from tapes as read back (see
  // rebuild.h), all in one transaction. Idempotent. A tape's extents are
  // replaced by what its catalog lists; an existing tape keeps its state
  // and location. Objects spanning tapes are joined by id and part; one is
  // restorable once every part is present and complete with its SHA-256.
  virtual status ingest(const std::vector<tape_contents>& tapes,
                        int64_t now) = 0;

  // --- Find -----------------------------------------------------------------
  // The restore chain of each matching disk as of q.at: the newest
  // restorable full at or before it, then its restorable deltas in chain
  // order up to it, each with its extents. code::not_found when the VM or
  // disk has no restorable full by then; code::invalid_argument when a name
  // matches several VM uuids.
  virtual result<std::vector<restore_chain>> find(const find_query& q) = 0;

  // --- Retention -------------------------------------------------------------
  // Marks expired every restorable object whose expiry is at or before
  // `now`, except those that a retained delta still needs (transitively).
  // Returns the ids expired.
  virtual result<std::vector<std::string>> expire_objects(int64_t now) = 0;
  // Tapes that may return to scratch: written tapes (full, offsite,
  // vaulted, expired) holding nothing retained at `now`, counting the
  // ancestors a retained delta needs. Off-site ones must be recalled first.
  virtual result<std::vector<tape>> reclaimable_tapes(int64_t now) = 0;
  // Returns a reclaimable tape to scratch and forgets its extents; refuses,
  // naming an object, when something retained is still on it.
  virtual status return_to_scratch(const std::string& barcode, int64_t now) = 0;

  // --- Jobs: queued -> running -> done | failed | cancelled ----------------
  // (also queued -> cancelled, and running -> queued to retry)
  virtual result<int64_t> add_job(const job& j) = 0;
  virtual result<job> get_job(int64_t id) = 0;
  // Refuses an illegal transition with code::invalid_argument. Entering
  // running counts an attempt and sets the drive when given; `error` is
  // kept as last_error when not empty.
  virtual status transition_job(int64_t id, job_state to, int64_t now,
                                const std::string& error = {},
                                const std::string& drive = {}) = 0;
  virtual result<std::vector<job>> list_jobs(
      std::optional<job_state> state) = 0;
  // Records that job `id` made object `object_id` (already in the catalog).
  virtual status link_job_object(int64_t id, const std::string& object_id) = 0;
  // Objects in `state` (all when nullopt), oldest first: the planner's
  // retained objects and size history.
  virtual result<std::vector<object>> list_objects(
      std::optional<object_state> state) = 0;

  // --- Schedules
  // --------------------------------------------------------------
  virtual status put_schedule(const schedule& s) = 0;
  virtual result<std::vector<schedule>> list_schedules() = 0;
  virtual status record_schedule_run(const std::string& name, int64_t last_run,
                                     int64_t next_run) = 0;

  // --- Notifications ---------------------------------------------------------
  // Stores it with one pending delivery per channel; returns its id.
  virtual result<int64_t> add_notification(
      const notification& n, const std::vector<std::string>& channels) = 0;
  virtual result<notification> get_notification(int64_t id) = 0;
  virtual status set_delivery(int64_t id, const std::string& channel,
                              delivery_state state, const std::string& error,
                              int64_t now) = 0;
  // Refuses a second acknowledgement (it says who acknowledged, and when).
  virtual status acknowledge(int64_t id, const std::string& by,
                             int64_t now) = 0;
  virtual result<std::vector<notification>> unacknowledged() = 0;
  // Notifications (acknowledged or not) with at least one delivery not yet
  // sent and tried fewer than `max_attempts` times, oldest first, each with
  // all its deliveries: what the notifier may retry.
  virtual result<std::vector<notification>> undelivered(
      uint32_t max_attempts) = 0;

  // --- Settings (small key/value) ----------------------------------------
  virtual status put_setting(const std::string& key,
                             const std::string& value) = 0;
  // code::not_found when unset.
  virtual result<std::string> get_setting(const std::string& key) = 0;
};

// Test hook: called before each SQL statement runs with the statement's
// first words. A test may _exit() inside it to simulate a crash there.
using fault_hook = std::function<void(const std::string& sql)>;

struct open_options {
  fault_hook before_statement;  // empty in production
};

// Opens (creating if missing) the SQLite catalog at `path`: WAL, foreign
// keys on, integrity checked, migrations applied. Refuses a corrupt file
// (code::corrupt) and a database newer than this build (code::unavailable),
// saying what to do.
result<std::unique_ptr<catalog>> open(const std::string& path,
                                      const open_options& options = {});

}  // namespace tapeline::catalog
