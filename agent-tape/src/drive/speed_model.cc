// Speed model: docs/virtual-drive.md ("Speed model").
#include "tapeline/drive/speed_model.h"

#include <algorithm>
#include <cmath>

namespace tapeline::drive {
namespace {

constexpr double high_water = 0.90;  // above: run at native speed to catch up
constexpr double low_water = 0.10;   // below: slow to the minimum speed
constexpr double step = 0.05;        // seconds between speed decisions

}  // namespace

speed_model::speed_model(const speed_model_options& opts)
    : opts_(opts), buffer_cap_(static_cast<double>(opts.drive_buffer)) {
  if (opts_.min_rate <= 0 || opts_.min_rate > opts_.native_rate)
    opts_.min_rate = opts_.native_rate;
  if (opts_.rate_window_seconds <= 0) opts_.rate_window_seconds = 1;
  if (buffer_cap_ <= 0) buffer_cap_ = 1;
}

// The speed the drive picks at time `t`: the host's recent rate, nudged by
// the buffer's fill level (below half full: slower, above: faster) so the
// buffer settles half full, clamped to the speed-matching range.
double speed_model::target_speed(double t) const {
  double fill = buffered_ / buffer_cap_;
  if (fill >= high_water) return opts_.native_rate;
  if (fill < low_water) return opts_.min_rate;
  double idle = std::max(0.0, t - last_write_);
  double host = host_rate_ * std::exp(-idle / opts_.rate_window_seconds);
  return std::clamp(host * (0.5 + fill), opts_.min_rate, opts_.native_rate);
}

// Moves the model to `now`: the tape drains the buffer while streaming,
// re-deciding its speed every `step` seconds.
void speed_model::advance(double now) {
  if (!started_) {
    started_ = true;
    last_ = last_write_ = now;
  }
  double t = std::max(last_, resume_at_);
  last_ = std::max(last_, now);
  while (streaming_ && t < now) {
    double dt = std::min(step, now - t);
    speed_ = target_speed(t);
    double drained = speed_ * dt;
    t += dt;
    if (drained < buffered_) {
      buffered_ -= drained;
      continue;
    }
    buffered_ = 0;  // ran dry while streaming: the tape stops
    streaming_ = false;
    underrun_ = true;
    speed_ = 0;
  }
}

// Time for the tape to take `bytes` more, at the speed it would pick now.
double speed_model::drain_time(double now, double bytes) const {
  return bytes / std::max(target_speed(now), opts_.min_rate);
}

double speed_model::on_write(double now, size_t n) {
  advance(now);
  double dt = std::max(0.0, now - last_write_);
  double tau = opts_.rate_window_seconds;
  host_rate_ = host_rate_ * std::exp(-dt / tau) + static_cast<double>(n) / tau;
  last_write_ = now;
  if (!streaming_) {
    if (underrun_) {  // shoe-shine: reposition before writing again
      ++backhitches_;
      resume_at_ = now + opts_.backhitch_seconds;
      underrun_ = false;
    }
    streaming_ = true;
  }
  double need = buffered_ + static_cast<double>(n) - buffer_cap_;
  double wait = 0;
  if (need > 0) {  // backpressure: wait for the tape to make room
    wait = std::max(0.0, resume_at_ - now) + drain_time(now, need);
    advance(now + wait);
    streaming_ = true;  // the buffer cannot run dry while we wait for room
  }
  buffered_ = std::min(buffered_ + static_cast<double>(n),
                       std::max(buffer_cap_, static_cast<double>(n)));
  return wait;
}

double speed_model::on_flush(double now) {
  advance(now);
  double wait = 0;
  if (streaming_ && buffered_ > 0)
    wait = std::max(0.0, resume_at_ - now) + drain_time(now, buffered_);
  last_ = now + wait;
  buffered_ = 0;
  streaming_ = false;
  underrun_ = false;
  speed_ = 0;
  return wait;
}

}  // namespace tapeline::drive
