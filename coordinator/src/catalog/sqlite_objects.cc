// Objects and extents: the write path and the restorable rule
// (docs/catalog.md "Write ordering").
#include <algorithm>

#include "rows.h"
#include "sqlite_catalog.h"
#include "tapeline/catalog/restorable.h"

namespace tapeline::catalog {
namespace {

status bad_state(const object& o, const std::string& want) {
  return make_error(code::invalid_argument, "object " + o.id + " is " +
                                                to_string(o.state) + ", not " +
                                                want + ": refused");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

status sqlite_catalog::add_object(const object& o) {
  if (o.id.empty())
    return make_error(code::invalid_argument, "an object needs an id");
  auto q = db_->prepare(
      "INSERT INTO objects(id, kind, vm_name, vm_uuid, vdi_uuid, disk, "
      "parent_id, delta, payload_format, expected_size, created_at, "
      "expires_at, state) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending')");
  if (!q.ok()) return q.error();
  return q->bind(1, o.id)
      .bind(2, o.kind)
      .bind(3, o.vm_name)
      .bind(4, o.vm_uuid)
      .bind(5, o.vdi_uuid)
      .bind(6, int64_t(o.disk))
      .bind_text_or_null(7, o.parent_id)
      .bind(8, int64_t(o.delta))
      .bind(9, o.payload_format)
      .bind(10, o.expected_size)
      .bind(11, o.created_at)
      .bind(12, o.expires_at)
      .run()
      .with_context("adding object " + o.id);
}

result<object> sqlite_catalog::load_object(const std::string& id) {
  auto all = query_all<object>(
      db_.get(),
      std::string("SELECT ") + object_columns + " FROM objects WHERE id = ?1",
      [&](stmt& s) { s.bind(1, id); }, read_object);
  if (!all.ok()) return all.error();
  if (all->empty()) return not_found("object " + id);
  return all->front();
}

result<object> sqlite_catalog::get_object(const std::string& id) {
  return load_object(id);
}

result<std::vector<extent>> sqlite_catalog::extents_of(const std::string& id) {
  return query_all<extent>(
      db_.get(),
      std::string("SELECT ") + extent_columns +
          " FROM extents WHERE object_id = ?1 "
          "ORDER BY part",
      [&](stmt& s) { s.bind(1, id); }, read_extent);
}

result<std::vector<extent>> sqlite_catalog::extents_on_tape(
    const std::string& barcode) {
  return query_all<extent>(
      db_.get(),
      std::string("SELECT ") + extent_columns +
          " FROM extents WHERE barcode = ?1 ORDER BY file_number",
      [&](stmt& s) { s.bind(1, barcode); }, read_extent);
}

status sqlite_catalog::insert_extent(const extent& e) {
  auto q = db_->prepare(
      "INSERT OR REPLACE INTO extents(object_id, barcode, file_number, part, "
      "payload_offset, payload_length, first_block, records, continues, "
      "complete) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!q.ok()) return q.error();
  return q->bind(1, e.object_id)
      .bind(2, e.barcode)
      .bind(3, int64_t(e.file_number))
      .bind(4, int64_t(e.part))
      .bind(5, int64_t(e.payload_offset))
      .bind(6, int64_t(e.payload_length))
      .bind(7, int64_t(e.first_block))
      .bind(8, int64_t(e.records))
      .bind(9, int64_t(e.continues))
      .bind(10, int64_t(e.complete))
      .run()
      .with_context("recording part " + std::to_string(e.part) + " of " +
                    e.object_id + " on tape " + e.barcode + " file " +
                    std::to_string(e.file_number));
}

status sqlite_catalog::check_restorable(const object& o) {
  auto ex = extents_of(o.id);
  if (!ex.ok()) return ex.error();
  return check_coverage(o, std::move(*ex));
}

status sqlite_catalog::mark_writing(const std::string& id) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto o = load_object(id);
  if (!o.ok()) return o.error();
  if (o->state != object_state::pending) return bad_state(*o, "pending");
  auto q = db_->prepare("UPDATE objects SET state = 'writing' WHERE id = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id).run());
  return t.commit();
}

status sqlite_catalog::record_write(const write_report& r) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto o = load_object(r.object_id);
  if (!o.ok()) return o.error();
  if (o->state != object_state::pending && o->state != object_state::writing)
    return bad_state(*o, "pending or writing");
  for (const auto& e : r.extents) {
    auto tp = get_tape(e.barcode);
    if (!tp.ok())
      return tp.error().with_context(
          "recording the write of " + r.object_id +
          " (record the tape's label before its objects)");
  }
  auto upd = db_->prepare(
      "UPDATE objects SET state = 'writing', sha256 = ?2, "
      "payload_bytes = ?3 WHERE id = ?1");
  if (!upd.ok()) return upd.error();
  TL_RETURN_IF_ERROR(upd->bind(1, r.object_id)
                         .bind(2, lower(r.sha256))
                         .bind(3, int64_t(r.payload_bytes))
                         .run());
  auto del = db_->prepare("DELETE FROM extents WHERE object_id = ?1");
  if (!del.ok()) return del.error();
  TL_RETURN_IF_ERROR(del->bind(1, r.object_id).run());
  for (auto e : r.extents) {
    e.object_id = r.object_id;
    TL_RETURN_IF_ERROR(insert_extent(e));
  }
  return t.commit();
}

status sqlite_catalog::mark_restorable(const std::string& id,
                                       const std::string& source_sha256) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto o = load_object(id);
  if (!o.ok()) return o.error();
  std::string src = lower(source_sha256);
  if (o->state == object_state::restorable && o->source_sha256 == src)
    return t.commit();  // already done: idempotent
  if (o->state != object_state::writing) return bad_state(*o, "writing");
  TL_RETURN_IF_ERROR(check_restorable(*o));
  if (src.size() != 64)
    return make_error(code::invalid_argument,
                      "object " + id +
                          " is not restorable: the source's SHA-256 '" + src +
                          "' is not 64 hex digits");
  if (src != o->sha256)
    return make_error(code::corrupt,
                      "object " + id +
                          " is not restorable: the drive wrote SHA-256 " +
                          o->sha256 + " but the source computed " + src +
                          "; mark it failed and back it up again");
  auto q = db_->prepare(
      "UPDATE objects SET state = 'restorable', source_sha256 = ?2, "
      "error = '' WHERE id = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id).bind(2, src).run());
  return t.commit();
}

status sqlite_catalog::mark_failed(const std::string& id,
                                   const std::string& reason) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto o = load_object(id);
  if (!o.ok()) return o.error();
  if (o->state == object_state::restorable || o->state == object_state::expired)
    return bad_state(*o, "pending, writing or failed");
  auto q = db_->prepare(
      "UPDATE objects SET state = 'failed', error = ?2 WHERE id = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id).bind(2, reason).run());
  return t.commit();
}

status sqlite_catalog::set_expiry(const std::string& id,
                                  std::optional<int64_t> expires_at) {
  auto q = db_->prepare("UPDATE objects SET expires_at = ?2 WHERE id = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id).bind(2, expires_at).run());
  if (db_->changes() == 0) return not_found("object " + id);
  return {};
}

}  // namespace tapeline::catalog
