#include "tapeline/common/units.h"

#include <gtest/gtest.h>

namespace tapeline {
namespace {

using std::chrono::milliseconds;

TEST(units, parses_sizes) {
  EXPECT_EQ(*parse_size("0"), 0u);
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_EQ(*parse_size("512B"), 512u);
  EXPECT_EQ(*parse_size("256K"), 262144u);
  EXPECT_EQ(*parse_size("256k"), 262144u);
  EXPECT_EQ(*parse_size("64KiB"), 65536u);
  EXPECT_EQ(*parse_size("512M"), 536870912u);
  EXPECT_EQ(*parse_size("1G"), 1073741824u);
  EXPECT_EQ(*parse_size("1.5T"), 1649267441664u);
  EXPECT_EQ(*parse_size("1.5TB"), 1500000000000u);
  EXPECT_EQ(*parse_size("800GB"), 800000000000u);
  EXPECT_EQ(*parse_size("2 MiB"), 2097152u);
  EXPECT_EQ(*parse_size("1P"), 1ull << 50);
  EXPECT_EQ(*parse_size("0.5K"), 512u);
  EXPECT_EQ(*parse_size("1.0001K"), 1024u);  // rounds down to whole bytes
  EXPECT_EQ(*parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(units, refuses_bad_sizes) {
  for (const char* bad : {"", "K", "-1", "1.", ".5K", "1X", "1KK", "1 K B",
                          "256Kb ", "1e3", "0x10"}) {
    auto r = parse_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().error_code(), code::invalid_argument);
    EXPECT_EQ(r.error().message(),
              std::string("expected a size such as 256K, 512M, 1.5T or "
                          "64KiB, got \"") +
                  bad + "\"");
  }
  auto big = parse_size("16384P");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().message(), "expected a size below 16E, got \"16384P\"");
  EXPECT_FALSE(parse_size("18446744073709551616").ok());
}

TEST(units, formats_exact_sizes) {
  EXPECT_EQ(format_size_exact(0), "0");
  EXPECT_EQ(format_size_exact(65536), "64K");
  EXPECT_EQ(format_size_exact(262144), "256K");
  EXPECT_EQ(format_size_exact(1048576), "1M");
  EXPECT_EQ(format_size_exact(16 * mib), "16M");
  EXPECT_EQ(format_size_exact(3 * tib), "3T");
  EXPECT_EQ(format_size_exact(1000), "1000");
  EXPECT_EQ(format_size_exact(1536), "1536");
  for (uint64_t n :
       {uint64_t{1}, uint64_t{1023}, kib, 3 * kib / 2, 5 * gib + 1, 7 * tib})
    EXPECT_EQ(*parse_size(format_size_exact(n)), n) << n;
}

TEST(units, formats_bytes_for_humans) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1 KiB");
  EXPECT_EQ(format_bytes(262144), "256 KiB");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(1649267441664), "1.5 TiB");
  EXPECT_EQ(format_bytes(800000000000), "745.1 GiB");
  EXPECT_EQ(format_bytes(mib - 1), "1 MiB");
  EXPECT_EQ(format_bytes(UINT64_MAX), "16 EiB");
}

TEST(units, parses_durations) {
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(*parse_duration("30s"), milliseconds(30000));
  EXPECT_EQ(*parse_duration("5m"), milliseconds(300000));
  EXPECT_EQ(*parse_duration("1h30m"), milliseconds(5400000));
  EXPECT_EQ(*parse_duration("14d"), milliseconds(14 * 86400000ll));
  EXPECT_EQ(*parse_duration("2w"), milliseconds(14 * 86400000ll));
  for (const char* bad : {"", "30", "s", "1x", "1h 30m", "-5s", "1.5h"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(),
              std::string("expected a duration such as 30s, 5m, 1h30m or "
                          "14d, got \"") +
                  bad + "\"");
  }
}

TEST(units, formats_durations) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(milliseconds(5400000)), "1h30m");
  EXPECT_EQ(format_duration(milliseconds(14 * 86400000ll)), "14d");
  EXPECT_EQ(format_duration(milliseconds(90061001)), "1d1h1m1s1ms");
  EXPECT_EQ(*parse_duration(format_duration(milliseconds(90061001))),
            milliseconds(90061001));
}

}  // namespace
}  // namespace tapeline
