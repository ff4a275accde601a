// The [notify] table: defaults, a full configuration, and the errors an
// operator sees (unknown key with its line, unsafe secret files).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tapeline/notifier/config.h"
#include "tapeline/testing/support.h"

namespace tapeline::notifier {
namespace {

using tapeline::testing::write_file;

struct notify_config_test : tapeline::testing::temp_dir {
  // Writes `text` as notify.toml and loads it as the coordinator would.
  result<notify_config> load(const std::string& text) {
    write_file(path("notify.toml"), text);
    auto root = config::load_file(path("notify.toml"));
    if (!root) return root.error();
    auto c = load_notify_config(*root);
    if (!c) return c;
    TL_RETURN_IF_ERROR(root->check_all_unknown_keys());
    return c;
  }
  std::string secret(const std::string& name, const std::string& text,
                     mode_t mode) {
    write_file(path(name), text);
    ::chmod(path(name).c_str(), mode);
    return path(name);
  }
};

TEST_F(notify_config_test, DefaultsWithoutATable) {
  auto c = load("[other]\nx = 1\n");
  // [other] is not ours: the safety net refuses it, which shows that the
  // notify loader declared nothing it did not read.
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("key 'other'"), std::string::npos)
      << c.error().message();
  c = load("");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->channels, (std::vector<std::string>{"log", "watch"}));
  EXPECT_FALSE(c->email);
  EXPECT_FALSE(c->webhook);
}

TEST_F(notify_config_test, FullConfiguration) {
  secret("smtp.toml", "username = \"tapeline\"\npassword = \"s3cret\"\n", 0600);
  secret("hook.token", "tok-123\n", 0600);
  auto c = load(
      "[notify]\n"
      "channels = [\"log\", \"email\", \"webhook\"]\n"
      "[notify.email]\n"
      "url = \"smtp://mail.example.org:587\"\n"
      "from = \"tapeline@example.org\"\n"
      "to = [\"ops@example.org\", \"boss@example.org\"]\n"
      "credentials = \"smtp.toml\"\n"
      "starttls = \"require\"\n"
      "retries = 3\n"
      "backoff = \"30s\"\n"
      "max_backoff = \"10m\"\n"
      "events = [\"tape_ejected\", \"nightly_report\"]\n"
      "[notify.webhook]\n"
      "url = \"https://hooks.example.org/x\"\n"
      "bearer_token_file = \"hook.token\"\n"
      "timeout = \"5s\"\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  ASSERT_TRUE(c->email);
  EXPECT_EQ(c->email->to.size(), 2u);
  EXPECT_EQ(c->email->username, "tapeline");
  EXPECT_EQ(c->email->password, "s3cret");
  EXPECT_EQ(c->email->starttls, "require");
  EXPECT_EQ(c->email->retry.attempts, 4u);
  EXPECT_EQ(c->email->retry.backoff, std::chrono::seconds(30));
  EXPECT_EQ(c->email->retry.max_backoff, std::chrono::minutes(10));
  EXPECT_EQ(c->email->events.size(), 2u);
  ASSERT_TRUE(c->webhook);
  EXPECT_EQ(c->webhook->bearer_token, "tok-123");
  EXPECT_EQ(c->webhook->timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->webhook->retry.attempts, 6u);  // default: 5 retries
}

TEST_F(notify_config_test, UnknownKeyIsRefusedWithItsLine) {
  auto c = load(
      "[notify.email]\n"
      "url = \"smtp://h\"\n"
      "from = \"a@b\"\n"
      "to = [\"c@d\"]\n"
      "startls = \"try\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::invalid_argument);
  const auto& m = c.error().message();
  EXPECT_NE(m.find(path("notify.toml") + ":5:1: key 'notify.email.startls'"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("did you mean 'starttls'"), std::string::npos) << m;
}

TEST_F(notify_config_test, WorldReadableCredentialsAreRefused) {
  auto f = secret("smtp.toml", "username = \"u\"\npassword = \"p\"\n", 0644);
  auto c = load(
      "[notify.email]\nurl = \"smtp://h\"\nfrom = \"a@b\"\n"
      "to = [\"c@d\"]\ncredentials = \"smtp.toml\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::permission_denied);
  EXPECT_EQ(c.error().message(),
            "SMTP credentials file " + f +
                " is accessible by group or others (mode 0644); run: chmod "
                "600 " +
                f);
  EXPECT_EQ(c.error().message().find("\"p\""), std::string::npos);
  secret("hook.token", "tok\n", 0640);
  c = load(
      "[notify.webhook]\nurl = \"http://h\"\n"
      "bearer_token_file = \"hook.token\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::permission_denied);
  EXPECT_NE(c.error().message().find("webhook token file"), std::string::npos);
  EXPECT_EQ(c.error().message().find("tok\n"), std::string::npos);
}

TEST_F(notify_config_test, OtherMistakes) {
  auto msg = [&](const std::string& text) {
    auto c = load(text);
    EXPECT_FALSE(c.ok()) << text;
    return c.ok() ? std::string() : c.error().message();
  };
  EXPECT_NE(msg("[notify]\nchannels = [\"email\"]\n")
                .find("names \"email\" but there is no [notify.email] table"),
            std::string::npos);
  EXPECT_NE(msg("[notify]\nchannels = [\"pager\"]\n")
                .find("unknown channel \"pager\""),
            std::string::npos);
  EXPECT_NE(msg("[notify.webhook]\nurl = \"ftp://h\"\n")
                .find("expected http://... or https://..."),
            std::string::npos);
  EXPECT_NE(msg("[notify.webhook]\nurl = \"http://h\"\nbackoff = \"30\"\n")
                .find("key 'notify.webhook.backoff'"),
            std::string::npos);
  EXPECT_NE(msg("[notify.webhook]\nurl = \"http://h\"\nevents = [\"eject\"]\n")
                .find("unknown event \"eject\""),
            std::string::npos);
  EXPECT_NE(msg("[notify.email]\nurl = \"smtp://h\"\nfrom = \"a@b\"\n")
                .find("at least one recipient"),
            std::string::npos);
  auto f = secret("smtp.toml", "username = \"u\"\n", 0600);
  EXPECT_NE(msg("[notify.email]\nurl = \"smtp://h\"\nfrom = \"a@b\"\n"
                "to = [\"c@d\"]\ncredentials = \"smtp.toml\"\n")
                .find(f + ": key 'password': missing"),
            std::string::npos);
}

}  // namespace
}  // namespace tapeline::notifier
