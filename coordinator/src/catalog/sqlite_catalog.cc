// open(), tapes and settings of the SQLite catalog.
#include "sqlite_catalog.h"

#include <ctime>

#include "rows.h"
#include "schema.h"

namespace tapeline::catalog {
namespace {

status set_pragmas(db* d) {
  TL_RETURN_IF_ERROR(d->exec("PRAGMA foreign_keys = ON"));
  auto wal = d->prepare("PRAGMA journal_mode = WAL");
  if (!wal.ok()) return wal.error();
  auto row = wal->step();
  if (!row.ok()) return row.error();
  std::string mode = *row ? wal->text(0) : "";
  if (mode != "wal")
    return make_error(code::io_error,
                      "catalog " + d->path() +
                          ": SQLite refused WAL mode (journal_mode is '" +
                          mode + "'): put the catalog on a local file system");
  // FULL: a commit that returned survives a power cut, so "restorable" in
  // the catalog is never lost after the coordinator said so.
  TL_RETURN_IF_ERROR(d->exec("PRAGMA synchronous = FULL"));
  // 64 MiB of page cache (the default is 2 MiB): the indexes of a catalog
  // of a million objects stay in memory.
  return d->exec("PRAGMA cache_size = -65536");
}

}  // namespace

result<std::unique_ptr<catalog>> open(const std::string& path,
                                      const open_options& options) {
  auto d = db::open(path, options.before_statement);
  if (!d.ok()) return d.error();
  TL_RETURN_IF_ERROR(set_pragmas(d->get()));
  // applied_at is bookkeeping only; everything else takes "now" from the
  // caller.
  TL_RETURN_IF_ERROR(check_and_migrate(d->get(), std::time(nullptr)));
  return std::unique_ptr<catalog>(new sqlite_catalog(std::move(*d)));
}

result<int> sqlite_catalog::schema_version() {
  auto q = db_->prepare("SELECT max(version) FROM schema_version");
  if (!q.ok()) return q.error();
  auto row = q->step();
  if (!row.ok()) return row.error();
  return static_cast<int>(q->i64(0));
}

status sqlite_catalog::put_tape(const tape& t) {
  auto q = db_->prepare(
      "INSERT INTO tapes(barcode, pool, media_type, capacity_bytes, "
      "bytes_used, state, location, label_uuid, media_set, media_set_seq, "
      "record_size, labelled_at, updated_at) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
      "ON CONFLICT(barcode) DO UPDATE SET pool = ?2, media_type = ?3, "
      "capacity_bytes = ?4, bytes_used = ?5, state = ?6, location = ?7, "
      "label_uuid = ?8, media_set = ?9, media_set_seq = ?10, "
      "record_size = ?11, labelled_at = ?12, updated_at = ?13");
  if (!q.ok()) return q.error();
  if (t.barcode.empty())
    return make_error(code::invalid_argument, "a tape needs a barcode");
  return q->bind(1, t.barcode)
      .bind(2, t.pool)
      .bind(3, t.media_type)
      .bind(4, int64_t(t.capacity_bytes))
      .bind(5, int64_t(t.bytes_used))
      .bind(6, std::string(to_string(t.state)))
      .bind(7, t.location)
      .bind_text_or_null(8, t.label_uuid)
      .bind_text_or_null(9, t.media_set)
      .bind(10, int64_t(t.media_set_seq))
      .bind(11, int64_t(t.record_size))
      .bind(12, t.labelled_at)
      .bind(13, t.updated_at)
      .run()
      .with_context("recording tape " + t.barcode);
}

result<tape> sqlite_catalog::get_tape(const std::string& barcode) {
  auto all = query_all<tape>(
      db_.get(),
      std::string("SELECT ") + tape_columns + " FROM tapes WHERE barcode = ?1",
      [&](stmt& s) { s.bind(1, barcode); }, read_tape);
  if (!all.ok()) return all.error();
  if (all->empty()) return not_found("tape " + barcode);
  return all->front();
}

result<std::vector<tape>> sqlite_catalog::list_tapes() {
  return query_all<tape>(
      db_.get(),
      std::string("SELECT ") + tape_columns + " FROM tapes ORDER BY barcode",
      [](stmt&) {}, read_tape);
}

status sqlite_catalog::move_tape(const std::string& barcode, tape_state state,
                                 const std::string& location,
                                 const std::string& by, int64_t now) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto q = db_->prepare(
      "UPDATE tapes SET state = ?2, location = ?3, updated_at = ?4 "
      "WHERE barcode = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, barcode)
                         .bind(2, std::string(to_string(state)))
                         .bind(3, location)
                         .bind(4, now)
                         .run());
  if (db_->changes() == 0) return not_found("tape " + barcode);
  auto ack = db_->prepare(
      "UPDATE notifications SET acknowledged_at = ?2, ack_by = ?3 "
      "WHERE barcode = ?1 AND acknowledged_at IS NULL");
  if (!ack.ok()) return ack.error();
  TL_RETURN_IF_ERROR(ack->bind(1, barcode).bind(2, now).bind(3, by).run());
  return t.commit();
}

status sqlite_catalog::put_setting(const std::string& key,
                                   const std::string& value) {
  auto q = db_->prepare(
      "INSERT INTO settings(key, value) VALUES (?1, ?2) "
      "ON CONFLICT(key) DO UPDATE SET value = ?2");
  if (!q.ok()) return q.error();
  return q->bind(1, key).bind(2, value).run();
}

result<std::string> sqlite_catalog::get_setting(const std::string& key) {
  auto all = query_all<std::string>(
      db_.get(), "SELECT value FROM settings WHERE key = ?1",
      [&](stmt& s) { s.bind(1, key); },
      [](const stmt& s) { return s.text(0); });
  if (!all.ok()) return all.error();
  if (all->empty()) return not_found("setting " + key);
  return all->front();
}

}  // namespace tapeline::catalog
