// Cartridge file layout: docs/virtual-drive.md ("Cartridge file format").
#include "cartridge_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tapeline::drive {
namespace {

constexpr char magic[8] = {'T', 'L', 'V', 'T', 'A', 'P', 'E', '\0'};
constexpr uint32_t record_tag = 0x44434552;    // "RECD" little-endian
constexpr uint32_t filemark_tag = 0x4b524d46;  // "FMRK" little-endian
constexpr size_t barcode_field = 32;
constexpr size_t media_field = 16;

void put32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint32_t get32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t get64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::string get_str(const unsigned char* p, size_t n) {
  const char* c = reinterpret_cast<const char*>(p);
  return std::string(c, strnlen(c, n));
}

void encode_header(const cartridge_header& h, unsigned char* b) {
  memset(b, 0, cartridge_header_size);
  memcpy(b, magic, sizeof magic);
  put32(b + 8, h.format_version);
  put32(b + 12, cartridge_header_size);
  memcpy(b + 16, h.spec.barcode.data(),
         std::min(h.spec.barcode.size(), barcode_field - 1));
  memcpy(b + 48, h.spec.media_type.data(),
         std::min(h.spec.media_type.size(), media_field - 1));
  put64(b + 64, h.spec.capacity_bytes);
  put64(b + 72, h.spec.early_warning_bytes);
  put32(b + 80, h.spec.write_protected ? 1 : 0);
  put64(b + 88, static_cast<uint64_t>(h.faults.eio_at_record));
  put64(b + 96, static_cast<uint64_t>(h.faults.removed_at_record));
  put64(b + 104, static_cast<uint64_t>(h.faults.corrupt_at_record));
}

status decode_header(const unsigned char* b, const std::string& path,
                     cartridge_header& h) {
  if (memcmp(b, magic, sizeof magic) != 0)
    return make_error(code::corrupt, path +
                                         " is not a virtual cartridge "
                                         "(bad magic); recreate it with "
                                         "tapeline-vtape create");
  h.format_version = get32(b + 8);
  if (h.format_version != 1 || get32(b + 12) != cartridge_header_size)
    return make_error(code::corrupt,
                      path + ": unsupported cartridge format version " +
                          std::to_string(h.format_version) +
                          "; this build reads version 1");
  h.spec.barcode = get_str(b + 16, barcode_field);
  h.spec.media_type = get_str(b + 48, media_field);
  h.spec.capacity_bytes = get64(b + 64);
  h.spec.early_warning_bytes = get64(b + 72);
  h.spec.write_protected = (get32(b + 80) & 1) != 0;
  h.faults.eio_at_record = static_cast<int64_t>(get64(b + 88));
  h.faults.removed_at_record = static_cast<int64_t>(get64(b + 96));
  h.faults.corrupt_at_record = static_cast<int64_t>(get64(b + 104));
  return {};
}

status errno_status(const std::string& what) {
  int e = errno;
  code c = e == ENOENT                 ? code::not_found
           : e == EACCES || e == EPERM ? code::permission_denied
                                       : code::io_error;
  return make_error(c, what + ": " + strerror(e));
}

}  // namespace

cartridge_file::~cartridge_file() {
  if (fd_ >= 0) ::close(fd_);
}

status cartridge_file::os_error(const char* what) const {
  return errno_status(std::string(what) + " cartridge " + path_);
}

status cartridge_file::create(const std::string& path,
                              const cartridge_header& h) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return make_error(code::invalid_argument,
                        "cartridge " + path +
                            " already exists; pick another "
                            "barcode or delete the file");
    return errno_status("cannot create cartridge " + path);
  }
  unsigned char b[cartridge_header_size];
  encode_header(h, b);
  ssize_t w = ::pwrite(fd, b, sizeof b, 0);
  status st = w == static_cast<ssize_t>(sizeof b)
                  ? status{}
                  : errno_status("cannot write cartridge " + path);
  ::close(fd);
  return st;
}

status cartridge_file::open(const std::string& path, bool writable) {
  path_ = path;
  fd_ = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd_ < 0) return os_error("cannot open");
  unsigned char b[cartridge_header_size];
  ssize_t r = ::pread(fd_, b, sizeof b, 0);
  if (r != static_cast<ssize_t>(sizeof b))
    return make_error(code::corrupt, path + " is too short to be a cartridge");
  TL_RETURN_IF_ERROR(decode_header(b, path, header_));
  struct stat sb;
  if (::fstat(fd_, &sb) != 0) return os_error("cannot stat");
  return scan(static_cast<uint64_t>(sb.st_size), writable);
}

status cartridge_file::scan(uint64_t file_size, bool writable) {
  uint64_t off = cartridge_header_size;
  while (off + entry_header_size <= file_size) {
    unsigned char e[entry_header_size];
    if (::pread(fd_, e, sizeof e, off) != static_cast<ssize_t>(sizeof e))
      return os_error("cannot read");
    uint32_t tag = get32(e), len = get32(e + 4);
    bool fm = tag == filemark_tag && len == 0;
    bool rec = tag == record_tag && len > 0;
    if (!(fm || rec) || off + entry_header_size + len > file_size) break;
    if (fm) filemarks_.push_back(offsets_.size());
    offsets_.push_back(off);
    off += entry_header_size + len;
  }
  end_ = off;
  if (off != file_size && writable && ::ftruncate(fd_, off) != 0)
    return os_error("cannot cut the torn tail of");
  return {};
}

status cartridge_file::store_header(const cartridge_header& h) {
  unsigned char b[cartridge_header_size];
  encode_header(h, b);
  if (::pwrite(fd_, b, sizeof b, 0) != static_cast<ssize_t>(sizeof b))
    return os_error("cannot write the header of");
  header_ = h;
  return {};
}

uint64_t cartridge_file::length(size_t pos) const {
  uint64_t next = pos + 1 < offsets_.size() ? offsets_[pos + 1] : end_;
  return next - offsets_[pos] - entry_header_size;
}

uint64_t cartridge_file::data_before(size_t pos) const {
  uint64_t off = pos < offsets_.size() ? offsets_[pos] : end_;
  return off - cartridge_header_size - entry_header_size * pos;
}

size_t cartridge_file::filemarks_before(size_t pos) const {
  return static_cast<size_t>(
      std::lower_bound(filemarks_.begin(), filemarks_.end(), pos) -
      filemarks_.begin());
}

status cartridge_file::read_payload(size_t pos, void* buf) const {
  uint64_t n = length(pos);
  uint64_t off = offsets_[pos] + entry_header_size;
  char* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(off));
    if (r <= 0) return os_error("cannot read");
    p += r;
    off += static_cast<uint64_t>(r);
    n -= static_cast<uint64_t>(r);
  }
  return {};
}

status cartridge_file::truncate_at(size_t pos) {
  if (pos >= offsets_.size()) return {};
  uint64_t off = offsets_[pos];
  if (::ftruncate(fd_, static_cast<off_t>(off)) != 0)
    return os_error("cannot truncate");
  offsets_.resize(pos);
  filemarks_.resize(filemarks_before(pos));
  end_ = off;
  return {};
}

status cartridge_file::write_record(size_t pos, const void* data, size_t n) {
  TL_RETURN_IF_ERROR(truncate_at(pos));
  unsigned char e[entry_header_size];
  put32(e, record_tag);
  put32(e + 4, static_cast<uint32_t>(n));
  iovec iov[2] = {{e, sizeof e}, {const_cast<void*>(data), n}};
  size_t total = sizeof e + n;
  ssize_t w = ::pwritev(fd_, iov, 2, static_cast<off_t>(end_));
  if (w != static_cast<ssize_t>(total)) {
    // Slow path for short writes: finish the entry with pwrite.
    size_t done = w < 0 ? 0 : static_cast<size_t>(w);
    while (done < total) {
      const char* src = done < sizeof e
                            ? reinterpret_cast<const char*>(e) + done
                            : static_cast<const char*>(data) + done - sizeof e;
      size_t len = done < sizeof e ? sizeof e - done : total - done;
      ssize_t r = ::pwrite(fd_, src, len, static_cast<off_t>(end_ + done));
      if (r <= 0) {
        status st = os_error("cannot write to");
        if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) { /* keep st */
        }
        return st;
      }
      done += static_cast<size_t>(r);
    }
  }
  offsets_.push_back(end_);
  end_ += total;
  return {};
}

status cartridge_file::write_filemarks(size_t pos, unsigned n) {
  TL_RETURN_IF_ERROR(truncate_at(pos));
  std::vector<unsigned char> buf(entry_header_size * n);
  for (unsigned i = 0; i < n; ++i) {
    put32(buf.data() + i * entry_header_size, filemark_tag);
    put32(buf.data() + i * entry_header_size + 4, 0);
  }
  if (n > 0 &&
      ::pwrite(fd_, buf.data(), buf.size(), static_cast<off_t>(end_)) !=
          static_cast<ssize_t>(buf.size())) {
    status st = os_error("cannot write a filemark to");
    if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) { /* keep st */
    }
    return st;
  }
  for (unsigned i = 0; i < n; ++i) {
    filemarks_.push_back(offsets_.size());
    offsets_.push_back(end_);
    end_ += entry_header_size;
  }
  return {};
}

status move_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return {};
  if (errno != EXDEV) return errno_status("cannot move " + from + " to " + to);
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno_status("cannot open " + from);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    status st = errno_status("cannot create " + to);
    ::close(in);
    return st;
  }
  std::vector<char> buf(1 << 20);
  status st;
  for (ssize_t r; (r = ::read(in, buf.data(), buf.size())) != 0;) {
    if (r < 0 || ::write(out, buf.data(), static_cast<size_t>(r)) != r) {
      st = errno_status("cannot copy " + from + " to " + to);
      break;
    }
  }
  ::close(in);
  if (::close(out) != 0 && st.ok()) st = errno_status("cannot write " + to);
  if (!st.ok()) {
    ::unlink(to.c_str());
    return st;
  }
  if (::unlink(from.c_str()) != 0) return errno_status("cannot remove " + from);
  return {};
}

}  // namespace tapeline::drive
