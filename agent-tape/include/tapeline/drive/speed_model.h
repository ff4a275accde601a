// The LTO speed model of the virtual drive: a drive buffer that the tape
// drains at a speed-matched rate, with backpressure and backhitch counting.
// See docs/virtual-drive.md ("Speed model").
//
// Pure: no clock, no sleeps. The caller passes "now" in seconds and sleeps
// for the wait the model returns, so tests run on a fake clock.
// Thread-safety: none; one user at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {

class speed_model {
 public:
  explicit speed_model(const speed_model_options& opts);

  // The host hands `n` bytes to the drive at time `now`. Returns how long
  // the host must wait (seconds) before the drive buffer has taken them:
  // 0 unless the buffer is full. The model assumes the wait is honoured.
  double on_write(double now, size_t n);

  // A deliberate flush (filemark, rewind, eject) at `now`: returns the
  // seconds until the buffer is on tape. The tape then stops without a
  // backhitch being counted.
  double on_flush(double now);

  uint64_t backhitches() const { return backhitches_; }
  double buffered_bytes() const { return buffered_; }
  double tape_speed() const { return speed_; }  // bytes/s; 0 when stopped
  double host_rate() const { return host_rate_; }

 private:
  void advance(double now);
  double target_speed(double t) const;
  double drain_time(double now, double bytes) const;

  speed_model_options opts_;
  double buffer_cap_;
  double buffered_ = 0;
  double last_ = 0;         // time of the last advance()
  bool started_ = false;    // last_ is meaningful
  bool streaming_ = false;  // the tape is moving (or about to)
  bool underrun_ = false;   // the buffer ran dry while streaming
  double resume_at_ = 0;    // the tape moves again after a backhitch
  double speed_ = 0;
  double host_rate_ = 0;  // decayed average of the host's write rate
  double last_write_ = 0;
  uint64_t backhitches_ = 0;
};

}  // namespace tapeline::drive
