// The notifier: stores each event as a notification in the catalog with one
// delivery per channel, delivers it, and retries failed deliveries with
// exponential backoff (docs/notifications.md).
//
// Synchronous and actor-free: the coordinator calls it from one detached
// actor. `now` (Unix seconds) is always passed in. The catalog is borrowed
// and must outlive the notifier; channels are owned. Not thread-safe,
// except watch(), whose subscribe API is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/notifier/channel.h"
#include "tapeline/notifier/config.h"
#include "tapeline/notifier/event.h"
#include "tapeline/notifier/watch.h"

namespace tapeline::notifier {

class notifier {
 public:
  // `channels` must not contain "watch": the notifier has its own, which
  // delivers when `watch_enabled`.
  notifier(catalog::catalog* cat,
           std::vector<std::unique_ptr<channel>> channels, bool watch_enabled);

  // The channels `c.channels` names. code::invalid_argument when email or
  // webhook is named without its table.
  static result<std::unique_ptr<notifier>> create(catalog::catalog* cat,
                                                  const notify_config& c);

  // Stores `e` with a delivery for each channel that wants its kind, then
  // tries each once and records the outcome. Returns the notification id.
  // A failed delivery is not an error here (it is recorded, logged and
  // retried by retry_due); only a catalog failure is.
  // REQUIRES: e.job_id, when not 0, names a job in the catalog (a foreign
  // key: storing fails otherwise).
  result<int64_t> post(const event& e, int64_t now);

  // Tries again every delivery whose backoff has passed and that has
  // attempts left. Returns how many deliveries succeeded.
  result<int> retry_due(int64_t now);

  // The earliest time a retry is due, or -1 when none is pending. The
  // coordinator sleeps until then (or the next post).
  result<int64_t> next_retry_at();

  // "loading the requested tape": acknowledges the open mount requests of
  // `drive` (and any open notification about `barcode`, via the catalog's
  // move_tape when the caller moves it). Returns how many were closed.
  result<int> acknowledge_mount(const std::string& drive, const std::string& by,
                                int64_t now);

  watch_channel& watch() { return watch_; }

 private:
  channel* find(const std::string& name);
  // One delivery attempt, recorded in the catalog: whether it was
  // delivered; an error only when the catalog failed.
  result<bool> attempt(channel* c, const message& m, int64_t now);
  uint32_t max_attempts() const;

  catalog::catalog* cat_;
  std::vector<std::unique_ptr<channel>> channels_;
  watch_channel watch_;
  bool watch_enabled_;
};

// The message a channel delivers for a stored notification (its subject,
// and the text and JSON kept in `details`).
message to_message(const catalog::notification& n);

}  // namespace tapeline::notifier
