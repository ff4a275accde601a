// Notifications with their per-channel delivery state, and schedules
// (docs/catalog.md "Notifications", "Schedules").
#include "rows.h"
#include "sqlite_catalog.h"

namespace tapeline::catalog {
namespace {

const char* const notification_columns =
    "id, kind, message, coalesce(barcode, ''), coalesce(drive, ''), "
    "coalesce(job_id, 0), created_at, coalesce(acknowledged_at, 0), "
    "coalesce(ack_by, ''), details";

notification read_notification(const stmt& s) {
  notification n;
  n.id = s.i64(0);
  n.kind = s.text(1);
  n.message = s.text(2);
  n.barcode = s.text(3);
  n.drive = s.text(4);
  n.job_id = s.i64(5);
  n.created_at = s.i64(6);
  n.acknowledged_at = s.i64(7);
  n.ack_by = s.text(8);
  n.details = s.text(9);
  return n;
}

schedule read_schedule(const stmt& s) {
  schedule c;
  c.name = s.text(0);
  c.cron = s.text(1);
  c.time_zone = s.text(2);
  c.policy = s.text(3);
  c.enabled = s.i64(4) != 0;
  c.last_run = s.i64(5);
  c.next_run = s.i64(6);
  return c;
}

}  // namespace

result<int64_t> sqlite_catalog::add_notification(
    const notification& n, const std::vector<std::string>& channels) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto q = db_->prepare(
      "INSERT INTO notifications(kind, message, barcode, drive, job_id, "
      "created_at, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!q.ok()) return q.error();
  q->bind(1, n.kind).bind(2, n.message);
  q->bind_text_or_null(3, n.barcode).bind_text_or_null(4, n.drive);
  if (n.job_id)
    q->bind(5, n.job_id);
  else
    q->bind_null(5);
  TL_RETURN_IF_ERROR(q->bind(6, n.created_at)
                         .bind(7, n.details)
                         .run()
                         .with_context("storing notification " + n.kind));
  int64_t id = db_->last_insert_id();
  for (const auto& c : channels) {
    auto d = db_->prepare(
        "INSERT INTO deliveries(notification_id, channel, state, updated_at) "
        "VALUES (?1, ?2, 'pending', ?3)");
    if (!d.ok()) return d.error();
    TL_RETURN_IF_ERROR(d->bind(1, id).bind(2, c).bind(3, n.created_at).run());
  }
  TL_RETURN_IF_ERROR(t.commit());
  return id;
}

status sqlite_catalog::load_deliveries(notification* n) {
  auto ds = query_all<delivery>(
      db_.get(),
      "SELECT channel, state, attempts, last_error, updated_at "
      "FROM deliveries WHERE notification_id = ?1 ORDER BY channel",
      [&](stmt& s) { s.bind(1, n->id); },
      [](const stmt& s) {
        delivery d;
        d.channel = s.text(0);
        d.state =
            parse_delivery_state(s.text(1)).value_or(delivery_state::failed);
        d.attempts = s.i64(2);
        d.last_error = s.text(3);
        d.updated_at = s.i64(4);
        return d;
      });
  if (!ds.ok()) return ds.error();
  n->deliveries = std::move(*ds);
  return {};
}

result<notification> sqlite_catalog::get_notification(int64_t id) {
  auto all = query_all<notification>(
      db_.get(),
      std::string("SELECT ") + notification_columns +
          " FROM notifications WHERE id = ?1",
      [&](stmt& s) { s.bind(1, id); }, read_notification);
  if (!all.ok()) return all.error();
  if (all->empty()) return not_found("notification " + std::to_string(id));
  TL_RETURN_IF_ERROR(load_deliveries(&all->front()));
  return all->front();
}

status sqlite_catalog::set_delivery(int64_t id, const std::string& channel,
                                    delivery_state state,
                                    const std::string& error, int64_t now) {
  auto q = db_->prepare(
      "UPDATE deliveries SET state = ?3, last_error = ?4, updated_at = ?5, "
      "attempts = attempts + 1 WHERE notification_id = ?1 AND channel = ?2");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id)
                         .bind(2, channel)
                         .bind(3, std::string(to_string(state)))
                         .bind(4, error)
                         .bind(5, now)
                         .run());
  if (db_->changes() == 0)
    return not_found("delivery of notification " + std::to_string(id) + " by " +
                     channel);
  return {};
}

status sqlite_catalog::acknowledge(int64_t id, const std::string& by,
                                   int64_t now) {
  transaction t(db_.get());
  TL_RETURN_IF_ERROR(t.begin());
  auto n = get_notification(id);
  if (!n.ok()) return n.error();
  if (n->acknowledged_at)
    return make_error(
        code::invalid_argument,
        "notification " + std::to_string(id) + " was already acknowledged by " +
            n->ack_by + " at Unix time " + std::to_string(n->acknowledged_at));
  auto q = db_->prepare(
      "UPDATE notifications SET acknowledged_at = ?2, ack_by = ?3 "
      "WHERE id = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(q->bind(1, id).bind(2, now).bind(3, by).run());
  return t.commit();
}

result<std::vector<notification>> sqlite_catalog::unacknowledged() {
  auto all = query_all<notification>(
      db_.get(),
      std::string("SELECT ") + notification_columns +
          " FROM notifications WHERE acknowledged_at IS NULL ORDER BY id",
      [](stmt&) {}, read_notification);
  if (!all.ok()) return all.error();
  for (auto& n : *all) TL_RETURN_IF_ERROR(load_deliveries(&n));
  return all;
}

result<std::vector<notification>> sqlite_catalog::undelivered(
    uint32_t max_attempts) {
  auto all = query_all<notification>(
      db_.get(),
      std::string("SELECT ") + notification_columns +
          " FROM notifications WHERE id IN (SELECT notification_id FROM "
          "deliveries WHERE state != 'sent' AND attempts < ?1) ORDER BY id",
      [&](stmt& s) { s.bind(1, int64_t{max_attempts}); }, read_notification);
  if (!all.ok()) return all.error();
  for (auto& n : *all) TL_RETURN_IF_ERROR(load_deliveries(&n));
  return all;
}

status sqlite_catalog::put_schedule(const schedule& s) {
  auto q = db_->prepare(
      "INSERT INTO schedules(name, cron, time_zone, policy, enabled, "
      "last_run, next_run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT(name) DO UPDATE SET cron = ?2, time_zone = ?3, "
      "policy = ?4, enabled = ?5, last_run = ?6, next_run = ?7");
  if (!q.ok()) return q.error();
  return q->bind(1, s.name)
      .bind(2, s.cron)
      .bind(3, s.time_zone)
      .bind(4, s.policy)
      .bind(5, int64_t(s.enabled))
      .bind(6, s.last_run)
      .bind(7, s.next_run)
      .run()
      .with_context("storing schedule " + s.name);
}

result<std::vector<schedule>> sqlite_catalog::list_schedules() {
  return query_all<schedule>(
      db_.get(),
      "SELECT name, cron, time_zone, policy, enabled, last_run, next_run "
      "FROM schedules ORDER BY name",
      [](stmt&) {}, read_schedule);
}

status sqlite_catalog::record_schedule_run(const std::string& name,
                                           int64_t last_run, int64_t next_run) {
  auto q = db_->prepare(
      "UPDATE schedules SET last_run = ?2, next_run = ?3 WHERE name = ?1");
  if (!q.ok()) return q.error();
  TL_RETURN_IF_ERROR(
      q->bind(1, name).bind(2, last_run).bind(3, next_run).run());
  if (db_->changes() == 0) return not_found("schedule " + name);
  return {};
}

}  // namespace tapeline::catalog
