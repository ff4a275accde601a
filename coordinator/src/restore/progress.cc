#include "tapeline/restore/progress.h"

#include <cmath>
#include <cstdio>

#include "tapeline/common/units.h"

namespace tapeline::restore {

progress_meter::progress_meter(uint64_t total, double now)
    : total_(total), start_(now), last_shown_(now) {}

void progress_meter::add(uint64_t bytes, double) {
  done_ += bytes;
}

double progress_meter::rate(double now) const {
  double t = now - start_;
  return t > 0 ? static_cast<double>(done_) / t : 0;
}

std::optional<double> progress_meter::eta(double now) const {
  double r = rate(now);
  if (total_ == 0 || r <= 0 || done_ == 0) return std::nullopt;
  return static_cast<double>(total_ > done_ ? total_ - done_ : 0) / r;
}

bool progress_meter::due(double now, double every) {
  if (now - last_shown_ < every) return false;
  last_shown_ = now;
  return true;
}

std::string progress_meter::line(double now) const {
  std::string s = format_bytes(done_);
  if (total_ > 0)
    s += " of " + format_bytes(total_) + " (" +
         std::to_string(done_ * 100 / total_) + "%)";
  char buf[64];
  std::snprintf(buf, sizeof buf, ", %.1f MB/s", rate(now) / 1e6);
  s += buf;
  if (auto e = eta(now)) {
    long secs = std::lround(*e);
    std::snprintf(buf, sizeof buf, ", ETA %ld:%02ld", secs / 60, secs % 60);
    s += buf;
  }
  return s;
}

}  // namespace tapeline::restore
