// raw_assembler against vhd::merge_to_raw on the same chain: a raw full and
// a differencing delta with a partial block, fed in odd-sized pieces.
#include "../../src/restore/raw_assembler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tapeline/vhd/chain.h"
#include "tapeline/vhd/image.h"
#include "tapeline/vhd/stream_writer.h"

namespace tapeline::restore {
namespace {

constexpr uint32_t bs = vhd::default_block_size;
constexpr uint64_t disk = 2 * uint64_t(bs) + bs / 2;  // a short last block

std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u + seed;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

std::string delta_vhd(uint64_t size) {
  std::string out;
  vhd::string_sink sink(&out);
  vhd::disk_params p;
  p.size = size;
  p.type = vhd::disk_type::differencing;
  p.parent_name = "full.raw";
  auto w = vhd::stream_writer::start(p, {1, 2}, &sink);
  EXPECT_TRUE(w.ok());
  std::string bm(vhd::bitmap_bytes(bs), '\0');
  for (uint32_t s : {0u, 1u, 2u, 9u, 100u, 4095u}) vhd::bitmap_set(&bm, s);
  EXPECT_TRUE(w->add_block(1, bm, pattern(bs, 7)).ok());
  EXPECT_TRUE(
      w->add_block(2, std::string(bm.size(), '\xff'), pattern(bs, 8)).ok());
  EXPECT_TRUE(w->finish().ok());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

status feed_in_pieces(raw_assembler& a, const std::string& s) {
  for (size_t at = 0; at < s.size();) {
    size_t n = std::min<size_t>(s.size() - at, 777777);
    TL_RETURN_IF_ERROR(a.feed(s.data() + at, n));
    at += n;
  }
  return {};
}

TEST(raw_assembler, matches_merge_to_raw) {
  const std::string full = pattern(disk, 1), delta = delta_vhd(disk);
  // The oracle: the library's two-pass merge.
  vhd::memory_source base(full, "full"), dsrc(delta, "delta");
  auto img = vhd::image::open(&dsrc);
  ASSERT_TRUE(img.ok()) << img.error().message();
  vhd::chain c;
  c.raw_base = &base;
  c.deltas.push_back(&*img);
  std::string want;
  vhd::string_sink ws(&want);
  ASSERT_TRUE(vhd::merge_to_raw(c, &ws).ok());

  const std::string path = testing::TempDir() + "/assembled.raw";
  auto a = raw_assembler::create(path);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->begin(true, full.size(), "full").ok());
  ASSERT_TRUE(feed_in_pieces(**a, full).ok());
  ASSERT_TRUE((*a)->end().ok());
  ASSERT_TRUE((*a)->begin(false, 0, "delta").ok());
  auto st = feed_in_pieces(**a, delta);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE((*a)->end().ok());
  auto size = (*a)->finish();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, disk);
  const std::string got = slurp(path);
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want);
  EXPECT_NE(got, full);  // the delta changed something
  ::unlink(path.c_str());
}

TEST(raw_assembler, refuses_a_delta_of_another_size_and_removes_the_file) {
  const std::string full = pattern(disk, 1), delta = delta_vhd(disk + bs);
  const std::string path = testing::TempDir() + "/refused.raw";
  {
    auto a = raw_assembler::create(path);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE((*a)->begin(true, full.size(), "full").ok());
    ASSERT_TRUE(feed_in_pieces(**a, full).ok());
    ASSERT_TRUE((*a)->end().ok());
    ASSERT_TRUE((*a)->begin(false, 0, "the delta").ok());
    auto st = feed_in_pieces(**a, delta);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("the delta has size"), std::string::npos)
        << st.message();
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace tapeline::restore
