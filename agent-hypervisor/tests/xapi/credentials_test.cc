#include "tapeline/xapi/credentials.h"

#include <sys/stat.h>

#include "tapeline/testing/support.h"

namespace tapeline::xapi {
namespace {

using credentials_test = tapeline::testing::temp_dir;

TEST_F(credentials_test, ReadsAPrivateFile) {
  std::string p = path("xapi.toml");
  tapeline::testing::write_file(p,
                                "username = \"root\"\npassword = \"s3cret\"\n");
  ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
  auto c = read_credentials(p);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->username, "root");
  EXPECT_EQ(c->password, "s3cret");
}

TEST_F(credentials_test, RefusesAWorldReadableFileWithTheFix) {
  std::string p = path("xapi.toml");
  tapeline::testing::write_file(p,
                                "username = \"root\"\npassword = \"s3cret\"\n");
  ASSERT_EQ(::chmod(p.c_str(), 0644), 0);
  auto c = read_credentials(p);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::permission_denied);
  const std::string& m = c.error().message();
  EXPECT_NE(m.find(p), std::string::npos) << m;
  EXPECT_NE(m.find("0644"), std::string::npos) << m;
  EXPECT_NE(m.find("chmod 600 " + p), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cret"), std::string::npos) << m;
}

TEST_F(credentials_test, RefusesGroupReadable) {
  std::string p = path("xapi.toml");
  tapeline::testing::write_file(p, "username = \"root\"\npassword = \"x\"\n");
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  EXPECT_EQ(read_credentials(p).error().error_code(), code::permission_denied);
}

TEST_F(credentials_test, MissingPasswordNamesFileAndKey) {
  std::string p = path("xapi.toml");
  tapeline::testing::write_file(p, "username = \"root\"\n");
  ASSERT_EQ(::chmod(p.c_str(), 0400), 0);
  auto c = read_credentials(p);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find(p), std::string::npos);
  EXPECT_NE(c.error().message().find("password"), std::string::npos)
      << c.error().message();
}

TEST_F(credentials_test, UnknownKeyAndMissingFileAndDirectory) {
  std::string p = path("xapi.toml");
  tapeline::testing::write_file(
      p, "username = \"root\"\npassword = \"x\"\npasword = \"y\"\n");
  ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
  EXPECT_FALSE(read_credentials(p).ok());
  EXPECT_EQ(read_credentials(path("none")).error().error_code(),
            code::not_found);
  EXPECT_FALSE(read_credentials(dir).ok());
}

}  // namespace
}  // namespace tapeline::xapi
