// Incompressible, deterministic bytes fast: the AES-128-CTR keystream for
// a (seed, stream) pair, through OpenSSL's EVP (AES-NI: several GB/s per
// core, so generated disks never slow an export down). Not for secrets.
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>

namespace xapi_sim {

// Fills out[0, n) with the keystream of `stream` under a key derived from
// `seed`. The same arguments always give the same bytes.
void keystream(uint64_t seed, uint64_t stream, char* out, size_t n);

}  // namespace xapi_sim
