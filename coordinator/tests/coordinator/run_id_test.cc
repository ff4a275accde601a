#include "tapeline/coordinator/run_id.h"

#include <gtest/gtest.h>

namespace tapeline::coordinator {
namespace {

TEST(RunId, RoundTrips) {
  EXPECT_EQ(run_id(17, 2), "17.2");
  auto r = parse_run_id(run_id(9007199254740993, 4294967295u));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->job, 9007199254740993);
  EXPECT_EQ(r->attempt, 4294967295u);
}

TEST(RunId, BareJobNamesNoAttempt) {
  auto r = parse_run_id("42");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->job, 42);
  EXPECT_EQ(r->attempt, 0u);
}

TEST(RunId, RefusesWhatIsNotJobDotAttempt) {
  for (const char* bad :
       {"", ".", "17.", ".2", "0", "0.1", "17.0", "-1", "+1", " 1", "1 ",
        "1.2.3", "1.-2", "17x", "1.2x", "4294967296.1x", "1.4294967296",
        "99999999999999999999"}) {
    auto r = parse_run_id(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' was accepted";
    if (!r.ok()) {
      EXPECT_EQ(r.error().error_code(), code::invalid_argument);
      EXPECT_NE(r.error().message().find("JOB.ATTEMPT"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tapeline::coordinator
