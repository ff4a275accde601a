// Schema and migrations; docs/catalog.md documents every table.
#include "schema.h"

namespace tapeline::catalog {
namespace {

const char* const v1_sql = R"sql(
CREATE TABLE tapes(
  barcode TEXT PRIMARY KEY,
  pool TEXT NOT NULL DEFAULT '',
  media_type TEXT NOT NULL DEFAULT '',
  capacity_bytes INTEGER NOT NULL DEFAULT 0 CHECK(capacity_bytes >= 0),
  bytes_used INTEGER NOT NULL DEFAULT 0 CHECK(bytes_used >= 0),
  state TEXT NOT NULL CHECK(state IN ('scratch','loaded','full','offsite',
                                      'vaulted','expired','retired')),
  location TEXT NOT NULL DEFAULT '',
  label_uuid TEXT,
  media_set TEXT,
  media_set_seq INTEGER NOT NULL DEFAULT 0,
  record_size INTEGER NOT NULL DEFAULT 0,
  labelled_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0);
CREATE INDEX tapes_by_state ON tapes(state, pool);

CREATE TABLE objects(
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  vm_name TEXT NOT NULL DEFAULT '',
  vm_uuid TEXT NOT NULL DEFAULT '',
  vdi_uuid TEXT NOT NULL DEFAULT '',
  disk INTEGER NOT NULL DEFAULT 0,
  parent_id TEXT,
  delta INTEGER NOT NULL CHECK(delta IN (0, 1)),
  payload_format TEXT NOT NULL DEFAULT '',
  expected_size INTEGER NOT NULL DEFAULT -1,
  payload_bytes INTEGER,
  sha256 TEXT,
  source_sha256 TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  state TEXT NOT NULL CHECK(state IN ('pending','writing','restorable',
                                      'failed','expired')),
  error TEXT NOT NULL DEFAULT '',
  CHECK(state <> 'restorable' OR
        (sha256 IS NOT NULL AND payload_bytes IS NOT NULL)));
CREATE INDEX objects_restore ON objects(vm_uuid, disk, delta, created_at)
  WHERE state = 'restorable';
CREATE INDEX objects_by_name ON objects(vm_name, vm_uuid)
  WHERE state = 'restorable';
CREATE INDEX objects_by_parent ON objects(parent_id)
  WHERE parent_id IS NOT NULL;
CREATE INDEX objects_by_expiry ON objects(expires_at)
  WHERE state = 'restorable';

CREATE TABLE extents(
  object_id TEXT NOT NULL REFERENCES objects(id),
  part INTEGER NOT NULL CHECK(part >= 0),
  barcode TEXT NOT NULL REFERENCES tapes(barcode),
  file_number INTEGER NOT NULL CHECK(file_number >= 1),
  payload_offset INTEGER NOT NULL CHECK(payload_offset >= 0),
  payload_length INTEGER NOT NULL CHECK(payload_length >= 0),
  first_block INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,
  continues INTEGER NOT NULL DEFAULT 0 CHECK(continues IN (0, 1)),
  complete INTEGER NOT NULL DEFAULT 0 CHECK(complete IN (0, 1)),
  PRIMARY KEY(object_id, part),
  UNIQUE(barcode, file_number)) WITHOUT ROWID;

CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('queued','running','done','failed',
                                      'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  drive TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL);
CREATE INDEX jobs_by_state ON jobs(state, id);
CREATE TABLE job_objects(
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  object_id TEXT NOT NULL REFERENCES objects(id),
  PRIMARY KEY(job_id, object_id)) WITHOUT ROWID;
CREATE INDEX job_objects_by_object ON job_objects(object_id);

CREATE TABLE schedules(
  name TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  policy TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK(enabled IN (0, 1)),
  last_run INTEGER NOT NULL DEFAULT 0,
  next_run INTEGER NOT NULL DEFAULT 0);

CREATE TABLE notifications(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  barcode TEXT,
  drive TEXT,
  job_id INTEGER REFERENCES jobs(id),
  created_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  ack_by TEXT,
  CHECK((acknowledged_at IS NULL) = (ack_by IS NULL)));
CREATE INDEX notifications_open ON notifications(barcode)
  WHERE acknowledged_at IS NULL;
CREATE TABLE deliveries(
  notification_id INTEGER NOT NULL REFERENCES notifications(id)
    ON DELETE CASCADE,
  channel TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(notification_id, channel)) WITHOUT ROWID;

CREATE TABLE settings(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// The notifier's event in JSON (subject, text, fields), so that a retried
// email or webhook carries what the first attempt did.
const char* const v2_sql = R"sql(
ALTER TABLE notifications ADD COLUMN details TEXT NOT NULL DEFAULT '';
)sql";

// What a job does (the coordinator's order, as JSON), so that a restarted
// coordinator can run or reconcile it.
const char* const v3_sql = R"sql(
ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '';
)sql";

status refuse_corrupt(db* d, const std::string& what,
                      const std::string& detail) {
  return make_error(code::corrupt,
                    "catalog " + d->path() + " failed its " + what + " (" +
                        detail +
                        "): the database is damaged; Tapeline will not use "
                        "it. Restore it from a copy, or move it aside and "
                        "rebuild it from the tapes (docs/catalog.md "
                        "\"Rebuild\")");
}

status check_integrity(db* d) {
  auto q = d->prepare("PRAGMA quick_check");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  std::string first = *row ? q->text(0) : "no answer";
  if (first != "ok") return refuse_corrupt(d, "integrity check", first);
  auto fk = d->prepare("PRAGMA foreign_key_check");
  if (!fk.ok()) return fk.error();
  row = fk->step();
  if (!row.ok()) return row.error();
  if (*row)
    return refuse_corrupt(d, "foreign key check",
                          "a row of table " + fk->text(0) +
                              " refers to a missing row of " + fk->text(2));
  return {};
}

result<int> current_version(db* d) {
  auto q = d->prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  return static_cast<int>(q->i64(0));
}

status apply(db* d, const migration& m, int64_t now) {
  transaction t(d);
  TL_RETURN_IF_ERROR(t.begin());
  // Another process may have migrated meanwhile: check under the lock.
  auto v = current_version(d);
  if (!v.ok()) return v.error();
  if (*v >= m.version) return t.commit();
  TL_RETURN_IF_ERROR(d->exec(m.sql).with_context(
      "migration " + std::to_string(m.version) + " (" + m.description + ")"));
  auto ins = d->prepare(
      "INSERT INTO schema_version(version, description, applied_at) "
      "VALUES (?1, ?2, ?3)");
  if (!ins.ok()) return ins.error();
  TL_RETURN_IF_ERROR(ins->bind(1, int64_t{m.version})
                         .bind(2, std::string(m.description))
                         .bind(3, now)
                         .run());
  return t.commit();
}

}  // namespace

const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
      {1, "tapes, objects, extents, jobs, schedules, notifications, settings",
       v1_sql},
      {2, "notifications.details: the event as JSON", v2_sql},
      {3, "jobs.spec: the order as JSON", v3_sql},
  };
  return all;
}

status check_and_migrate(db* d, int64_t now) {
  TL_RETURN_IF_ERROR(check_integrity(d));
  TL_RETURN_IF_ERROR(
      d->exec("CREATE TABLE IF NOT EXISTS schema_version("
              "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
              "applied_at INTEGER NOT NULL)"));
  auto v = current_version(d);
  if (!v.ok()) return v.error();
  if (*v > latest_schema_version())
    return make_error(
        code::unavailable,
        "catalog " + d->path() + " has schema version " + std::to_string(*v) +
            ", newer than this Tapeline knows (" +
            std::to_string(latest_schema_version()) +
            "): it was written by a newer Tapeline. Run that version, or "
            "upgrade this one; do not downgrade a catalog");
  for (const auto& m : migrations())
    if (m.version > *v) TL_RETURN_IF_ERROR(apply(d, m, now));
  return {};
}

}  // namespace tapeline::catalog
