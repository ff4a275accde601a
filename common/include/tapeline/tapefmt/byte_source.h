// Where a tape file reader gets its bytes: one tape file at a time, from a
// drive (agent-tape's drive_source) or from memory (dumps, tests).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"

namespace tapeline::tapefmt {

class byte_source {
 public:
  virtual ~byte_source() = default;
  // The next 1..max bytes of the tape file, or an empty view at its end
  // (filemark, end of data). The view is valid until the next call.
  // REQUIRES: max > 0.
  virtual result<std::string_view> read(size_t max) = 0;
  // Where the source is, for messages ("record 12").
  virtual std::string where() const = 0;
};

// A tape file held in memory. Does not own the bytes; they must outlive it.
class memory_source final : public byte_source {
 public:
  explicit memory_source(std::string_view data) : data_(data) {}
  result<std::string_view> read(size_t max) override {
    std::string_view v = data_.substr(pos_, max);
    pos_ += v.size();
    return v;
  }
  std::string where() const override { return "byte " + std::to_string(pos_); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace tapeline::tapefmt
