#include "tapeline/caf/wire.h"

#include <gtest/gtest.h>

namespace tapeline::wire {
namespace {

TEST(chunk_builder, frames_parse_as_protobuf_and_peek_alike) {
  chunk_builder b(64);
  std::string payload = "hello, tape";
  std::copy(payload.begin(), payload.end(), b.payload());
  wire_frame w = b.seal(0xdeadbeefcafeULL, 300, payload.size(), 0x12345678);
  EXPECT_EQ(w.bytes.size(), chunk_builder::header_bytes + payload.size());
  // The padded varints are protobuf: the generated parser agrees.
  v1::Frame f;
  ASSERT_TRUE(decode(w, f).ok());
  ASSERT_TRUE(f.has_chunk());
  EXPECT_EQ(f.chunk().stream_id(), 0xdeadbeefcafeULL);
  EXPECT_EQ(f.chunk().seq(), 300u);
  EXPECT_EQ(f.chunk().crc32c(), 0x12345678u);
  EXPECT_EQ(f.chunk().data(), payload);
  chunk_view v;
  status err;
  ASSERT_TRUE(peek_chunk(w, v, err)) << err.to_string();
  EXPECT_EQ(v.stream_id, 0xdeadbeefcafeULL);
  EXPECT_EQ(v.seq, 300u);
  EXPECT_EQ(v.crc32c, 0x12345678u);
  EXPECT_EQ(w.bytes.substr(v.data_offset, v.data_length), payload);
  // The builder is ready for the next chunk.
  wire_frame w2 = b.seal(1, 301, 0, 0);
  ASSERT_TRUE(decode(w2, f).ok());
  EXPECT_EQ(f.chunk().data(), "");
}

TEST(peek_chunk, reads_canonical_encoding_and_ignores_other_frames) {
  v1::Frame f;
  f.mutable_chunk()->set_stream_id(9);
  f.mutable_chunk()->set_seq(2);
  f.mutable_chunk()->set_data("abc");
  f.mutable_chunk()->set_crc32c(77);
  wire_frame w = encode(f);
  chunk_view v;
  status err;
  ASSERT_TRUE(peek_chunk(w, v, err));
  EXPECT_EQ(w.bytes.substr(v.data_offset, v.data_length), "abc");
  EXPECT_EQ(v.crc32c, 77u);
  v1::Frame o;
  o.mutable_open()->set_stream_id(1);
  EXPECT_FALSE(peek_chunk(encode(o), v, err));
  EXPECT_TRUE(err.ok());
}

TEST(peek_chunk, refuses_truncated_chunk_with_a_reason) {
  chunk_builder b(16);
  wire_frame w = b.seal(1, 0, 16, 0);
  w.bytes.resize(w.bytes.size() - 5);
  chunk_view v;
  status err;
  EXPECT_FALSE(peek_chunk(w, v, err));
  EXPECT_FALSE(err.ok());
  EXPECT_NE(err.message().find("malformed chunk frame"), std::string::npos);
  v1::Frame f;
  EXPECT_FALSE(decode(w, f).ok());
}

TEST(decode, refuses_oversize_and_garbage) {
  wire_frame big;
  big.bytes.assign(max_frame_bytes + 1, 'x');
  v1::Frame f;
  auto st = decode(big, f);
  EXPECT_NE(st.message().find("oversize frame"), std::string::npos);
  wire_frame junk{"\xff\xff\xff garbage"};
  st = decode(junk, f);
  EXPECT_NE(st.message().find("malformed frame"), std::string::npos);
}

}  // namespace
}  // namespace tapeline::wire
