#include "tapeline/tape_agent/stream_receiver.h"

#include <gtest/gtest.h>

#include "tapeline/common/checksum.h"

namespace tapeline::tape_agent {
namespace {

v1::StreamOpen open_msg(int64_t expected) {
  v1::StreamOpen o;
  o.set_stream_id(7);
  o.mutable_manifest()->set_expected_size(expected);
  return o;
}

v1::StreamChunk chunk(uint64_t seq, const std::string& data) {
  v1::StreamChunk c;
  c.set_stream_id(7);
  c.set_seq(seq);
  c.set_data(data);
  c.set_crc32c(crc32c(data.data(), data.size()));
  return c;
}

v1::StreamClose close_msg(uint64_t total, const std::string& sha) {
  v1::StreamClose c;
  c.set_stream_id(7);
  c.set_total_bytes(total);
  c.set_sha256(sha);
  return c;
}

TEST(stream_receiver, accepts_in_order_stream) {
  stream_receiver r(open_msg(6), 1024, 16);
  EXPECT_EQ(r.initial_credit(), 1024u);
  EXPECT_FALSE(r.on_chunk(chunk(0, "abc")));
  EXPECT_FALSE(r.on_chunk(chunk(1, "def")));
  EXPECT_FALSE(r.on_close(close_msg(6, sha256_hex("abcdef", 6))));
  EXPECT_TRUE(r.closed());
  EXPECT_EQ(r.received(), 6u);
}

TEST(stream_receiver, refuses_gap_duplicate_and_bad_crc) {
  stream_receiver r(open_msg(-1), 1024, 16);
  r.initial_credit();
  ASSERT_FALSE(r.on_chunk(chunk(0, "abc")));
  auto dup = r.on_chunk(chunk(0, "abc"));
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->code, v1::SEQUENCE_DUPLICATE);
  auto gap = r.on_chunk(chunk(2, "abc"));
  ASSERT_TRUE(gap);
  EXPECT_EQ(gap->code, v1::SEQUENCE_GAP);
  EXPECT_NE(gap->message.find("expected 1"), std::string::npos);
  auto bad = chunk(1, "abc");
  bad.set_crc32c(bad.crc32c() ^ 1);
  auto crc = r.on_chunk(bad);
  ASSERT_TRUE(crc);
  EXPECT_EQ(crc->code, v1::BAD_CHECKSUM);
}

TEST(stream_receiver, refuses_oversize_chunk_and_credit_overrun) {
  stream_receiver r(open_msg(-1), 32, 16);
  r.initial_credit();
  auto big = r.on_chunk(chunk(0, std::string(17, 'x')));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->code, v1::OVERSIZE_FRAME);
  ASSERT_FALSE(r.on_chunk(chunk(0, std::string(16, 'x'))));
  ASSERT_FALSE(r.on_chunk(chunk(1, std::string(16, 'x'))));
  auto over = r.on_chunk(chunk(2, "y"));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->code, v1::CREDIT_EXCEEDED);
}

TEST(stream_receiver, credit_returns_freed_bytes_in_batches) {
  stream_receiver r(open_msg(-1), 64, 4);  // batch = min(16, 16) = 16
  EXPECT_EQ(r.initial_credit(), 64u);
  EXPECT_EQ(r.on_freed(8), 0u);
  EXPECT_EQ(r.on_freed(8), 16u);
  for (int i = 0; i < 20; ++i)
    ASSERT_FALSE(r.on_chunk(chunk(i, "abcd"))) << i;  // 80 bytes <= 64 + 16
  EXPECT_TRUE(r.on_chunk(chunk(20, "a")));
}

TEST(stream_receiver, size_mismatches_are_errors) {
  stream_receiver r(open_msg(4), 64, 8);
  r.initial_credit();
  auto over = r.on_chunk(chunk(0, "abcde"));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->code, v1::SIZE_MISMATCH);
  ASSERT_FALSE(r.on_chunk(chunk(0, "abc")));
  auto short_close = r.on_close(close_msg(3, sha256_hex("abc", 3)));
  ASSERT_TRUE(short_close);
  EXPECT_EQ(short_close->code, v1::SIZE_MISMATCH);
  auto lying = r.on_close(close_msg(9, sha256_hex("abc", 3)));
  ASSERT_TRUE(lying);
  EXPECT_NE(lying->message.find("9 bytes"), std::string::npos);
}

}  // namespace
}  // namespace tapeline::tape_agent
