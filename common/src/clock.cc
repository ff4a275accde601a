#include "tapeline/common/clock.h"

#include <openssl/rand.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "tapeline/common/checksum.h"

namespace tapeline {

double monotonic_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  return to_hex(raw.data(), raw.size());
}

}  // namespace tapeline
