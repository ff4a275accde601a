// Delivery and retry against a fixed clock: a fake channel that fails on
// demand, the real SQLite catalog, and the backoff schedule.
#include <gtest/gtest.h>

#include "tapeline/notifier/notifier.h"
#include "tapeline/notifier/retry.h"
#include "tapeline/testing/support.h"

namespace tapeline::notifier {
namespace {

using catalog::delivery_state;

TEST(notify_retry, BackoffDoublesUpToTheCap) {
  retry_policy p;
  p.attempts = 10;
  p.backoff = std::chrono::seconds(30);
  p.max_backoff = std::chrono::minutes(5);
  std::vector<int64_t> got;
  for (uint32_t a = 1; a <= 6; ++a) got.push_back(retry_delay_seconds(p, a));
  EXPECT_EQ(got, (std::vector<int64_t>{30, 60, 120, 240, 300, 300}));

  catalog::delivery d;
  EXPECT_EQ(next_attempt_at(p, d), 0);  // never tried: due at once
  d.state = delivery_state::failed;
  d.attempts = 2;
  d.updated_at = 1000;
  EXPECT_EQ(next_attempt_at(p, d), 1060);
  d.attempts = 10;
  EXPECT_EQ(next_attempt_at(p, d), -1);  // out of attempts
  d.attempts = 1;
  d.state = delivery_state::sent;
  EXPECT_EQ(next_attempt_at(p, d), -1);
}

// Fails while `down`, recording every message it was given.
struct fake_channel : channel {
  std::string name_;
  bool* down;
  std::vector<message>* got;
  retry_policy policy;
  fake_channel(std::string n, bool* d, std::vector<message>* g)
      : name_(std::move(n)), down(d), got(g) {
    policy.attempts = 4;
    policy.backoff = std::chrono::seconds(60);
    policy.max_backoff = std::chrono::hours(1);
  }
  std::string name() const override { return name_; }
  bool wants(const std::string& kind) const override {
    return kind != "drive_error";
  }
  retry_policy retry() const override { return policy; }
  status deliver(const message& m) override {
    if (*down) return make_error(code::unavailable, "receiver down");
    got->push_back(m);
    return {};
  }
};

struct notify_retry_test : tapeline::testing::temp_dir {
  std::unique_ptr<catalog::catalog> cat;
  bool down = false;
  std::vector<message> got;
  std::unique_ptr<notifier> n;

  void SetUp() override {
    temp_dir::SetUp();
    auto c = catalog::open(path("catalog.db"));
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cat = std::move(*c);
    std::vector<std::unique_ptr<channel>> chans;
    chans.push_back(std::make_unique<fake_channel>("webhook", &down, &got));
    n = std::make_unique<notifier>(cat.get(), std::move(chans), true);
  }
  catalog::delivery webhook(int64_t id) {
    auto n = cat->get_notification(id);
    if (!n.ok()) ADD_FAILURE() << n.error().to_string();
    if (n.ok())
      for (const auto& d : n->deliveries)
        if (d.channel == "webhook") return d;
    ADD_FAILURE() << "no webhook delivery";
    return {};
  }
};

TEST_F(notify_retry_test, PostStoresDeliversAndFansOut) {
  std::vector<std::string> watched;
  n->watch().subscribe([&](const message& m) { watched.push_back(m.subject); });
  auto id = n->post(tape_ejected("LTO5-0007", "vdi", ""), 1000);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto stored = cat->get_notification(*id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->kind, "tape_ejected");
  EXPECT_EQ(stored->message, "take LTO5-0007 off-site");
  EXPECT_EQ(stored->barcode, "LTO5-0007");
  EXPECT_EQ(stored->created_at, 1000);
  ASSERT_EQ(stored->deliveries.size(), 2u);  // watch, webhook
  for (const auto& d : stored->deliveries) {
    EXPECT_EQ(d.state, delivery_state::sent) << d.channel;
    EXPECT_EQ(d.attempts, 1u);
  }
  EXPECT_EQ(watched, std::vector<std::string>{"take LTO5-0007 off-site"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].json["id"], *id);
  EXPECT_EQ(got[0].json["time"], "1970-01-01T00:16:40Z");
  EXPECT_EQ(got[0].json["fields"]["pool"], "vdi");
  // A kind the channel filters out gets no delivery row for it.
  auto d = n->post(drive_error("lto5", "EIO"), 1001);
  EXPECT_EQ(cat->get_notification(*d)->deliveries.size(), 1u);
}

TEST_F(notify_retry_test, RetriesOnTheBackoffScheduleThenGivesUp) {
  down = true;
  auto id = n->post(recall("LTO5-0003", "restore of web01"), 1000);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(webhook(*id).state, delivery_state::failed);
  EXPECT_EQ(webhook(*id).attempts, 1u);
  EXPECT_EQ(webhook(*id).last_error, "receiver down");
  EXPECT_EQ(*n->next_retry_at(), 1060);

  // Not yet due: nothing is tried.
  EXPECT_EQ(*n->retry_due(1059), 0);
  EXPECT_EQ(webhook(*id).attempts, 1u);
  // Due: tried, fails again; the next wait doubles.
  EXPECT_EQ(*n->retry_due(1060), 0);
  EXPECT_EQ(webhook(*id).attempts, 2u);
  EXPECT_EQ(webhook(*id).updated_at, 1060);
  EXPECT_EQ(*n->next_retry_at(), 1180);
  EXPECT_EQ(*n->retry_due(1179), 0);
  EXPECT_EQ(*n->retry_due(1180), 0);
  EXPECT_EQ(*n->next_retry_at(), 1420);
  EXPECT_EQ(*n->retry_due(1420), 0);
  EXPECT_EQ(webhook(*id).attempts, 4u);
  // Four attempts used: never again, and nothing is pending.
  down = false;
  EXPECT_EQ(*n->next_retry_at(), -1);
  EXPECT_EQ(*n->retry_due(100000), 0);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(webhook(*id).state, delivery_state::failed);
}

TEST_F(notify_retry_test, ARetryDeliversTheStoredEventOnce) {
  down = true;
  auto id = n->post(mount_request("lto5", "vdi", {"LTO5-0003"}), 1000);
  down = false;
  EXPECT_EQ(*n->retry_due(1060), 1);
  EXPECT_EQ(webhook(*id).state, delivery_state::sent);
  EXPECT_EQ(webhook(*id).attempts, 2u);
  EXPECT_EQ(*n->retry_due(5000), 0);  // sent: not again
  ASSERT_EQ(got.size(), 1u);
  // What the retry delivered is what the first attempt would have.
  auto fresh = mount_request("lto5", "vdi", {"LTO5-0003"}).to_json();
  EXPECT_EQ(got[0].subject, fresh["subject"]);
  EXPECT_EQ(got[0].text, fresh["text"]);
  EXPECT_EQ(got[0].json["fields"], fresh["fields"]);
  EXPECT_EQ(got[0].json["created_at"], 1000);
}

TEST_F(notify_retry_test, LoadingTheTapeAcknowledgesTheMountRequest) {
  auto a = n->post(mount_request("lto5", "vdi", {}), 1000);
  auto b = n->post(mount_request("lto4", "files", {}), 1000);
  catalog::job j;
  j.kind = "backup";
  auto job = cat->add_job(j);
  ASSERT_TRUE(job.ok());
  auto c = n->post(job_failed(*job, "backup of VM web01", "x", "y"), 1000);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*n->acknowledge_mount("lto5", "drive lto5", 1100), 1);
  EXPECT_EQ(cat->get_notification(*a)->ack_by, "drive lto5");
  EXPECT_EQ(cat->get_notification(*a)->acknowledged_at, 1100);
  EXPECT_EQ(cat->get_notification(*b)->acknowledged_at, 0);
  EXPECT_EQ(cat->get_notification(*c)->acknowledged_at, 0);
  EXPECT_EQ(*n->acknowledge_mount("lto5", "drive lto5", 1200), 0);
}

TEST_F(notify_retry_test, TapesOffsiteAcknowledgesTheEjectNotice) {
  catalog::tape t;
  t.barcode = "LTO5-0007";
  t.pool = "vdi";
  t.state = catalog::tape_state::full;
  ASSERT_TRUE(cat->put_tape(t).ok());
  auto id = n->post(tape_ejected("LTO5-0007", "vdi", ""), 1000);
  ASSERT_TRUE(cat->move_tape("LTO5-0007", catalog::tape_state::offsite,
                             "bank safe", "alice", 1200)
                  .ok());
  EXPECT_EQ(cat->get_notification(*id)->ack_by, "alice");
}

TEST(notify_create, ChannelsWithoutTheirTableAreRefused) {
  notify_config c;
  c.channels = {"log", "email"};
  auto n = notifier::create(nullptr, c);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message().find("[notify.email]"), std::string::npos);
}

}  // namespace
}  // namespace tapeline::notifier
