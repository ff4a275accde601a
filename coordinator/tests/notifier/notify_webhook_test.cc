// Webhook delivery to a receiver on loopback (tests/support/
// webhook_receiver.py), started by the test on a free port: the JSON it
// got, the headers, and retries after the receiver was down or failing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "receiver.h"
#include "tapeline/notifier/notifier.h"
#include "tapeline/testing/support.h"

namespace tapeline::notifier {
namespace {

using catalog::delivery_state;
using testing::receiver;
using testing::reserved_port;

constexpr int64_t july_1st = 1751349600;  // 2025-07-01 06:00:00 UTC

// Every request the receiver recorded, in order.
std::vector<nlohmann::json> requests(const std::string& file) {
  std::vector<nlohmann::json> out;
  std::istringstream in(tapeline::testing::read_file(file));
  for (std::string line; std::getline(in, line);)
    out.push_back(nlohmann::json::parse(line));
  return out;
}

struct notify_webhook_test : tapeline::testing::temp_dir {
  std::unique_ptr<catalog::catalog> cat;
  std::unique_ptr<notifier> n;

  void start_notifier(int port, const std::string& token = {}) {
    auto c = catalog::open(path("catalog.db"));
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cat = std::move(*c);
    webhook_config w;
    w.url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/T0/secret";
    w.bearer_token = token;
    w.timeout = std::chrono::seconds(10);
    w.retry.attempts = 3;
    w.retry.backoff = std::chrono::seconds(30);
    std::vector<std::unique_ptr<channel>> chans;
    chans.push_back(make_webhook_channel(w));
    n = std::make_unique<notifier>(cat.get(), std::move(chans), false);
  }
  catalog::delivery hook(int64_t id) {
    auto got = cat->get_notification(id);
    EXPECT_TRUE(got.ok());
    return got.ok() && !got->deliveries.empty() ? got->deliveries[0]
                                                : catalog::delivery{};
  }
};

TEST_F(notify_webhook_test, PostsTheEventAsJson) {
  receiver rx("webhook_receiver.py", {"--out", path("posts")});
  start_notifier(rx.port(), "tok-123");
  auto id = n->post(mount_request("lto5", "vdi", {"LTO5-0003"}), july_1st);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(hook(*id).state, delivery_state::sent) << hook(*id).last_error;
  auto got = requests(path("posts"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["path"], "/hooks/T0/secret");
  EXPECT_EQ(got[0]["content_type"], "application/json");
  EXPECT_EQ(got[0]["authorization"], "Bearer tok-123");
  auto body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body["id"], *id);
  EXPECT_EQ(body["kind"], "mount_request");
  EXPECT_EQ(body["subject"], "load a scratch tape of pool vdi, or LTO5-0003");
  EXPECT_EQ(body["drive"], "lto5");
  EXPECT_EQ(body["barcode"], "LTO5-0003");
  EXPECT_EQ(body["created_at"], july_1st);
  EXPECT_EQ(body["time"], "2025-07-01T06:00:00Z");
  EXPECT_EQ(body["fields"]["pool"], "vdi");
  EXPECT_EQ(body["fields"]["candidates"], nlohmann::json::array({"LTO5-0003"}));
  EXPECT_EQ(body["text"].get<std::string>().rfind("Drive lto5 is waiting", 0),
            0u);
  // The token is a secret: not in the stored event.
  EXPECT_EQ(cat->get_notification(*id)->details.find("tok-123"),
            std::string::npos);
}

TEST_F(notify_webhook_test, RetryAfterTheReceiverWasDown) {
  reserved_port port;
  start_notifier(port.port(), "tok-123");
  auto id = n->post(tape_ejected("LTO5-0007", "vdi", ""), july_1st);
  ASSERT_TRUE(id.ok());
  auto d = hook(*id);
  EXPECT_EQ(d.state, delivery_state::failed);
  EXPECT_EQ(d.attempts, 1u);
  // Scheme, host and port only: the path may be the hook's secret.
  EXPECT_EQ(d.last_error.rfind("webhook POST to http://127.0.0.1:" +
                                   std::to_string(port.port()) + " failed: ",
                               0),
            0u)
      << d.last_error;
  EXPECT_EQ(d.last_error.find("secret"), std::string::npos) << d.last_error;
  EXPECT_EQ(d.last_error.find("tok-123"), std::string::npos) << d.last_error;

  port.release();
  receiver rx("webhook_receiver.py",
              {"--out", path("posts"), "--port", std::to_string(port.port())});
  EXPECT_EQ(*n->retry_due(july_1st + 29), 0);
  EXPECT_EQ(*n->retry_due(july_1st + 30), 1);
  EXPECT_EQ(hook(*id).state, delivery_state::sent);
  EXPECT_EQ(hook(*id).attempts, 2u);
  EXPECT_EQ(*n->retry_due(july_1st + 10000), 0);
  auto got = requests(path("posts"));
  ASSERT_EQ(got.size(), 1u);
  auto body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body["subject"], "take LTO5-0007 off-site");
  EXPECT_EQ(body["fields"]["pool"], "vdi");
}

TEST_F(notify_webhook_test, RetryAfterAnHttp500) {
  receiver rx("webhook_receiver.py", {"--out", path("posts"), "--fail", "1"});
  start_notifier(rx.port());
  auto id = n->post(drive_error("lto5", "EIO at record 1200"), july_1st);
  ASSERT_TRUE(id.ok());
  auto d = hook(*id);
  EXPECT_EQ(d.state, delivery_state::failed);
  EXPECT_EQ(d.last_error,
            "webhook POST to http://127.0.0.1:" + std::to_string(rx.port()) +
                " answered HTTP 500 (receiver failing on purpose); check the "
                "receiver's log; Tapeline retries");
  EXPECT_EQ(*n->retry_due(july_1st + 30), 1);
  EXPECT_EQ(hook(*id).state, delivery_state::sent);
  auto got = requests(path("posts"));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["answered"], 500);
  EXPECT_EQ(got[1]["answered"], 204);
  EXPECT_EQ(got[0]["body"], got[1]["body"]);  // the same event, again
  EXPECT_EQ(got[1]["authorization"], "");     // no token configured
}

TEST_F(notify_webhook_test, GivesUpAfterTheConfiguredAttempts) {
  receiver rx("webhook_receiver.py", {"--out", path("posts"), "--fail", "9"});
  start_notifier(rx.port());
  auto id = n->post(recall("LTO5-0003", "restore"), july_1st);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*n->retry_due(july_1st + 30), 0);  // second attempt
  EXPECT_EQ(*n->retry_due(july_1st + 90), 0);  // third, 60 s later
  EXPECT_EQ(*n->retry_due(july_1st + 100000), 0);
  EXPECT_EQ(hook(*id).attempts, 3u);
  EXPECT_EQ(hook(*id).state, delivery_state::failed);
  EXPECT_EQ(requests(path("posts")).size(), 3u);
  EXPECT_EQ(*n->next_retry_at(), -1);
}

}  // namespace
}  // namespace tapeline::notifier
