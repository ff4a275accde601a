// Small time and identity helpers shared by the agents.
// Thread-safe; no state.
#pragma once

#include <cstddef>
#include <string>

namespace tapeline {

// Monotonic seconds (steady_clock), for rates and timeouts, never for dates.
double monotonic_seconds();

// `bytes` random bytes from OpenSSL's CSPRNG as lowercase hex: object ids,
// label UUIDs, media set ids.
std::string random_hex(size_t bytes);

}  // namespace tapeline
