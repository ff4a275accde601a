#include "tapeline/vhd/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapeline::vhd {
namespace {
status os_error(const std::string& what, const std::string& path) {
  return make_error(code::io_error,
                    what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

result<std::unique_ptr<file_source>> file_source::open(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  struct stat sb {};
  if (::fstat(fd, &sb) != 0) {
    auto st = os_error("cannot stat", path);
    ::close(fd);
    return st;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<file_source>(
      new file_source(fd, static_cast<uint64_t>(sb.st_size), path));
}

file_source::~file_source() {
  ::close(fd_);
}

status file_source::read_at(uint64_t offset, size_t n, std::string* out) {
  if (offset > size_ || n > size_ - offset)
    return make_error(code::corrupt, path_ + ": read of " + std::to_string(n) +
                                         " bytes at " + std::to_string(offset) +
                                         " is past the end (" +
                                         std::to_string(size_) + " bytes)");
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, out->data() + got, n - got,
                        static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return os_error("cannot read", path_);
    if (r == 0)
      return make_error(code::io_error, path_ + ": file shrank while read");
    got += static_cast<size_t>(r);
  }
  return {};
}

result<std::unique_ptr<file_sink>> file_sink::create(const std::string& path) {
  if (path == "-")
    return std::unique_ptr<file_sink>(new file_sink(1, "stdout"));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("cannot create", path);
  return std::unique_ptr<file_sink>(new file_sink(fd, path));
}

file_sink::~file_sink() {
  if (fd_ > 1) ::close(fd_);
}

status file_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t r = ::write(fd_, bytes.data(), bytes.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return os_error("cannot write", path_);
    bytes.remove_prefix(static_cast<size_t>(r));
  }
  return {};
}

status file_sink::close() {
  if (fd_ <= 1) return {};
  int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0 && errno != EINVAL) {
    auto st = os_error("cannot flush", path_);
    ::close(fd);
    return st;
  }
  if (::close(fd) != 0) return os_error("cannot close", path_);
  return {};
}

}  // namespace tapeline::vhd
