// Directory-at-a-time tree walk (docs/fileset.md, "Walk").
#include "walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tapeline::fileset {
namespace {

std::string base_name(const std::string& p) {
  auto s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// "a/b/" -> "a/b"; "/" stays "/".
std::string strip_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string default_member(const std::string& path) {
  std::string b = base_name(strip_slashes(path));
  return b.empty() || b == "/" || b == ".." ? "." : b;
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

walker::walker(const options& opts, report* rep) : opts_(opts), rep_(rep) {}

walker::~walker() {
  for (auto& f : stack_) close(f.fd);
}

std::string walker::at_path(const walk_entry& e) {
  if (e.dirfd == AT_FDCWD) return e.name;
  return "/proc/self/fd/" + std::to_string(e.dirfd) + "/" + e.name;
}

bool walker::excluded(const std::string& member) const {
  for (const auto& g : opts_.excludes) {
    bool whole = g.find('/') != std::string::npos;
    const std::string subject = whole ? member : base_name(member);
    if (fnmatch(g.c_str(), subject.c_str(), 0) == 0) return true;
  }
  return false;
}

void walker::enter(const walk_entry& dir) {
  if (opts_.one_file_system && dir.st.st_dev != root_dev_) return;
  int fd = openat(dir.dirfd, dir.name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    auto& list = e == ENOENT ? rep_->vanished : rep_->unreadable;
    list.add(dir.disk_path + ": " + std::strerror(e), opts_.report_limit);
    return;
  }
  frame f;
  f.fd = fd;
  f.member = dir.member;
  f.disk = dir.disk_path;
  DIR* d = fdopendir(dup(fd));
  if (!d) {
    rep_->unreadable.add(dir.disk_path + ": " + std::strerror(errno),
                         opts_.report_limit);
    close(fd);
    return;
  }
  errno = 0;
  while (struct dirent* de = readdir(d)) {
    if (std::strcmp(de->d_name, ".") && std::strcmp(de->d_name, ".."))
      f.names.emplace_back(de->d_name);
  }
  if (errno != 0)
    rep_->unreadable.add(
        dir.disk_path + ": listing stopped: " + std::strerror(errno),
        opts_.report_limit);
  closedir(d);
  std::sort(f.names.begin(), f.names.end());
  stack_.push_back(std::move(f));
}

bool walker::next(walk_entry* e) {
  if (pending_dir_) {
    pending_dir_ = false;
    enter(last_);
  }
  for (;;) {
    if (stack_.empty()) {
      if (next_root_ >= opts_.roots.size()) return false;
      const root& r = opts_.roots[next_root_++];
      e->dirfd = AT_FDCWD;
      e->name = strip_slashes(r.path);
      e->disk_path = e->name;
      e->member =
          r.member.empty() ? default_member(r.path) : strip_slashes(r.member);
    } else {
      frame& f = stack_.back();
      if (f.pos == f.names.size()) {
        close(f.fd);
        stack_.pop_back();
        continue;
      }
      e->dirfd = f.fd;
      e->name = f.names[f.pos++];
      e->member = join(f.member, e->name);
      e->disk_path = join(f.disk, e->name);
    }
    if (excluded(e->member)) continue;
    if (fstatat(e->dirfd, e->name.c_str(), &e->st, AT_SYMLINK_NOFOLLOW) != 0) {
      int err = errno;
      auto& list = err == ENOENT ? rep_->vanished : rep_->unreadable;
      list.add(e->disk_path + ": " + std::strerror(err), opts_.report_limit);
      continue;
    }
    if (stack_.empty()) root_dev_ = e->st.st_dev;
    if (S_ISDIR(e->st.st_mode)) {
      pending_dir_ = true;
      last_ = *e;
    }
    return true;
  }
}

}  // namespace tapeline::fileset
