// Certificates come from deploy/pki.sh and the openssl CLI, so the checks
// here run against what operators will really deploy.
#include "tapeline/common/tls.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdlib>
#include <ctime>
#include <string>

namespace tapeline {
namespace {

std::string dir;  // this run's PKI, made once

void run(const std::string& cmd) {
  ASSERT_EQ(std::system(("set -e; " + cmd + " >/dev/null 2>&1").c_str()), 0)
      << cmd;
}

class tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = TAPELINE_BINARY_DIR "/tls_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    std::string pki = "bash " TAPELINE_SOURCE_DIR "/deploy/pki.sh ";
    run(pki + "init " + dir + "/site");
    run(pki + "issue " + dir + "/site agent1 tape-agent");
    run(pki + "issue " + dir + "/site alice operator");
    run(pki + "init " + dir + "/foreign");
    run(pki + "issue " + dir + "/foreign agent1 tape-agent");
    // A certificate from the site CA without a role (no OU).
    run("cd " + dir +
        "/site && openssl genpkey -algorithm EC -pkeyopt "
        "ec_paramgen_curve:P-256 -out norole.key && chmod 600 norole.key && "
        "openssl req -new -key norole.key -subj /CN=norole -out norole.csr && "
        "openssl x509 -req -in norole.csr -CA ca.crt -CAkey ca.key "
        "-set_serial 7 -days 30 -out norole.crt");
    // agent1's key, encrypted.
    run("cd " + dir +
        "/site && openssl pkey -in agent1.key -aes256 "
        "-passout pass:open-sesame -out agent1-enc.key && "
        "chmod 600 agent1-enc.key");
  }
  static void TearDownTestSuite() {
    (void)std::system(("rm -rf " + dir).c_str());
  }

  static tls_options site(const std::string& name) {
    return {dir + "/site/" + name + ".crt", dir + "/site/" + name + ".key",
            dir + "/site/ca.crt", ""};
  }
};

TEST_F(tls, a_site_certificate_validates) {
  auto st = validate(site("agent1"));
  EXPECT_TRUE(st.ok()) << st.message();
  st = validate(site("agent1"), std::time(nullptr), "tape-agent");
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(tls, the_role_is_the_subjects_ou) {
  EXPECT_EQ(*certificate_role(dir + "/site/agent1.crt"), "tape-agent");
  EXPECT_EQ(*certificate_role(dir + "/site/alice.crt"), "operator");
  auto none = certificate_role(dir + "/site/norole.crt");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_code(), code::permission_denied);
  EXPECT_EQ(none.error().message(),
            dir +
                "/site/norole.crt: certificate CN=norole has 0 OUs; a "
                "Tapeline certificate has exactly one, its role "
                "(deploy/pki.sh issue DIR NAME ROLE)");
}

TEST_F(tls, a_certificate_without_role_is_refused) {
  auto st = validate(site("norole"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has 0 OUs"), std::string::npos) << st.message();
}

TEST_F(tls, the_wrong_role_is_refused) {
  auto st = validate(site("alice"), std::time(nullptr), "tape-agent");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), code::permission_denied);
  EXPECT_EQ(st.message(), "TLS certificate " + dir +
                              "/site/alice.crt has role \"operator\", but this "
                              "process needs \"tape-agent\"");
}

TEST_F(tls, a_readable_key_is_refused_with_the_fix) {
  auto opts = site("alice");
  ASSERT_EQ(chmod(opts.key.c_str(), 0640), 0);
  auto st = validate(opts);
  ASSERT_EQ(chmod(opts.key.c_str(), 0600), 0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), code::permission_denied);
  EXPECT_EQ(st.message(), "TLS key " + opts.key +
                              " is accessible by group or others (mode "
                              "0640); run: chmod 600 " +
                              opts.key);
}

TEST_F(tls, a_foreign_certificate_does_not_chain) {
  tls_options opts{dir + "/foreign/agent1.crt", dir + "/foreign/agent1.key",
                   dir + "/site/ca.crt", ""};
  auto st = validate(opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "TLS certificate " + opts.certificate +
                " does not chain to the "
                "CA in " +
                opts.cafile +
                ": unable to get local issuer "
                "certificate; issue it with this site's deploy/pki.sh");
}

TEST_F(tls, expiry_and_not_yet_valid_are_checked_at_now) {
  std::time_t later = std::time(nullptr) + 10 * 366 * 86400;
  auto st = validate(site("agent1"), later);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind(
                "TLS CA certificate " + dir + "/site/ca.crt expired on ", 0),
            0u)
      << st.message();
  std::time_t soon = std::time(nullptr) + 900 * 86400;  // after 825 days
  st = validate(site("agent1"), soon);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind(
                "TLS certificate " + dir + "/site/agent1.crt expired on ", 0),
            0u)
      << st.message();
  EXPECT_NE(st.message().find("renew it (deploy/pki.sh renew)"),
            std::string::npos);
  st = validate(site("agent1"), 86400);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not valid before"), std::string::npos)
      << st.message();
}

TEST_F(tls, missing_files_are_named) {
  auto opts = site("agent1");
  opts.cafile = dir + "/nope.crt";
  auto st = validate(opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), code::not_found);
  EXPECT_EQ(st.message(), "TLS cafile " + opts.cafile +
                              ": cannot read: No such file or directory");
  opts.certificate.clear();
  EXPECT_EQ(validate(opts).message(),
            "TLS: no certificate file is set ([tls] certificate)");
}

TEST_F(tls, an_unreadable_file_is_refused) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every file";
  auto opts = site("alice");
  ASSERT_EQ(chmod(opts.key.c_str(), 0), 0);
  auto st = validate(opts);
  ASSERT_EQ(chmod(opts.key.c_str(), 0600), 0);
  EXPECT_EQ(st.error_code(), code::permission_denied);
}

TEST_F(tls, the_key_must_match_the_certificate) {
  auto opts = site("agent1");
  opts.key = dir + "/site/alice.key";
  auto st = validate(opts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "TLS key " + opts.key +
                              " does not belong to certificate " +
                              opts.certificate);
}

TEST_F(tls, an_encrypted_key_needs_its_passphrase) {
  auto opts = site("agent1");
  opts.key = dir + "/site/agent1-enc.key";
  opts.passphrase = "open-sesame";
  auto st = validate(opts);
  EXPECT_TRUE(st.ok()) << st.message();
  for (const char* wrong : {"", "guess"}) {
    opts.passphrase = wrong;
    st = validate(opts);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.message().rfind(
                  "TLS key " + opts.key + ": cannot read the private key", 0),
              0u)
        << st.message();
    EXPECT_EQ(st.message().find("open-sesame"), std::string::npos);
  }
}

TEST_F(tls, options_load_from_a_tls_table) {
  auto root = config::parse(R"([tls]
certificate = "pki/agent1.crt"
key = "/etc/tapeline/pki/agent1.key"
cafile = "pki/ca.crt"
passphrase = "x"
)",
                            "/etc/tapeline/tape-agent.toml");
  ASSERT_TRUE(root.ok());
  config::table t;
  ASSERT_TRUE(root->required_table("tls", &t).ok());
  auto opts = load_tls_options(t);
  ASSERT_TRUE(opts.ok()) << opts.error().message();
  EXPECT_EQ(opts->certificate, "/etc/tapeline/pki/agent1.crt");
  EXPECT_EQ(opts->key, "/etc/tapeline/pki/agent1.key");
  EXPECT_EQ(opts->cafile, "/etc/tapeline/pki/ca.crt");
  EXPECT_EQ(opts->passphrase, "x");
  EXPECT_TRUE(root->check_all_unknown_keys().ok());
}

TEST_F(tls, a_missing_tls_key_names_the_line) {
  auto root = config::parse("\n[tls]\ncertificate = \"a.crt\"\n", "/x.toml");
  ASSERT_TRUE(root.ok());
  config::table t;
  ASSERT_TRUE(root->required_table("tls", &t).ok());
  auto opts = load_tls_options(t);
  ASSERT_FALSE(opts.ok());
  EXPECT_EQ(opts.error().message(),
            "/x.toml:2:1: key 'tls.key': missing; expected a file path");
}

}  // namespace
}  // namespace tapeline
