// Deterministic pseudo-random numbers for the simulator: which blocks a
// "night" writes, and seeds. splitmix64 seeds xoshiro256** (Blackman &
// Vigna); bulk bytes come from keystream.h. Not
// cryptographic. A value type; not thread-safe, use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace xapi_sim {

inline uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class prng {
 public:
  explicit prng(uint64_t seed) {
    for (auto& w : s_) w = splitmix64(&seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // A value in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n) { return next() % n; }
  // Fills `n` bytes; n need not be a multiple of 8.
  void fill(void* out, size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    while (n >= 8) {
      uint64_t v = next();
      std::memcpy(p, &v, 8);
      p += 8;
      n -= 8;
    }
    if (n > 0) {
      uint64_t v = next();
      std::memcpy(p, &v, n);
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace xapi_sim
