#include "tapeline/common/checksum.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace tapeline {
namespace {

struct crc_table {
  uint32_t t[256];
  crc_table() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
  }
};

uint32_t crc32c_sw(const uint8_t* p, size_t n, uint32_t crc) {
  static const crc_table table;
  for (size_t i = 0; i < n; ++i)
    crc = table.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

// zlib's crc32_combine, for the Castagnoli polynomial: the CRC of A||B from
// crc(A), crc(B) and len(B), by applying len(B) zero bytes to crc(A) as a
// GF(2) matrix power.
uint32_t gf2_times(const uint32_t* mat, uint32_t vec) {
  uint32_t sum = 0;
  for (; vec; vec >>= 1, ++mat)
    if (vec & 1) sum ^= *mat;
  return sum;
}

void gf2_square(uint32_t* square, const uint32_t* mat) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_times(mat, mat[n]);
}

uint32_t crc32c_combine(uint32_t crc1, uint32_t crc2, size_t len2) {
  if (len2 == 0) return crc1;
  uint32_t even[32], odd[32];
  odd[0] = 0x82F63B78u;
  for (uint32_t n = 1, row = 1; n < 32; ++n, row <<= 1) odd[n] = row;
  gf2_square(even, odd);  // two zero bits
  gf2_square(odd, even);  // four zero bits
  do {
    gf2_square(even, odd);
    if (len2 & 1) crc1 = gf2_times(even, crc1);
    len2 >>= 1;
    if (len2 == 0) break;
    gf2_square(odd, even);
    if (len2 & 1) crc1 = gf2_times(odd, crc1);
    len2 >>= 1;
  } while (len2 != 0);
  return crc1 ^ crc2;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_hw(const uint8_t* p, size_t n,
                                                     uint32_t crc);

// Feeding `len` zero bytes through the CRC register, as a linear map applied
// a byte of the register at a time: four tables of 256 entries.
struct zero_shift {
  uint32_t table[4][256];
  explicit zero_shift(size_t len) {
    // The map is linear: shift each of the 32 unit vectors once (by
    // crc32c_combine's matrix squaring, crc2 = 0), then XOR them per byte.
    uint32_t unit[32];
    for (int j = 0; j < 32; ++j) unit[j] = crc32c_combine(1u << j, 0, len);
    for (int k = 0; k < 4; ++k)
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t v = 0;
        for (int j = 0; j < 8; ++j)
          if (b & (1u << j)) v ^= unit[8 * k + j];
        table[k][b] = v;
      }
  }
  uint32_t operator()(uint32_t v) const {
    return table[0][v & 0xFF] ^ table[1][(v >> 8) & 0xFF] ^
           table[2][(v >> 16) & 0xFF] ^ table[3][v >> 24];
  }
};

// Three independent CRC streams hide the crc32 instruction's latency (it
// can start one every cycle but takes three). Each round runs them over
// three consecutive blocks of `block` bytes, the second and third from a
// zero register, and joins them: the register is linear in its start value
// and the data, so reg(X0|X1|X2) = shift2(reg(X0)) ^ shift1(reg(0, X1)) ^
// reg(0, X2), with the shifts precomputed once. Works on raw (unconditioned)
// register values like crc32c_hw.
__attribute__((target("sse4.2"))) uint32_t crc32c_hw3(const uint8_t* p,
                                                      size_t n, uint32_t crc) {
  constexpr size_t block = 16 * 1024;
  static const zero_shift shift1(block), shift2(2 * block);
  uint32_t c = crc;
  while (n >= 3 * block) {
    uint64_t c0 = c, c1 = 0, c2 = 0;
    const uint8_t* p1 = p + block;
    const uint8_t* p2 = p + 2 * block;
    for (size_t i = 0; i < block; i += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p + i, 8);
      std::memcpy(&v1, p1 + i, 8);
      std::memcpy(&v2, p2 + i, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    c = shift2(static_cast<uint32_t>(c0)) ^ shift1(static_cast<uint32_t>(c1)) ^
        static_cast<uint32_t>(c2);
    p += 3 * block;
    n -= 3 * block;
  }
  return crc32c_hw(p, n, c);
}

__attribute__((target("sse4.2"))) uint32_t crc32c_hw(const uint8_t* p, size_t n,
                                                     uint32_t crc) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
bool have_sse42() {
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  auto p = static_cast<const uint8_t*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  static const bool hw = have_sse42();
  crc = hw ? crc32c_hw3(p, n, crc) : crc32c_sw(p, n, crc);
#else
  crc = crc32c_sw(p, n, crc);
#endif
  return ~crc;
}

struct sha256::impl {
  EVP_MD_CTX* ctx = nullptr;
  ~impl() { EVP_MD_CTX_free(ctx); }
};

sha256::sha256() : impl_(std::make_unique<impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
}
sha256::~sha256() = default;
sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;

void sha256::update(const void* data, size_t n) {
  EVP_DigestUpdate(impl_->ctx, data, n);
}

std::array<uint8_t, 32> sha256::digest() {
  std::array<uint8_t, 32> out{};
  unsigned len = 0;
  EVP_DigestFinal_ex(impl_->ctx, out.data(), &len);
  return out;
}

std::string sha256::hex_digest() {
  auto d = digest();
  return to_hex(d.data(), d.size());
}

std::string sha256_hex(const void* data, size_t n) {
  sha256 h;
  h.update(data, n);
  return h.hex_digest();
}

std::string to_hex(const uint8_t* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = digits[data[i] >> 4];
    s[2 * i + 1] = digits[data[i] & 15];
  }
  return s;
}

}  // namespace tapeline
