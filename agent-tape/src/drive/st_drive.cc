// Linux st backend. Semantics: Documentation/scsi/st.rst (variable-block
// mode, early warning, filemarks read as 0-byte reads).
#include "tapeline/drive/st_drive.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mtio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tapeline::drive {

st_drive::st_drive(std::string device) : device_(std::move(device)) {}

st_drive::~st_drive() {
  close_device();
}

void st_drive::close_device() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  block_mode_set_ = false;
  last_enospc_ = false;
}

status st_drive::errno_error(int err, const std::string& what) const {
  std::string msg = device_ + ": " + what + ": " + strerror(err);
  switch (err) {
    case ENOMEDIUM:
      return make_error(code::no_media, msg + "; load a tape");
    case EROFS:
    case EACCES:
      return make_error(code::write_protected,
                        msg + "; the tape is write-protected");
    case ENOENT:
    case ENXIO:
    case ENODEV:
      return make_error(code::unavailable,
                        msg + "; check the device name and the SCSI link");
    case EBUSY:
      return make_error(code::unavailable,
                        msg + "; another process holds the drive");
    default:
      return make_error(code::io_error, msg);
  }
}

// O_NONBLOCK: open succeeds on an empty drive (st.rst), so "no tape" can be
// told apart from a missing device. A protected tape refuses O_RDWR.
status st_drive::open_device() {
  if (fd_ >= 0) return {};
  fd_ = ::open(device_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  read_only_ = false;
  if (fd_ < 0 && (errno == EROFS || errno == EACCES)) {
    fd_ = ::open(device_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    read_only_ = true;
  }
  if (fd_ < 0) return errno_error(errno, "cannot open the tape device");
  return {};
}

result<st_drive::mt_status> st_drive::get_status() {
  TL_RETURN_IF_ERROR(open_device());
  mtget g;
  memset(&g, 0, sizeof g);
  if (::ioctl(fd_, MTIOCGET, &g) != 0)
    return errno_error(errno, "MTIOCGET failed");
  return mt_status{static_cast<long>(g.mt_gstat), g.mt_fileno, g.mt_blkno};
}

status st_drive::mt_op(short op, int count, const char* what) {
  mtop m;
  m.mt_op = op;
  m.mt_count = count;
  if (::ioctl(fd_, MTIOCTOP, &m) == 0) return {};
  return errno_error(errno, what);
}

// Opens the device, checks a tape is online, sets variable-block mode.
status st_drive::ensure_ready() {
  auto s = get_status();
  if (!s) return s.error();
  if (!GMT_ONLINE(s->gstat) || GMT_DR_OPEN(s->gstat)) {
    block_mode_set_ = false;
    return make_error(code::no_media, device_ + ": no tape loaded; load one");
  }
  if (!block_mode_set_) {
    TL_RETURN_IF_ERROR(mt_op(MTSETBLK, 0,
                             "MTSETBLK 0 (variable block) "
                             "failed"));
    block_mode_set_ = true;
  }
  return {};
}

// Sets variable-block mode again: a newly loaded tape may have reset it.
status st_drive::open() {
  block_mode_set_ = false;
  return ensure_ready();
}

result<drive_info> st_drive::info() {
  drive_info i;
  auto s = get_status();
  if (!s) return s.error();
  i.loaded = GMT_ONLINE(s->gstat) && !GMT_DR_OPEN(s->gstat);
  i.write_protected = GMT_WR_PROT(s->gstat) || read_only_;
  i.position.file_number = s->file_number;
  i.position.block_number = s->block_number;
  i.position.bot = GMT_BOT(s->gstat);
  i.position.eod = GMT_EOD(s->gstat);
  i.position.early_warning = GMT_EOT(s->gstat);
  return i;
}

result<write_outcome> st_drive::write_record(const void* data, size_t n) {
  TL_RETURN_IF_ERROR(ensure_ready());
  if (read_only_)
    return make_error(code::write_protected,
                      device_ + ": the tape is write-protected; use another");
  ssize_t w = ::write(fd_, data, n);
  int err = errno;
  if (w == static_cast<ssize_t>(n)) {
    last_enospc_ = false;
    auto s = get_status();  // GMT_EOT: this write reached early warning
    if (s && GMT_EOT(s->gstat)) return write_outcome::written_early_warning;
    return write_outcome::written;
  }
  if (w >= 0)
    return make_error(code::io_error, device_ + ": short write (" +
                                          std::to_string(w) + " of " +
                                          std::to_string(n) + " bytes)");
  if (err == ENOSPC && !last_enospc_) {
    last_enospc_ = true;
    return write_outcome::not_written_eom;
  }
  auto s = get_status();
  if (err == ENOSPC || (err == EIO && s && GMT_EOT(s->gstat)))
    return make_error(code::end_of_medium,
                      device_ + ": physical end of medium (" + strerror(err) +
                          "); continue on another tape");
  return errno_error(err,
                     "write of a " + std::to_string(n) + "-byte record failed");
}

result<read_result> st_drive::read_record(void* buf, size_t cap) {
  TL_RETURN_IF_ERROR(ensure_ready());
  ssize_t r = ::read(fd_, buf, cap);
  int err = errno;
  if (r > 0) return read_result{read_outcome::record, static_cast<size_t>(r)};
  if (r < 0 && err == ENOMEM)
    return make_error(code::corrupt, device_ +
                                         ": the record is larger than the " +
                                         std::to_string(cap) + "-byte buffer");
  auto s = get_status();
  if (s && GMT_EOD(s->gstat)) return read_result{read_outcome::end_of_data, 0};
  if (r == 0) return read_result{read_outcome::filemark, 0};
  return errno_error(err, "read failed");
}

status st_drive::write_filemarks(unsigned n) {
  TL_RETURN_IF_ERROR(ensure_ready());
  last_enospc_ = false;
  return mt_op(MTWEOF, static_cast<int>(n), "MTWEOF (write filemark) failed");
}

status st_drive::space_files(int n) {
  if (n == 0) return {};
  TL_RETURN_IF_ERROR(ensure_ready());
  last_enospc_ = false;
  status st = n > 0 ? mt_op(MTFSF, n, "MTFSF (space forward) failed")
                    : mt_op(MTBSF, -n, "MTBSF (space back) failed");
  if (st.ok()) return st;
  auto s = get_status();
  if (s && GMT_EOD(s->gstat))
    return make_error(code::io_error, device_ + ": spacing forward " +
                                          std::to_string(n) +
                                          " file(s) ran into end of data");
  if (s && GMT_BOT(s->gstat))
    return make_error(code::io_error, device_ + ": spacing back " +
                                          std::to_string(-n) +
                                          " file(s) ran into beginning of "
                                          "tape");
  return st;
}

status st_drive::space_to_eod() {
  TL_RETURN_IF_ERROR(ensure_ready());
  last_enospc_ = false;
  return mt_op(MTEOM, 1, "MTEOM (space to end of data) failed");
}

status st_drive::rewind() {
  TL_RETURN_IF_ERROR(ensure_ready());
  last_enospc_ = false;
  return mt_op(MTREW, 1, "MTREW (rewind) failed");
}

status st_drive::eject() {
  TL_RETURN_IF_ERROR(ensure_ready());
  TL_RETURN_IF_ERROR(mt_op(MTOFFL, 1, "MTOFFL (rewind and unload) failed"));
  close_device();
  return {};
}

}  // namespace tapeline::drive
