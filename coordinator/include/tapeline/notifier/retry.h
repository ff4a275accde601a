// When a failed delivery is tried again: exponential backoff from the time
// of the last attempt. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "tapeline/catalog/records.h"
#include "tapeline/notifier/config.h"

namespace tapeline::notifier {

// Seconds to wait after the `attempts`-th failed attempt: backoff,
// 2*backoff, 4*backoff, ... capped at max_backoff. REQUIRES: attempts >= 1.
int64_t retry_delay_seconds(const retry_policy& p, uint32_t attempts);

// The Unix time at which `d` may be tried next, or -1 when it never will
// (sent, or out of attempts). A delivery never tried is due at once (0).
int64_t next_attempt_at(const retry_policy& p, const catalog::delivery& d);

}  // namespace tapeline::notifier
