#include "tapeline/hv_agent/checked_source.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tapeline/vhd/stream_writer.h"

namespace tapeline::hv_agent {
namespace {

class string_source : public stream::byte_source {
 public:
  explicit string_source(std::string data) : data_(std::move(data)) {}
  result<size_t> read(char* buf, size_t cap) override {
    size_t n = std::min(cap, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// A dynamic VHD stream of 8 MiB with blocks 1 and 3 allocated.
std::string small_vhd() {
  std::string out;
  vhd::string_sink sink(&out);
  vhd::disk_params p;
  p.size = 8 << 20;
  auto w = vhd::stream_writer::start(p, {1, 3}, &sink);
  EXPECT_TRUE(w.ok());
  std::string data(vhd::default_block_size, 'x');
  EXPECT_TRUE(w->add_block(1, vhd::full_bitmap(), data).ok());
  EXPECT_TRUE(w->add_block(3, vhd::full_bitmap(), data).ok());
  EXPECT_TRUE(w->finish().ok());
  return out;
}

// Reads everything; returns the status of the last read.
status drain(checked_source& s, std::string* got) {
  std::string buf(100000, '\0');
  for (;;) {
    auto n = s.read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return {};
    got->append(buf.data(), *n);
  }
}

TEST(checked_source, passes_a_whole_vhd_through_unchanged) {
  auto vhd = small_vhd();
  string_source inner(vhd);
  checked_source s(&inner, "vhd", 0, "VDI a of VM web01");
  std::string got;
  ASSERT_TRUE(drain(s, &got).ok());
  EXPECT_EQ(got, vhd);
  EXPECT_EQ(s.blocks(), 2u);
}

TEST(checked_source, a_cut_vhd_is_an_error_not_an_end) {
  auto vhd = small_vhd();
  for (size_t cut :
       {size_t{0}, size_t{511}, size_t{4096}, vhd.size() / 2, vhd.size() - 1}) {
    string_source inner(vhd.substr(0, cut));
    checked_source s(&inner, "vhd", 0, "VDI a of VM web01");
    std::string got;
    auto st = drain(s, &got);
    ASSERT_FALSE(st.ok()) << "cut at " << cut;
    EXPECT_NE(st.message().find("VDI a of VM web01"), std::string::npos);
    EXPECT_NE(st.message().find("ended early"), std::string::npos)
        << st.message();
  }
}

TEST(checked_source, raw_must_be_exactly_the_virtual_size) {
  std::string raw(3 << 20, 'r');
  {
    string_source inner(raw);
    checked_source s(&inner, "raw", raw.size(), "VDI b");
    std::string got;
    ASSERT_TRUE(drain(s, &got).ok());
    EXPECT_EQ(got.size(), raw.size());
  }
  {
    string_source inner(raw.substr(0, raw.size() - 512));
    checked_source s(&inner, "raw", raw.size(), "VDI b");
    std::string got;
    auto st = drain(s, &got);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("ended after"), std::string::npos);
  }
  {
    string_source inner(raw + "extra");
    checked_source s(&inner, "raw", raw.size(), "VDI b");
    std::string got;
    EXPECT_FALSE(drain(s, &got).ok());
  }
}

}  // namespace
}  // namespace tapeline::hv_agent
