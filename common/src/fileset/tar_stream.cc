// The pax tar stream of a file set (docs/fileset.md, "Members" and
// "Changes while reading").
#include "tar_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tapeline::fileset {
namespace {

bool same_content_stat(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec &&
         a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// Opens for reading without updating atime when we may (O_NOATIME needs
// ownership or CAP_FOWNER).
int open_data(int dirfd, const std::string& name) {
  int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  int fd = openat(dirfd, name.c_str(), flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = openat(dirfd, name.c_str(), flags);
  return fd;
}

}  // namespace

tar_stream::tar_stream(const options& opts, report* rep)
    : opts_(opts), rep_(rep), walker_(opts, rep), meta_(opts, rep) {}

tar_stream::~tar_stream() {
  if (fd_ >= 0) close(fd_);
}

void tar_stream::add_regular(walk_entry& e, tapefmt::member_header& h) {
  int fd = open_data(e.dirfd, e.name);
  if (fd < 0) {
    int err = errno;
    auto& list = err == ENOENT ? rep_->vanished : rep_->unreadable;
    list.add(e.disk_path + ": " + std::strerror(err), opts_.report_limit);
    h.typeflag = 0;  // skip
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    rep_->changed.add(e.disk_path + ": replaced while read (skipped)",
                      opts_.report_limit);
    close(fd);
    h.typeflag = 0;
    return;
  }
  // The open file is what we archive: take its size and times.
  if (st.st_ino != e.st.st_ino) e.st = st;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  h.size = static_cast<uint64_t>(st.st_size);
  h.mtime_sec = st.st_mtim.tv_sec;
  h.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  fd_ = fd;
  before_ = st;
  size_ = left_ = h.size;
  short_ = failed_ = false;
  disk_path_ = e.disk_path;
  ++rep_->files;
  if (left_ == 0) finish_file();
}

bool tar_stream::next_member() {
  walk_entry e;
  for (;;) {
    if (!walker_.next(&e)) return false;
    mode_t m = e.st.st_mode;
    if (S_ISSOCK(m) || !(S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m) || S_ISCHR(m) ||
                         S_ISBLK(m) || S_ISFIFO(m))) {
      rep_->skipped.add(e.disk_path + ": socket (tar cannot hold it)",
                        opts_.report_limit);
      continue;
    }
    current_ = e.member;
    tapefmt::member_header h = meta_.header_for(e);
    auto key = std::make_pair(e.st.st_dev, e.st.st_ino);
    if (!S_ISDIR(m) && e.st.st_nlink > 1) {
      auto it = links_.find(key);
      if (it != links_.end()) {
        h.typeflag = '1';
        h.linkname = it->second;
        ++rep_->hardlinks;
        tapefmt::encode_header(h, &pending_);
        return true;
      }
    }
    if (S_ISREG(m)) {
      add_regular(e, h);
      if (h.typeflag == 0) continue;
    } else if (S_ISLNK(m)) {
      if (!meta_.read_link(e, &h.linkname)) continue;
      ++rep_->symlinks;
    } else if (S_ISDIR(m)) {
      ++rep_->dirs;
    } else {
      ++rep_->specials;
    }
    if (!S_ISDIR(m) && e.st.st_nlink > 1) links_.emplace(key, e.member);
    tapefmt::encode_header(h, &pending_);
    return true;
  }
}

void tar_stream::finish_file() {
  struct stat after;
  bool changed = fstat(fd_, &after) != 0 || !same_content_stat(before_, after);
  if (!failed_ && (short_ || changed)) {
    std::string why =
        short_ ? "shrank while read, padded with zeros" : "changed while read";
    if (!short_ && after.st_size > before_.st_size)
      why = "grew while read, cut to " + std::to_string(size_) + " bytes";
    rep_->changed.add(disk_path_ + ": " + why, opts_.report_limit);
  }
  close(fd_);
  fd_ = -1;
  pending_.append(tapefmt::block_padding(size_), '\0');
}

size_t tar_stream::read_data(char* buf, size_t cap) {
  size_t want = static_cast<size_t>(std::min<uint64_t>(left_, cap));
  size_t got = 0;
  while (got < want && !short_) {
    ssize_t n = ::read(fd_, buf + got, want - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
      rep_->bytes_read += static_cast<uint64_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      failed_ = n < 0;
      if (failed_)
        rep_->unreadable.add(disk_path_ + ": " + std::strerror(errno) +
                                 " after " +
                                 std::to_string(size_ - left_ + got) +
                                 " bytes; the rest is zeros",
                             opts_.report_limit);
      short_ = true;
    }
  }
  if (short_) {
    std::memset(buf + got, 0, want - got);
    got = want;
  }
  left_ -= got;
  if (left_ == 0) finish_file();
  return got;
}

size_t tar_stream::read(char* buf, size_t cap) {
  size_t done = 0;
  while (done < cap) {
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(cap - done, pending_.size() - pending_pos_);
      std::memcpy(buf + done, pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      done += n;
      continue;
    }
    pending_.clear();
    pending_pos_ = 0;
    if (fd_ >= 0) {
      done += read_data(buf + done, cap - done);
      continue;
    }
    if (ended_) break;
    if (!next_member()) {
      tapefmt::encode_end_of_archive(&pending_);
      ended_ = true;
      current_.clear();
    }
  }
  rep_->bytes_tar += done;
  return done;
}

}  // namespace tapeline::fileset
