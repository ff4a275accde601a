// Jobs: a state machine (docs/catalog.md "Jobs").
//   queued -> running -> done | failed | cancelled
//   queued -> cancelled;  running -> queued (retry after an error)
#include "rows.h"
#include "sqlite_catalog.h"

namespace tapeline::catalog {
namespace {

bool allowed(job_state from, job_state to) {
  using s = job_state;
  switch (from) {
    case s::queued:
      return to == s::running || to == s::cancelled;
    case s::running:
      return to == s::done || to == s::failed || to == s::cancelled ||
             to == s::queued;
    default:
      return false;  // done, failed and cancelled are final
  }
}

bool final_state(job_state s) {
  return s == job_state::done || s == job_state::failed ||
         s == job_state::cancelled;
}

}  // namespace

result<int64_t> sqlite_catalog::add_job(const job& j) {
  if (j.kind.empty())
    return make_error(code::invalid_argument, "a job needs a kind");
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto q = db_->prepare(
      "INSERT INTO jobs(kind, state, drive, created_at, updated_at, spec) "
      "VALUES (?1, 'queued', ?2, ?3, ?3, ?4)");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, j.kind)
                         .bind(2, j.drive)
                         .bind(3, j.created_at)
                         .bind(4, j.spec)
                         .run());
  int64_t id = db_->last_insert_id();
  for (const auto& o : j.object_ids) {
    auto link = db_->prepare(
        "INSERT INTO job_objects(job_id, object_id) VALUES (?1, ?2)");
    if (!link.ok()) return link.error();
    TL_RETURN_IF_ERROR(link->bind(1, id).bind(2, o).run().with_context(
        "job " + j.kind + " names object " + o +
        ", which is not in the catalog"));
  }
  TL_RETURN_IF_ERROR(t.commit());
  return id;
}

result<job> sqlite_catalog::get_job(int64_t id) {
  auto all = query_all<job>(
      db_.get(),
      std::string("SELECT ") + job_columns + " FROM jobs WHERE id = ?1",
      [&](stmt& s) { s.bind(1, id); }, read_job);
  if (!all.ok()) return all.error();
  if (all->empty()) return not_found("job " + std::to_string(id));
  job j = all->front();
  auto objs = query_all<std::string>(
      db_.get(),
      "SELECT object_id FROM job_objects WHERE job_id = ?1 ORDER BY object_id",
      [&](stmt& s) { s.bind(1, id); }, [](const stmt& s) { return s.text(0); });
  if (!objs.ok()) return objs.error();
  j.object_ids = std::move(*objs);
  return j;
}

status sqlite_catalog::transition_job(int64_t id, job_state to, int64_t now,
                                      const std::string& error,
                                      const std::string& drive) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto j = get_job(id);
  if (!j.ok()) return j.error();
  if (!allowed(j->state, to))
    return make_error(code::invalid_argument,
                      "job " + std::to_string(id) + " (" + j->kind +
                          ") cannot go from " + to_string(j->state) + " to " +
                          to_string(to) + ": refused");
  bool starts = to == job_state::running;
  auto q = db_->prepare(
      "UPDATE jobs SET state = ?2, updated_at = ?3, "
      "attempts = attempts + ?4, "
      "started_at = CASE WHEN ?4 = 1 THEN ?3 ELSE started_at END, "
      "finished_at = CASE WHEN ?5 = 1 THEN ?3 ELSE finished_at END, "
      "last_error = CASE WHEN ?6 <> '' THEN ?6 ELSE last_error END, "
      "drive = CASE WHEN ?7 <> '' THEN ?7 ELSE drive END "
      "WHERE id = ?1 AND state = ?8");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id)
                         .bind(2, std::string(to_string(to)))
                         .bind(3, now)
                         .bind(4, int64_t(starts))
                         .bind(5, int64_t(final_state(to)))
                         .bind(6, error)
                         .bind(7, drive)
                         .bind(8, std::string(to_string(j->state)))
                         .run());
  return t.commit();
}

result<std::vector<job>> sqlite_catalog::list_jobs(
    std::optional<job_state> state) {
  auto ids = query_all<int64_t>(
      db_.get(),
      "SELECT id FROM jobs WHERE ?1 IS NULL OR state = ?1 ORDER BY id",
      [&](stmt& s) {
        if (state)
          s.bind(1, std::string(to_string(*state)));
        else
          s.bind_null(1);
      },
      [](const stmt& s) { return s.i64(0); });
  if (!ids.ok()) return ids.error();
  std::vector<job> out;
  for (int64_t id : *ids) {
    auto j = get_job(id);
    if (!j.ok()) return j.error();
    out.push_back(std::move(*j));
  }
  return out;
}

status sqlite_catalog::link_job_object(int64_t id,
                                       const std::string& object_id) {
  auto q = db_->prepare(
      "INSERT OR IGNORE INTO job_objects(job_id, object_id) VALUES (?1, ?2)");
  if (!q.ok()) return q.error();
  return q->bind(1, id).bind(2, object_id).run().with_context(
      "job " + std::to_string(id) + " names object " + object_id);
}

result<std::vector<object>> sqlite_catalog::list_objects(
    std::optional<object_state> state) {
  return query_all<object>(
      db_.get(),
      std::string("SELECT ") + object_columns +
          " FROM objects WHERE ?1 IS NULL OR state = ?1 "
          "ORDER BY created_at, id",
      [&](stmt& s) {
        if (state)
          s.bind(1, std::string(to_string(*state)));
        else
          s.bind_null(1);
      },
      read_object);
}

}  // namespace tapeline::catalog
