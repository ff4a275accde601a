// Email delivery to a real SMTP server on loopback (aiosmtpd, from Debian's
// python3-aiosmtpd, storing a Maildir), started by the test on a free port.
// Python's email parser is the oracle for the stored message.
#include <dirent.h>

#include <gtest/gtest.h>

#include "receiver.h"
#include "tapeline/notifier/notifier.h"
#include "tapeline/testing/support.h"

namespace tapeline::notifier {
namespace {

using catalog::delivery_state;
using testing::receiver;
using testing::reserved_port;

constexpr int64_t july_1st = 1751349600;  // 2025-07-01 06:00:00 UTC

std::vector<std::string> mails(const std::string& maildir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir((maildir + "/new").c_str())) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') out.push_back(maildir + "/new/" + e->d_name);
    ::closedir(d);
  }
  return out;
}

// The message as Python's email package reads it: selected headers
// (decoded), a blank line, then the decoded body.
std::string parsed(const std::string& file) {
  std::string out;
  int rc = tapeline::testing::run(
      "/usr/bin/python3 -c 'import email, sys\n"
      "from email import policy\n"
      "m = email.message_from_binary_file(open(sys.argv[1], \"rb\"), "
      "policy=policy.default)\n"
      "for k in (\"From\", \"To\", \"Subject\", \"Date\", \"Message-ID\", "
      "\"Content-Type\", \"X-MailFrom\", \"X-RcptTo\"):\n"
      "  print(k + \": \" + str(m[k]))\n"
      "print()\n"
      "print(m.get_content(), end=\"\")' '" +
          file + "'",
      &out);
  EXPECT_EQ(rc, 0) << out;
  return out;
}

struct notify_smtp_test : tapeline::testing::temp_dir {
  std::unique_ptr<catalog::catalog> cat;
  std::unique_ptr<notifier> n;

  void start_notifier(int port) {
    auto c = catalog::open(path("catalog.db"));
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cat = std::move(*c);
    email_config e;
    e.url = "smtp://127.0.0.1:" + std::to_string(port);
    e.from = "tapeline@example.org";
    e.to = {"ops@example.org", "boss@example.org"};
    e.timeout = std::chrono::seconds(10);
    e.retry.backoff = std::chrono::seconds(60);
    std::vector<std::unique_ptr<channel>> chans;
    chans.push_back(make_email_channel(e));
    n = std::make_unique<notifier>(cat.get(), std::move(chans), false);
  }
  catalog::delivery email(int64_t id) {
    auto got = cat->get_notification(id);
    EXPECT_TRUE(got.ok());
    EXPECT_EQ(got->deliveries.size(), 1u);
    return got.ok() && !got->deliveries.empty() ? got->deliveries[0]
                                                : catalog::delivery{};
  }
};

TEST_F(notify_smtp_test, DeliversAProperMessage) {
  receiver smtp("smtp_receiver.py", {"--maildir", path("maildir")});
  start_notifier(smtp.port());
  auto id = n->post(tape_ejected("LTO5-0007", "vdi", ""), july_1st);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(email(*id).state, delivery_state::sent) << email(*id).last_error;
  auto all = mails(path("maildir"));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(parsed(all[0]),
            "From: Tapeline <tapeline@example.org>\n"
            "To: ops@example.org, boss@example.org\n"
            "Subject: [tapeline] take LTO5-0007 off-site\n"
            "Date: Tue, 01 Jul 2025 06:00:00 +0000\n"
            "Message-ID: <tapeline." +
                std::to_string(*id) + ".1751349600@example.org>\n" +
                "Content-Type: text/plain; charset=\"utf-8\"\n"
                "X-MailFrom: tapeline@example.org\n"
                "X-RcptTo: ops@example.org, boss@example.org\n"
                "\n"
                "Tape LTO5-0007 (pool vdi) was ejected. Take it off-site.\n"
                "Then record the move: tapeline tapes offsite LTO5-0007\n");
}

TEST_F(notify_smtp_test, NonAsciiSubjectsAndBodiesSurvive) {
  receiver smtp("smtp_receiver.py", {"--maildir", path("maildir")});
  start_notifier(smtp.port());
  catalog::job j;
  j.kind = "backup";
  auto job = cat->add_job(j);  // a notification's job must exist
  ASSERT_TRUE(job.ok()) << job.error().to_string();
  auto id = n->post(job_failed(*job, "backup of VM café-ü", "disk full",
                               "free space on SR «local»"),
                    july_1st);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto all = mails(path("maildir"));
  ASSERT_EQ(all.size(), 1u);
  auto p = parsed(all[0]);
  EXPECT_NE(p.find("Subject: [tapeline] job " + std::to_string(*job) +
                   " failed: backup of VM café-ü\n"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("Next step: free space on SR «local»\n"), std::string::npos)
      << p;
  // On the wire the subject is RFC 2047 encoded, 8-bit only in the body.
  auto raw = tapeline::testing::read_file(all[0]);
  EXPECT_NE(raw.find("Subject: =?UTF-8?B?"), std::string::npos) << raw;
}

TEST_F(notify_smtp_test, RetryAfterTheServerWasDown) {
  reserved_port port;  // nothing listens: connections are refused
  start_notifier(port.port());
  auto id =
      n->post(recall("LTO5-0003", "the restore of web01 needs it"), july_1st);
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  auto d = email(*id);
  EXPECT_EQ(d.state, delivery_state::failed);
  EXPECT_EQ(d.attempts, 1u);
  EXPECT_NE(d.last_error.find("email to 2 recipient(s) via smtp://127.0.0.1:" +
                              std::to_string(port.port()) + " failed: "),
            std::string::npos)
      << d.last_error;
  EXPECT_NE(d.last_error.find("check that the mail server runs there"),
            std::string::npos)
      << d.last_error;

  port.release();
  receiver smtp("smtp_receiver.py", {"--maildir", path("maildir"), "--port",
                                     std::to_string(port.port())});
  EXPECT_EQ(*n->retry_due(july_1st + 59), 0);  // backoff not over
  EXPECT_TRUE(mails(path("maildir")).empty());
  EXPECT_EQ(*n->retry_due(july_1st + 60), 1);
  d = email(*id);
  EXPECT_EQ(d.state, delivery_state::sent);
  EXPECT_EQ(d.attempts, 2u);
  EXPECT_EQ(*n->retry_due(july_1st + 10000), 0);
  auto all = mails(path("maildir"));
  ASSERT_EQ(all.size(), 1u);  // exactly one mail
  auto p = parsed(all[0]);
  EXPECT_NE(p.find("Subject: [tapeline] recall LTO5-0003 from off-site\n"),
            std::string::npos)
      << p;
  // The retried mail is dated when the event happened, not when retried.
  EXPECT_NE(p.find("Date: Tue, 01 Jul 2025 06:00:00 +0000\n"),
            std::string::npos)
      << p;
}

}  // namespace
}  // namespace tapeline::notifier
