// Files as the VHD library's edges (io.h): a VHD or raw image read with
// pread(), and an output written with write(). The library itself stays
// free of I/O; tools and restores use these.
//
// Each object owns its file descriptor. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "tapeline/vhd/io.h"

namespace tapeline::vhd {

class file_source final : public random_access_source {
 public:
  static result<std::unique_ptr<file_source>> open(const std::string& path);
  ~file_source() override;
  uint64_t size() const override { return size_; }
  status read_at(uint64_t offset, size_t n, std::string* out) override;
  std::string name() const override { return path_; }

 private:
  file_source(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

// Writes to a file ("-": standard output), created or truncated.
class file_sink final : public byte_sink {
 public:
  static result<std::unique_ptr<file_sink>> create(const std::string& path);
  ~file_sink() override;
  status write(std::string_view bytes) override;
  // Flushes to disk (fsync) and closes; errors here mean data may be lost.
  status close();

 private:
  file_sink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace tapeline::vhd
