// See rows.h.
#include "rows.h"

namespace tapeline::catalog {

tape read_tape(const stmt& s) {
  tape t;
  t.barcode = s.text(0);
  t.pool = s.text(1);
  t.media_type = s.text(2);
  t.capacity_bytes = s.i64(3);
  t.bytes_used = s.i64(4);
  t.state = parse_tape_state(s.text(5)).value_or(tape_state::retired);
  t.location = s.text(6);
  t.label_uuid = s.text(7);
  t.media_set = s.text(8);
  t.media_set_seq = s.i64(9);
  t.record_size = s.i64(10);
  t.labelled_at = s.i64(11);
  t.updated_at = s.i64(12);
  return t;
}

object read_object(const stmt& s) {
  object o;
  o.id = s.text(0);
  o.kind = s.text(1);
  o.vm_name = s.text(2);
  o.vm_uuid = s.text(3);
  o.vdi_uuid = s.text(4);
  o.disk = s.i64(5);
  o.parent_id = s.text(6);
  o.delta = s.i64(7) != 0;
  o.payload_format = s.text(8);
  o.expected_size = s.i64(9);
  if (!s.is_null(10)) o.payload_bytes = s.i64(10);
  o.sha256 = s.text(11);
  o.source_sha256 = s.text(12);
  o.created_at = s.i64(13);
  if (!s.is_null(14)) o.expires_at = s.i64(14);
  o.state = parse_object_state(s.text(15)).value_or(object_state::failed);
  o.error = s.text(16);
  return o;
}

extent read_extent(const stmt& s) {
  extent e;
  e.object_id = s.text(0);
  e.barcode = s.text(1);
  e.file_number = s.i64(2);
  e.part = s.i64(3);
  e.payload_offset = s.i64(4);
  e.payload_length = s.i64(5);
  e.first_block = s.i64(6);
  e.records = s.i64(7);
  e.continues = s.i64(8) != 0;
  e.complete = s.i64(9) != 0;
  return e;
}

job read_job(const stmt& s) {
  job j;
  j.id = s.i64(0);
  j.kind = s.text(1);
  j.state = parse_job_state(s.text(2)).value_or(job_state::failed);
  j.attempts = s.i64(3);
  j.last_error = s.text(4);
  j.drive = s.text(5);
  j.created_at = s.i64(6);
  j.started_at = s.i64(7);
  j.finished_at = s.i64(8);
  j.updated_at = s.i64(9);
  j.spec = s.text(10);
  return j;
}

status not_found(const std::string& what) {
  return make_error(code::not_found, what + " is not in the catalog");
}

}  // namespace tapeline::catalog
