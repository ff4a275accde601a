// The notifier's side of the catalog: the event's JSON kept with each
// notification (schema version 2, notifications.details), and undelivered(),
// which lists what may be retried. The sqlite3 CLI is the oracle for what is
// stored.
#include "catalog_fixture.h"

namespace tapeline::catalog::testing {
namespace {

using notifications_test = catalog_test;

notification notice(const std::string& kind, int64_t at) {
  notification n;
  n.kind = kind;
  n.message = kind + " at " + std::to_string(at);
  n.details = R"({"kind":")" + kind + R"("})";
  n.created_at = at;
  return n;
}

TEST_F(notifications_test, DetailsAreStoredAndReadBack) {
  auto id = cat->add_notification(notice("drive_error", 10), {"log"});
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(cat->get_notification(*id)->details, R"({"kind":"drive_error"})");
  EXPECT_EQ(cat->unacknowledged()->front().details,
            R"({"kind":"drive_error"})");
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT details FROM notifications"),
            R"({"kind":"drive_error"})");
}

TEST_F(notifications_test, UndeliveredListsWhatMayBeRetried) {
  auto a = cat->add_notification(notice("recall", 1), {"email", "log"});
  auto b = cat->add_notification(notice("job_failed", 2), {"webhook"});
  auto c = cat->add_notification(notice("drive_error", 3), {"log"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  // a: log sent, email failed once. b: webhook failed three times.
  // c: log sent.
  ASSERT_TRUE(cat->set_delivery(*a, "log", delivery_state::sent, "", 5).ok());
  ASSERT_TRUE(
      cat->set_delivery(*a, "email", delivery_state::failed, "down", 5).ok());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(cat->set_delivery(*b, "webhook", delivery_state::failed,
                                  "HTTP 500", 6 + i)
                    .ok());
  ASSERT_TRUE(cat->set_delivery(*c, "log", delivery_state::sent, "", 5).ok());

  auto u = cat->undelivered(3);
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  ASSERT_EQ(u->size(), 1u);  // b has used its three attempts
  EXPECT_EQ(u->front().id, *a);
  ASSERT_EQ(u->front().deliveries.size(), 2u);
  EXPECT_EQ(u->front().deliveries[0].channel, "email");
  EXPECT_EQ(u->front().deliveries[0].last_error, "down");

  u = cat->undelivered(10);
  ASSERT_EQ(u->size(), 2u);
  EXPECT_EQ(u->at(0).id, *a);
  EXPECT_EQ(u->at(1).id, *b);
  EXPECT_EQ(u->at(1).deliveries[0].attempts, 3u);

  // Acknowledged notifications still get their delivery retried.
  ASSERT_TRUE(cat->acknowledge(*a, "alice", 9).ok());
  EXPECT_EQ(cat->undelivered(3)->size(), 1u);
  ASSERT_TRUE(cat->set_delivery(*a, "email", delivery_state::sent, "", 9).ok());
  EXPECT_TRUE(cat->undelivered(3)->empty());
}

}  // namespace
}  // namespace tapeline::catalog::testing
