// The watch channel's fan-out (watch.h).
#include "tapeline/notifier/watch.h"

namespace tapeline::notifier {

status watch_channel::deliver(const message& m) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, cb] : subs_) cb(m);
  return {};
}

uint64_t watch_channel::subscribe(callback cb) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.emplace(next_id_, std::move(cb));
  return next_id_++;
}

void watch_channel::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  subs_.erase(id);
}

size_t watch_channel::subscribers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return subs_.size();
}

}  // namespace tapeline::notifier
