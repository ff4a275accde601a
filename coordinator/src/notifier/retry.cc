// Exponential backoff for failed deliveries (docs/notifications.md
// "Retries").
#include "tapeline/notifier/retry.h"

#include <algorithm>

namespace tapeline::notifier {

int64_t retry_delay_seconds(const retry_policy& p, uint32_t attempts) {
  int64_t cap = std::max<int64_t>(1, p.max_backoff.count() / 1000);
  int64_t d = std::max<int64_t>(1, p.backoff.count() / 1000);
  for (uint32_t i = 1; i < attempts && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

int64_t next_attempt_at(const retry_policy& p, const catalog::delivery& d) {
  if (d.state == catalog::delivery_state::sent) return -1;
  if (d.attempts >= p.attempts) return -1;
  if (d.attempts == 0) return 0;
  return d.updated_at + retry_delay_seconds(p, d.attempts);
}

}  // namespace tapeline::notifier
