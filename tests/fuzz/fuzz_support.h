// Helpers shared by the libFuzzer targets (docs/testing.md, "Fuzzing").
//
// FUZZ_CHECK aborts with a message when an invariant fails, so libFuzzer
// reports it as a crash and keeps the input. byte_reader takes a fuzzer's
// input apart into the pieces a target needs; past the end it yields zeros
// and empty strings, so every input is a valid recipe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, ...)                                         \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, \
                   __LINE__, #cond);                                  \
      std::fprintf(stderr, __VA_ARGS__);                              \
      std::fprintf(stderr, "\n");                                     \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

namespace tapeline::fuzz {

class byte_reader {
 public:
  byte_reader(const uint8_t* data, size_t size)
      : data_(reinterpret_cast<const char*>(data), size) {}
  bool empty() const { return pos_ >= data_.size(); }
  size_t left() const { return data_.size() - pos_; }
  uint8_t u8() { return empty() ? 0 : static_cast<uint8_t>(data_[pos_++]); }
  uint32_t u16() { return u8() | (uint32_t(u8()) << 8); }
  uint32_t u24() { return u16() | (uint32_t(u8()) << 16); }
  // Up to n bytes (fewer at the end).
  std::string_view bytes(size_t n) {
    std::string_view v =
        data_.substr(pos_ < data_.size() ? pos_ : data_.size(), n);
    pos_ += v.size();
    return v;
  }
  std::string_view rest() { return bytes(left()); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace tapeline::fuzz
