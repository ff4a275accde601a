// The "watch" channel: an in-process fan-out to subscribers, which the
// coordinator connects to `tapeline watch` clients. It keeps nothing: a
// watcher that connects later reads the open notifications from the
// catalog (unacknowledged()).
//
// Thread-safe: subscribe/unsubscribe may be called from any thread while
// the notifier delivers. A callback runs on the notifier's thread, must not
// block, and must not call subscribe/unsubscribe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "tapeline/notifier/channel.h"

namespace tapeline::notifier {

class watch_channel final : public channel {
 public:
  using callback = std::function<void(const message&)>;

  std::string name() const override { return "watch"; }
  // Calls every subscriber; always succeeds (no subscriber is fine).
  status deliver(const message& m) override;

  // Returns an id for unsubscribe().
  uint64_t subscribe(callback cb);
  void unsubscribe(uint64_t id);
  size_t subscribers() const;

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, callback> subs_;
};

}  // namespace tapeline::notifier
