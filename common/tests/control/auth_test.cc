// The control plane's proof of identity, against certificates made by
// deploy/pki.sh and the openssl CLI.
#include "tapeline/control/auth.h"

#include <gtest/gtest.h>
#include <cstdlib>
#include <ctime>

namespace tapeline::control {
namespace {

std::string dir;

void run(const std::string& cmd) {
  ASSERT_EQ(std::system(("set -e; " + cmd + " >/dev/null 2>&1").c_str()), 0)
      << cmd;
}

class auth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = TAPELINE_BINARY_DIR "/auth_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
    std::string pki = "bash " TAPELINE_SOURCE_DIR "/deploy/pki.sh ";
    run(pki + "init " + dir + "/site");
    run(pki + "issue " + dir + "/site alice operator");
    run(pki + "issue " + dir + "/site hv1 hv-agent");
    run(pki + "init " + dir + "/foreign");
    run(pki + "issue " + dir + "/foreign alice operator");
  }
  static void TearDownTestSuite() { (void)std::system(("rm -rf " + dir).c_str()); }
  static tls_options opts(const std::string& pki, const std::string& name) {
    return {dir + "/" + pki + "/" + name + ".crt",
            dir + "/" + pki + "/" + name + ".key", dir + "/" + pki + "/ca.crt",
            ""};
  }
};

TEST_F(auth, a_site_certificate_with_its_key_proves_its_role) {
  auto v = verifier::load(dir + "/site/ca.crt");
  ASSERT_TRUE(v.ok()) << v.error().message();
  auto nonce = make_nonce();
  auto p = prove(opts("site", "alice"), nonce);
  ASSERT_TRUE(p.ok()) << p.error().message();
  auto id = (*v)->verify(*p, nonce, std::time(nullptr));
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(id->role, "operator");
  EXPECT_EQ(id->name, "alice");
}

TEST_F(auth, a_signature_over_another_nonce_is_refused) {
  auto v = verifier::load(dir + "/site/ca.crt");
  auto p = prove(opts("site", "alice"), make_nonce());
  auto id = (*v)->verify(*p, make_nonce(), std::time(nullptr));
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().message().find("signature does not verify"),
            std::string::npos);
}

TEST_F(auth, a_certificate_sent_with_another_key_is_refused) {
  // hv1 presents alice's operator certificate, signing with its own key.
  auto v = verifier::load(dir + "/site/ca.crt");
  auto nonce = make_nonce();
  auto mine = prove(opts("site", "hv1"), nonce);
  auto alice = prove(opts("site", "alice"), nonce);
  proof forged{alice->certificate_pem, mine->signature};
  auto id = (*v)->verify(forged, nonce, std::time(nullptr));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().error_code(), code::permission_denied);
}

TEST_F(auth, a_foreign_ca_is_refused) {
  auto v = verifier::load(dir + "/site/ca.crt");
  auto nonce = make_nonce();
  auto p = prove(opts("foreign", "alice"), nonce);
  auto id = (*v)->verify(*p, nonce, std::time(nullptr));
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().message().find("does not verify against the site CA"),
            std::string::npos)
      << id.error().message();
}

TEST_F(auth, an_expired_certificate_is_refused) {
  auto v = verifier::load(dir + "/site/ca.crt");
  auto nonce = make_nonce();
  auto p = prove(opts("site", "alice"), nonce);
  auto id = (*v)->verify(*p, nonce, std::time(nullptr) + 3000L * 86400);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().message().find("expired"), std::string::npos)
      << id.error().message();
}

}  // namespace
}  // namespace tapeline::control
