#include "layer_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;
using tapeline::status;

namespace {

status os_error(const std::string& what, const std::string& path) {
  return make_error(code::io_error, what + " " + path + ": " +
                                        std::strerror(errno) +
                                        "; check the --state folder");
}

status pwrite_all(int fd, const char* p, size_t n, uint64_t off,
                  const std::string& path) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return os_error("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return status::ok_status();
}

status pread_all(int fd, char* p, size_t n, uint64_t off,
                 const std::string& path) {
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return os_error("cannot read", path);
    if (r == 0) {  // past the end of a short file: zeros
      std::memset(p, 0, n);
      return status::ok_status();
    }
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return status::ok_status();
}

}  // namespace

std::string layer_files::path(const std::string& id) const {
  return dir_ + "/" + id + ".img";
}

status layer_files::create(const std::string& id, uint64_t size) const {
  const std::string p = path(id);
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("cannot create", p);
  int rc = ::ftruncate(fd, static_cast<off_t>(size));
  ::close(fd);
  if (rc != 0) return os_error("cannot size", p);
  return status::ok_status();
}

void layer_files::remove(const std::string& id) const {
  ::unlink(path(id).c_str());
}

status layer_files::write(const std::string& id, uint64_t offset,
                          const void* data, size_t n) const {
  const std::string p = path(id);
  int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", p);
  status st = pwrite_all(fd, static_cast<const char*>(data), n, offset, p);
  ::close(fd);
  return st;
}

status layer_files::copy_block(const std::string& from, const std::string& to,
                               uint32_t block, uint64_t size) const {
  const uint64_t off = uint64_t{block} * block_size;
  const size_t n = static_cast<size_t>(std::min(block_size, size - off));
  std::unique_ptr<char[]> buf(new char[n]);
  const std::string p = path(from);
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", p);
  status st = pread_all(fd, buf.get(), n, off, p);
  ::close(fd);
  if (!st.ok()) return st;
  return write(to, off, buf.get(), n);
}

chain_view make_view(const layer_set& ls, const chain& c, uint64_t size) {
  chain_view v;
  v.size = size;
  v.layers = c;
  for (const auto& id : c) {
    v.generated.push_back(ls.get(id).generated);
    v.seeds.push_back(ls.get(id).seed);
  }
  const uint32_t n = block_count(size);
  v.owner.assign(n, -1);
  for (uint32_t b = 0; b < n; ++b) {
    for (size_t i = 0; i < c.size(); ++i) {
      const auto& bits = ls.get(c[i]).blocks;
      if (b < bits.size() && bits[b]) {
        v.owner[b] = static_cast<int>(i);
        break;
      }
    }
  }
  return v;
}

chain_reader::~chain_reader() {
  for (int fd : fds_)
    if (fd >= 0) ::close(fd);
}

tapeline::result<std::unique_ptr<chain_reader>> chain_reader::open(
    const layer_files& files, chain_view view) {
  std::unique_ptr<chain_reader> r(new chain_reader());
  r->view_ = std::move(view);
  for (size_t i = 0; i < r->view_.layers.size(); ++i) {
    if (r->view_.generated[i]) {
      r->fds_.push_back(-1);
      continue;
    }
    const std::string p = files.path(r->view_.layers[i]);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_error("cannot open layer", p);
    r->fds_.push_back(fd);
  }
  return r;
}

uint64_t chain_reader::block_bytes(uint32_t b) const {
  const uint64_t off = uint64_t{b} * block_size;
  return std::min(block_size, view_.size - off);
}

int chain_reader::fd_of(uint32_t b) const {
  int i = view_.owner[b];
  return i < 0 ? -1 : fds_[static_cast<size_t>(i)];
}

status chain_reader::read_block(uint32_t b, char* out) const {
  const size_t n = static_cast<size_t>(block_bytes(b));
  const int i = view_.owner[b];
  if (i < 0) {
    std::memset(out, 0, n);
    return status::ok_status();
  }
  if (view_.generated[static_cast<size_t>(i)]) {
    generate_block(view_.seeds[static_cast<size_t>(i)], b, out, n);
    return status::ok_status();
  }
  const int fd = fds_[static_cast<size_t>(i)];
  return pread_all(fd, out, n, uint64_t{b} * block_size,
                   view_.layers[static_cast<size_t>(view_.owner[b])]);
}

}  // namespace xapi_sim
