// Checksums: CRC32C (Castagnoli) per wire chunk, SHA-256 per object.
//
// crc32c() uses the SSE4.2 instruction when the CPU has it, else a table.
// sha256 wraps OpenSSL EVP (SHA-NI where present). A sha256 object is used by
// one thread at a time; it is movable, not copyable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tapeline {

// CRC32C of [data, data+n), continuing from `crc` (0 to start).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

class sha256 {
 public:
  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  void update(const void* data, size_t n);
  // Finalizes. REQUIRES: called once; no update() afterwards.
  std::array<uint8_t, 32> digest();
  // Finalizes and returns lowercase hex.
  std::string hex_digest();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

std::string sha256_hex(const void* data, size_t n);
std::string to_hex(const uint8_t* data, size_t n);

}  // namespace tapeline
