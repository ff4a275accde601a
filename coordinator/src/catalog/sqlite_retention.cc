// Retention: expiry, and which tapes may return to scratch
// (docs/catalog.md "Retention"). An object is *retained* at `now` when it
// is pending, writing or restorable and not past its expiry; a retained
// delta also retains its parent, transitively.
#include "rows.h"
#include "sqlite_catalog.h"

namespace tapeline::catalog {
namespace {

#define TL_RETAINED(o)                                         \
  "(" o ".state IN ('pending','writing','restorable') AND (" o \
  ".expires_at IS NULL OR " o ".expires_at > ?2))"

// Objects on tape ?1 that something retained at ?2 needs: the object
// itself, or a retained descendant. Row: needed object, retained one.
const char* const needed_on_tape =
    "WITH RECURSIVE dependents(id, root) AS ("
    "  SELECT DISTINCT object_id, object_id FROM extents WHERE barcode = ?1"
    "  UNION"
    "  SELECT o.id, d.root FROM objects o JOIN dependents d"
    "    ON o.parent_id = d.id) "
    "SELECT d.root, d.id FROM dependents d JOIN objects o ON o.id = d.id "
    "WHERE " TL_RETAINED("o") " LIMIT ?3";

// A retained descendant of object ?1 at ?2, if any.
const char* const retained_descendant =
    "WITH RECURSIVE dependents(id) AS ("
    "  SELECT id FROM objects WHERE parent_id = ?1"
    "  UNION"
    "  SELECT o.id FROM objects o JOIN dependents d ON o.parent_id = d.id) "
    "SELECT d.id FROM dependents d JOIN objects o ON o.id = d.id "
    "WHERE " TL_RETAINED("o") " LIMIT 1";

}  // namespace

result<std::vector<std::string>> sqlite_catalog::retained_on(
    const std::string& barcode, int64_t now, int limit) {
  return query_all<std::string>(
      db_.get(), needed_on_tape,
      [&](stmt& s) { s.bind(1, barcode).bind(2, now).bind(3, int64_t{limit}); },
      [](const stmt& s) {
        std::string root = s.text(0), by = s.text(1);
        return root == by ? "object " + root + " is retained"
                          : "object " + root + " is needed by retained " + by;
      });
}

result<std::vector<std::string>> sqlite_catalog::expire_objects(int64_t now) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto due = query_all<std::string>(
      db_.get(),
      "SELECT id FROM objects WHERE state = 'restorable' "
      "AND expires_at <= ?1 ORDER BY created_at",
      [&](stmt& s) { s.bind(1, now); },
      [](const stmt& s) { return s.text(0); });
  if (!due.ok()) return due.error();
  std::vector<std::string> expired;
  for (const auto& id : *due) {
    auto kept = query_all<std::string>(
        db_.get(), retained_descendant,
        [&](stmt& s) { s.bind(1, id).bind(2, now); },
        [](const stmt& s) { return s.text(0); });
    if (!kept.ok()) return kept.error();
    if (!kept->empty()) continue;  // a retained delta still needs it
    auto q = db_->prepare("UPDATE objects SET state = 'expired' WHERE id = ?1");
    if (!q.ok()) return q.error();
    TL_RETURN_IF_ERROR(q->bind(1, id).run());
    expired.push_back(id);
  }
  TL_RETURN_IF_ERROR(t.commit());
  return expired;
}

result<std::vector<tape>> sqlite_catalog::reclaimable_tapes(int64_t now) {
  auto written = query_all<tape>(
      db_.get(),
      std::string("SELECT ") + tape_columns +
          " FROM tapes WHERE state IN ('full','offsite','vaulted','expired') "
          "ORDER BY barcode",
      [](stmt&) {}, read_tape);
  if (!written.ok()) return written.error();
  std::vector<tape> out;
  for (auto& t : *written) {
    auto needed = retained_on(t.barcode, now, 1);
    if (!needed.ok()) return needed.error();
    if (needed->empty()) out.push_back(std::move(t));
  }
  return out;
}

status sqlite_catalog::return_to_scratch(const std::string& barcode,
                                         int64_t now) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto tp = get_tape(barcode);
  if (!tp.ok()) return tp.error();
  auto refuse = [&](const std::string& why) {
    return make_error(code::invalid_argument,
                      "tape " + barcode + " cannot return to scratch: " + why);
  };
  if (is_offsite(tp->state))
    return refuse(std::string("it is ") + to_string(tp->state) + " (" +
                  tp->location + "); recall it to the site first");
  if (tp->state == tape_state::loaded || tp->state == tape_state::retired)
    return refuse(std::string("it is ") + to_string(tp->state));
  auto needed = retained_on(barcode, now, 1);
  if (!needed.ok()) return needed.error();
  if (!needed->empty())
    return refuse(needed->front() + "; expire it first or keep the tape");
  auto del = db_->prepare("DELETE FROM extents WHERE barcode = ?1");
  if (!del.ok()) return del.error();
  TL_RETURN_IF_ERROR(del->bind(1, barcode).run());
  auto upd = db_->prepare(
      "UPDATE tapes SET state = 'scratch', bytes_used = 0, updated_at = ?2 "
      "WHERE barcode = ?1");
  if (!upd.ok()) return upd.error();
  TL_RETURN_IF_ERROR(upd->bind(1, barcode).bind(2, now).run());
  return t.commit();
}

}  // namespace tapeline::catalog
