// Column lists and row readers shared by the sqlite_*.cc files, so each
// record is mapped to and from its table in one place. Private.
#pragma once

#include "sqlite_db.h"

namespace tapeline::catalog {

// SELECT <tape_columns> FROM tapes ...
inline constexpr const char* tape_columns =
    "barcode, pool, media_type, capacity_bytes, bytes_used, state, location, "
    "coalesce(label_uuid, ''), coalesce(media_set, ''), media_set_seq, "
    "record_size, labelled_at, updated_at";
tape read_tape(const stmt& s);

inline constexpr const char* object_columns =
    "id, kind, vm_name, vm_uuid, vdi_uuid, disk, coalesce(parent_id, ''), "
    "delta, payload_format, expected_size, payload_bytes, "
    "coalesce(sha256, ''), coalesce(source_sha256, ''), created_at, "
    "expires_at, state, error";
object read_object(const stmt& s);

inline constexpr const char* extent_columns =
    "object_id, barcode, file_number, part, payload_offset, payload_length, "
    "first_block, records, continues, complete";
extent read_extent(const stmt& s);

inline constexpr const char* job_columns =
    "id, kind, state, attempts, last_error, drive, created_at, started_at, "
    "finished_at, updated_at, spec";
job read_job(const stmt& s);

// Runs `sql` (bound by `bind`) and reads every row with `read`.
template <class T, class Bind, class Read>
result<std::vector<T>> query_all(db* d, const std::string& sql, Bind bind,
                                 Read read) {
  auto q = d->prepare(sql);
  if (!q.ok()) return q.error();
  bind(*q);
  std::vector<T> out;
  for (;;) {
    auto row = q->step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back(read(*q));
  }
}

status not_found(const std::string& what);

}  // namespace tapeline::catalog
