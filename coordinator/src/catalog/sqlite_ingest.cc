// ingest(): rebuilding the catalog from tapes (tape-format.md §9,
// docs/catalog.md "Rebuild"). One transaction for the whole batch.
#include <set>

#include "rows.h"
#include "sqlite_catalog.h"
#include "tapeline/catalog/restorable.h"

namespace tapeline::catalog {
namespace {

// An existing tape keeps its state, location and capacity: the operator
// set them; the tape only knows its label.
const char* const upsert_tape =
    "INSERT INTO tapes(barcode, pool, media_type, capacity_bytes, bytes_used, "
    "state, location, label_uuid, media_set, media_set_seq, record_size, "
    "labelled_at, updated_at) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT(barcode) DO UPDATE SET pool = ?2, media_type = ?3, "
    "bytes_used = ?5, label_uuid = ?8, media_set = ?9, media_set_seq = ?10, "
    "record_size = ?11, labelled_at = ?12, updated_at = ?13";

// A known object keeps its state and expiry; the tape fills in the size
// and SHA-256 when the database lacks them.
const char* const upsert_object =
    "INSERT INTO objects(id, kind, vm_name, vm_uuid, vdi_uuid, disk, "
    "parent_id, delta, payload_format, expected_size, payload_bytes, sha256, "
    "created_at, state) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'pending') "
    "ON CONFLICT(id) DO UPDATE SET "
    "payload_bytes = coalesce(payload_bytes, ?11), "
    "sha256 = coalesce(sha256, ?12)";

}  // namespace

status sqlite_catalog::ingest(const std::vector<tape_contents>& tapes,
                              int64_t now) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  std::set<std::string> touched;
  for (const auto& tc : tapes) {
    const tape& l = tc.label;
    std::string ctx = "rebuilding from tape " + l.barcode;
    auto q = db_->prepare(upsert_tape);
    if (!q.ok()) return q.error();
    TL_RETURN_IF_ERROR(q->bind(1, l.barcode)
                           .bind(2, l.pool)
                           .bind(3, l.media_type)
                           .bind(4, int64_t(l.capacity_bytes))
                           .bind(5, int64_t(l.bytes_used))
                           .bind(6, std::string(to_string(l.state)))
                           .bind(7, l.location)
                           .bind_text_or_null(8, l.label_uuid)
                           .bind_text_or_null(9, l.media_set)
                           .bind(10, int64_t(l.media_set_seq))
                           .bind(11, int64_t(l.record_size))
                           .bind(12, l.labelled_at)
                           .bind(13, now)
                           .run()
                           .with_context(ctx));
    // What the tape says replaces what the database thought was on it.
    auto del = db_->prepare("DELETE FROM extents WHERE barcode = ?1");
    if (!del.ok()) return del.error();
    TL_RETURN_IF_ERROR(del->bind(1, l.barcode).run());
    for (const auto& o : tc.objects) {
      auto u = db_->prepare(upsert_object);
      if (!u.ok()) return u.error();
      u->bind(1, o.id).bind(2, o.kind).bind(3, o.vm_name).bind(4, o.vm_uuid);
      u->bind(5, o.vdi_uuid).bind(6, int64_t(o.disk));
      u->bind_text_or_null(7, o.parent_id).bind(8, int64_t(o.delta));
      u->bind(9, o.payload_format).bind(10, o.expected_size);
      if (o.payload_bytes)
        u->bind(11, int64_t(*o.payload_bytes));
      else
        u->bind_null(11);
      u->bind_text_or_null(12, o.sha256).bind(13, o.created_at);
      TL_RETURN_IF_ERROR(u->run().with_context(ctx));
      touched.insert(o.id);
    }
    for (auto e : tc.extents) {
      e.barcode = l.barcode;
      TL_RETURN_IF_ERROR(insert_extent(e).with_context(ctx));
    }
  }
  // Decide each touched object's state from all its parts, on every tape.
  for (const auto& id : touched) {
    auto o = load_object(id);
    if (!o.ok()) return o.error();
    if (o->state == object_state::restorable ||
        o->state == object_state::expired)
      continue;
    auto ex = extents_of(id);
    if (!ex.ok()) return ex.error();
    std::string state, why;
    if (check_coverage(*o, *ex).ok()) {
      // The trailer, hence the SHA-256 in the catalog, is written only
      // after the drive matched the sender's SHA-256 (tape-format.md §5).
      state = "restorable";
    } else {
      for (const auto& e : *ex)
        if (!e.complete && !e.continues)
          why = "aborted on tape " + e.barcode + " file " +
                std::to_string(e.file_number);
      state = why.empty() ? to_string(o->state) : "failed";
    }
    auto u = db_->prepare(
        "UPDATE objects SET state = ?2, error = ?3, "
        "source_sha256 = CASE WHEN ?2 = 'restorable' THEN sha256 "
        "ELSE source_sha256 END WHERE id = ?1");
    if (!u.ok()) return u.error();
    TL_RETURN_IF_ERROR(u->bind(1, id).bind(2, state).bind(3, why).run());
  }
  return t.commit();
}

}  // namespace tapeline::catalog
