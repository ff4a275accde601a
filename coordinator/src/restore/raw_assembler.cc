#include "raw_assembler.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tapeline/vhd/format.h"

namespace tapeline::restore {

result<std::unique_ptr<raw_assembler>> raw_assembler::create(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(code::io_error, "cannot create " + path + ": " +
                                          std::strerror(errno) +
                                          "; check the folder and its rights");
  return std::unique_ptr<raw_assembler>(new raw_assembler(fd, path));
}

raw_assembler::~raw_assembler() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(path_.c_str());
}

status raw_assembler::write_at(uint64_t offset, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      return make_error(code::io_error, "writing " + path_ + ": " +
                                            std::strerror(errno) +
                                            "; check the free space there");
    p += w;
    offset += static_cast<uint64_t>(w);
    n -= static_cast<size_t>(w);
  }
  return {};
}

status raw_assembler::begin(bool raw, uint64_t raw_bytes,
                            const std::string& what) {
  if (raw && objects_ > 0)
    return make_error(code::invalid_argument,
                      what +
                          " is a raw image, but only the full of a chain "
                          "may be one; rebuild the catalog from the tapes");
  what_ = what;
  raw_ = raw;
  raw_at_ = 0;
  checked_ = false;
  parser_.reset();
  if (raw) {
    if (raw_bytes % vhd::sector_size != 0)
      return make_error(code::invalid_argument,
                        what + ": raw base size " + std::to_string(raw_bytes) +
                            " is not a multiple of 512");
    size_ = raw_bytes;
    has_size_ = true;
    block_size_ = vhd::default_block_size;
  } else {
    parser_ = std::make_unique<vhd::stream_parser>(
        [this](uint32_t i, std::string_view bm, std::string_view d) {
          return on_block(i, bm, d);
        },
        what);
  }
  ++objects_;
  return {};
}

status raw_assembler::feed(const char* p, size_t n) {
  if (!raw_) return parser_->feed(std::string_view(p, n));
  if (n > size_ - raw_at_)
    return make_error(code::corrupt, what_ + " holds more than its " +
                                         std::to_string(size_) + " bytes");
  TL_RETURN_IF_ERROR(write_at(raw_at_, p, n));
  raw_at_ += n;
  return {};
}

// What vhd::check_chain checks, for the object at hand.
status raw_assembler::check_headers() {
  checked_ = true;
  const auto& f = parser_->footer();
  const auto& h = parser_->header();
  const bool full = objects_ == 1;
  const auto want =
      full ? vhd::disk_type::dynamic : vhd::disk_type::differencing;
  if (f.type != want)
    return make_error(code::invalid_argument,
                      what_ + " is a " + std::string(vhd::to_string(f.type)) +
                          " VHD; a chain's " + (full ? "full" : "delta") +
                          " must be " + vhd::to_string(want));
  if (full) {
    if (f.current_size % vhd::sector_size != 0)
      return make_error(code::invalid_argument,
                        what_ + ": disk size " +
                            std::to_string(f.current_size) +
                            " is not a multiple of 512");
    size_ = f.current_size;
    block_size_ = h.block_size;
    has_size_ = true;
    return {};
  }
  if (f.current_size != size_)
    return make_error(code::invalid_argument,
                      what_ + " has size " + std::to_string(f.current_size) +
                          " but its base has " + std::to_string(size_));
  if (h.block_size != block_size_)
    return make_error(code::invalid_argument, what_ + " has block size " +
                                                  std::to_string(h.block_size) +
                                                  " but its base has " +
                                                  std::to_string(block_size_));
  return {};
}

status raw_assembler::on_block(uint32_t index, std::string_view bitmap,
                               std::string_view data) {
  if (!checked_) TL_RETURN_IF_ERROR(check_headers());
  const uint64_t base = uint64_t(index) * block_size_;
  if (base >= size_) return {};  // past the disk's end: nothing to place
  const uint64_t room = size_ - base;
  auto put = [&](uint64_t from, uint64_t to) -> status {  // byte range
    to = std::min(to, room);
    if (from >= to) return {};
    return write_at(base + from, data.data() + from, size_t(to - from));
  };
  if (vhd::bitmap_full(bitmap, block_size_)) return put(0, data.size());
  // Runs of marked sectors, each one write.
  const uint32_t sectors = block_size_ / vhd::sector_size;
  uint32_t s = 0;
  while (s < sectors) {
    if (!vhd::bitmap_test(bitmap, s)) {
      ++s;
      continue;
    }
    uint32_t e = s + 1;
    while (e < sectors && vhd::bitmap_test(bitmap, e)) ++e;
    TL_RETURN_IF_ERROR(
        put(uint64_t(s) * vhd::sector_size, uint64_t(e) * vhd::sector_size));
    s = e;
  }
  return {};
}

status raw_assembler::end() {
  if (raw_) {
    if (raw_at_ != size_)
      return make_error(code::corrupt,
                        what_ + " gave " + std::to_string(raw_at_) +
                            " bytes of its " + std::to_string(size_));
    return {};
  }
  TL_RETURN_IF_ERROR(parser_->finish());
  if (!checked_) TL_RETURN_IF_ERROR(check_headers());
  return {};
}

result<uint64_t> raw_assembler::finish() {
  if (!has_size_)
    return make_error(code::internal, "no full was restored into " + path_);
  // A VHD full leaves its absent blocks as holes: they read as zeros.
  if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0 || ::fsync(fd_) != 0)
    return make_error(code::io_error, "flushing " + path_ +
                                          " to disk: " + std::strerror(errno) +
                                          "; check the disk and its space");
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0)
    return make_error(code::io_error, "closing " + path_ + ": " +
                                          std::strerror(errno) +
                                          "; check the disk and its space");
  finished_ = true;
  return size_;
}

}  // namespace tapeline::restore
