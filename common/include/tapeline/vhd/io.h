// The VHD library's two edges to the world. The library does no I/O itself:
// callers adapt a file, a tape file or a network stream to these interfaces.
// Implementations need not be thread-safe; each is used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"

namespace tapeline::vhd {

// Random-access bytes: a VHD file, or a raw disk image (for chain merges).
class random_access_source {
 public:
  virtual ~random_access_source() = default;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at `offset` into out (resized to n). Reading past
  // size() is an error, never a short read.
  virtual status read_at(uint64_t offset, size_t n, std::string* out) = 0;
  // The name used in messages ("full.vhd").
  virtual std::string name() const = 0;
};

// Where a writer puts its bytes, in order.
class byte_sink {
 public:
  virtual ~byte_sink() = default;
  virtual status write(std::string_view bytes) = 0;
};

// Bytes held in memory; does not own them, they must outlive the source.
class memory_source final : public random_access_source {
 public:
  explicit memory_source(std::string_view data, std::string name = "memory")
      : data_(data), name_(std::move(name)) {}
  uint64_t size() const override { return data_.size(); }
  status read_at(uint64_t offset, size_t n, std::string* out) override {
    if (offset > data_.size() || n > data_.size() - offset)
      return make_error(code::corrupt,
                        name_ + ": read of " + std::to_string(n) +
                            " bytes at " + std::to_string(offset) +
                            " is past the end (" +
                            std::to_string(data_.size()) + " bytes)");
    out->assign(data_.substr(offset, n));
    return status::ok_status();
  }
  std::string name() const override { return name_; }

 private:
  std::string_view data_;
  std::string name_;
};

// Appends to a caller-owned string, which must outlive the sink.
class string_sink final : public byte_sink {
 public:
  explicit string_sink(std::string* out) : out_(out) {}
  status write(std::string_view bytes) override {
    out_->append(bytes);
    return status::ok_status();
  }

 private:
  std::string* out_;
};

}  // namespace tapeline::vhd
