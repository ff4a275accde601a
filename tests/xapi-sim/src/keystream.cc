#include "keystream.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "prng.h"

namespace xapi_sim {

void keystream(uint64_t seed, uint64_t stream, char* out, size_t n) {
  unsigned char key[16], iv[16] = {0};
  uint64_t s = seed;
  const uint64_t k0 = splitmix64(&s), k1 = splitmix64(&s);
  std::memcpy(key, &k0, 8);
  std::memcpy(key + 8, &k1, 8);
  for (int i = 0; i < 8; ++i)  // the stream picks the counter's high half
    iv[i] = static_cast<unsigned char>(stream >> (56 - 8 * i));
  std::memset(out, 0, n);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, key, iv);
  auto* p = reinterpret_cast<unsigned char*>(out);
  while (n > 0) {  // EVP takes an int length
    const int chunk = static_cast<int>(std::min<size_t>(n, 1 << 30));
    int len = 0;
    EVP_EncryptUpdate(ctx, p, &len, p, chunk);
    p += chunk;
    n -= static_cast<size_t>(chunk);
  }
  EVP_CIPHER_CTX_free(ctx);
}

}  // namespace xapi_sim
