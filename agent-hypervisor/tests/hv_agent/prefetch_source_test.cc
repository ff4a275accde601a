#include "tapeline/hv_agent/prefetch_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <thread>

namespace tapeline::hv_agent {
namespace {

// Gives `total` bytes of a pattern in reads of at most `step`, then fails
// or ends; records the threads it was read from.
class pattern_source : public stream::byte_source {
 public:
  pattern_source(size_t total, size_t step, bool fail_at_end,
                 std::atomic<bool>* destroyed)
      : total_(total), step_(step), fail_(fail_at_end), destroyed_(destroyed) {}
  ~pattern_source() override { *destroyed_ = true; }
  result<size_t> read(char* buf, size_t cap) override {
    readers_.insert(std::this_thread::get_id());
    if (pos_ == total_) {
      if (fail_)
        return make_error(code::io_error, "cut after " + std::to_string(pos_));
      return size_t{0};
    }
    size_t n = std::min({cap, step_, total_ - pos_});
    for (size_t i = 0; i < n; ++i) buf[i] = static_cast<char>((pos_ + i) * 7);
    pos_ += n;
    return n;
  }
  std::set<std::thread::id> readers_;

 private:
  size_t total_, step_, pos_ = 0;
  bool fail_;
  std::atomic<bool>* destroyed_;
};

std::string expected(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7);
  return s;
}

status drain(stream::byte_source& s, size_t cap, std::string* got) {
  std::string buf(cap, '\0');
  for (;;) {
    auto n = s.read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return {};
    got->append(buf.data(), *n);
  }
}

TEST(prefetch_source, passes_every_byte_in_order_whatever_the_sizes) {
  for (size_t total : {size_t{0}, size_t{1}, size_t{4096}, size_t{5 << 20}})
    for (size_t cap : {size_t{1000}, size_t{1 << 20}, size_t{3 << 20}}) {
      std::atomic<bool> destroyed{false};
      auto inner =
          std::make_unique<pattern_source>(total, 100000, false, &destroyed);
      auto* raw = inner.get();
      std::string got;
      {
        prefetch_source p(std::move(inner), 1 << 20, 3);
        ASSERT_TRUE(drain(p, cap, &got).ok());
        EXPECT_EQ(raw->readers_.count(std::this_thread::get_id()), 0u)
            << "the inner source was read on the consumer's thread";
      }
      EXPECT_TRUE(destroyed);
      EXPECT_EQ(got, expected(total)) << total << " " << cap;
    }
}

TEST(prefetch_source, an_error_comes_after_the_data_before_it) {
  std::atomic<bool> destroyed{false};
  prefetch_source p(
      std::make_unique<pattern_source>(3 << 20, 65536, true, &destroyed),
      1 << 20, 2);
  std::string got;
  auto st = drain(p, 1 << 20, &got);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cut after 3145728"), std::string::npos);
  EXPECT_EQ(got, expected(3 << 20));
}

TEST(prefetch_source, destroying_it_early_stops_the_thread) {
  std::atomic<bool> destroyed{false};
  {
    prefetch_source p(std::make_unique<pattern_source>(size_t{1} << 40, 1 << 20,
                                                       false, &destroyed),
                      1 << 20, 2);
    char buf[10];
    ASSERT_TRUE(p.read(buf, sizeof buf).ok());
  }  // must not hang reading the terabyte
  EXPECT_TRUE(destroyed);
}

}  // namespace
}  // namespace tapeline::hv_agent
