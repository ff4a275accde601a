#include "tapeline/common/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace tapeline {
namespace {

TEST(crc32c, known_vectors) {
  // RFC 3720 appendix B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  std::string digits = "123456789";
  EXPECT_EQ(crc32c(digits.data(), digits.size()), 0xE3069283u);
}

TEST(crc32c, incremental_equals_whole) {
  std::string s(1000, 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  uint32_t whole = crc32c(s.data(), s.size());
  uint32_t part = crc32c(s.data(), 333);
  part = crc32c(s.data() + 333, s.size() - 333, part);
  EXPECT_EQ(whole, part);
}

TEST(crc32c, large_buffers_match_bytewise_reference) {
  // The reference: one bit at a time, straight from the polynomial.
  auto reference = [](const std::string& s) {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : s) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
  };
  for (size_t n : {65535u, 65536u, 196613u, 1048576u, 1048583u}) {
    std::string s(n, '\0');
    uint32_t x = 12345;
    for (auto& ch : s)
      ch = static_cast<char>((x = x * 1103515245u + 12345u) >> 16);
    EXPECT_EQ(crc32c(s.data(), s.size()), reference(s)) << n;
    const size_t cut = n / 3 + 1;
    uint32_t part = crc32c(s.data(), cut);
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, part), reference(s)) << n;
  }
}

TEST(sha256, known_vector) {
  EXPECT_EQ(sha256_hex("abc", 3),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("", 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace tapeline
