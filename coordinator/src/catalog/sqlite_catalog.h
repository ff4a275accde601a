// The SQLite implementation of `catalog` (catalog.h). Its methods are split
// by subject across sqlite_*.cc. Private to tapeline_catalog.
#pragma once

#include <memory>

#include "sqlite_db.h"
#include "tapeline/catalog/catalog.h"

namespace tapeline::catalog {

class sqlite_catalog final : public catalog {
 public:
  explicit sqlite_catalog(std::unique_ptr<db> d) : db_(std::move(d)) {}

  result<int> schema_version() override;

  status put_tape(const tape& t) override;
  result<tape> get_tape(const std::string& barcode) override;
  result<std::vector<tape>> list_tapes() override;
  status move_tape(const std::string& barcode, tape_state state,
                   const std::string& location, const std::string& by,
                   int64_t now) override;

  status add_object(const object& o) override;
  result<object> get_object(const std::string& id) override;
  status mark_writing(const std::string& id) override;
  status record_write(const write_report& r) override;
  status mark_restorable(const std::string& id,
                         const std::string& source_sha256) override;
  status mark_failed(const std::string& id, const std::string& reason) override;
  status set_expiry(const std::string& id,
                    std::optional<int64_t> expires_at) override;
  result<std::vector<extent>> extents_of(const std::string& id) override;
  result<std::vector<extent>> extents_on_tape(
      const std::string& barcode) override;

  status ingest(const std::vector<tape_contents>& tapes, int64_t now) override;

  result<std::vector<restore_chain>> find(const find_query& q) override;

  result<std::vector<std::string>> expire_objects(int64_t now) override;
  result<std::vector<tape>> reclaimable_tapes(int64_t now) override;
  status return_to_scratch(const std::string& barcode, int64_t now) override;

  result<int64_t> add_job(const job& j) override;
  result<job> get_job(int64_t id) override;
  status transition_job(int64_t id, job_state to, int64_t now,
                        const std::string& error,
                        const std::string& drive) override;
  result<std::vector<job>> list_jobs(std::optional<job_state> state) override;
  status link_job_object(int64_t id, const std::string& object_id) override;
  result<std::vector<object>> list_objects(
      std::optional<object_state> state) override;

  status put_schedule(const schedule& s) override;
  result<std::vector<schedule>> list_schedules() override;
  status record_schedule_run(const std::string& name, int64_t last_run,
                             int64_t next_run) override;

  result<int64_t> add_notification(
      const notification& n, const std::vector<std::string>& channels) override;
  result<notification> get_notification(int64_t id) override;
  status set_delivery(int64_t id, const std::string& channel,
                      delivery_state state, const std::string& error,
                      int64_t now) override;
  status acknowledge(int64_t id, const std::string& by, int64_t now) override;
  result<std::vector<notification>> unacknowledged() override;
  result<std::vector<notification>> undelivered(uint32_t max_attempts) override;

  status put_setting(const std::string& key, const std::string& value) override;
  result<std::string> get_setting(const std::string& key) override;

 private:
  // Helpers that run inside a caller's transaction.
  result<object> load_object(const std::string& id);
  status insert_extent(const extent& e);
  // Why `o` cannot be restorable with its extents; ok when it can.
  status check_restorable(const object& o);
  result<restore_chain> chain_for(const std::string& vm_uuid, uint32_t disk,
                                  int64_t at);
  result<std::vector<std::string>> retained_on(const std::string& barcode,
                                               int64_t now, int limit);
  status load_deliveries(notification* n);

  std::unique_ptr<db> db_;
};

}  // namespace tapeline::catalog
