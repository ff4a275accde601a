// Progress of a restore: bytes done, rate and ETA (docs/restore.md).
// Pure: the caller passes the time in, so tests are deterministic.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tapeline::restore {

class progress_meter {
 public:
  // `total` bytes expected (0: unknown); `now` in seconds, monotonic.
  progress_meter(uint64_t total, double now);

  void add(uint64_t bytes, double now);
  uint64_t done() const { return done_; }
  // Bytes per second since the start; 0 before any time has passed.
  double rate(double now) const;
  // Seconds left at the current rate; nullopt while unknown.
  std::optional<double> eta(double now) const;
  // "1.2 GiB of 4.0 GiB (30%), 210.5 MB/s, ETA 0:14" (what a terminal shows).
  std::string line(double now) const;
  // True at most once per `every` seconds: time to print a line.
  bool due(double now, double every = 1.0);

 private:
  uint64_t total_;
  double start_;
  double last_shown_;
  uint64_t done_ = 0;
};

}  // namespace tapeline::restore
