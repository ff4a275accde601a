// Member headers from lstat, xattrs and ACLs (docs/fileset.md, "Members").
#include "metadata.h"

#include <acl/libacl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/acl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tapeline::fileset {
namespace {

constexpr char acl_access_xattr[] = "system.posix_acl_access";
constexpr char acl_default_xattr[] = "system.posix_acl_default";

char type_of(mode_t m) {
  if (S_ISDIR(m)) return '5';
  if (S_ISLNK(m)) return '2';
  if (S_ISCHR(m)) return '3';
  if (S_ISBLK(m)) return '4';
  if (S_ISFIFO(m)) return '6';
  return '0';
}

// GNU tar's escaping of xattr names in pax keywords: '%' and '='.
std::string xattr_keyword(const std::string& name) {
  std::string k = "SCHILY.xattr.";
  for (char c : name) {
    if (c == '%')
      k += "%25";
    else if (c == '=')
      k += "%3D";
    else
      k += c;
  }
  return k;
}

// Calls `get(buf, size)` with a growing buffer until it fits; the result
// is < 0 with errno set on failure.
template <class F>
ssize_t grow_call(std::vector<char>* buf, F get) {
  if (buf->empty()) buf->resize(1024);
  for (;;) {
    ssize_t n = get(buf->data(), buf->size());
    if (n >= 0 || errno != ERANGE || buf->size() > (64u << 20)) return n;
    buf->resize(buf->size() * 4);
  }
}

}  // namespace

std::string acl_text(const std::string& path, bool default_acl) {
  acl_t acl = acl_get_file(path.c_str(),
                           default_acl ? ACL_TYPE_DEFAULT : ACL_TYPE_ACCESS);
  if (!acl) return "";
  std::string out;
  if (acl_entries(acl) > 0) {
    char* text = acl_to_text(acl, nullptr);
    if (text) {
      // As GNU tar's xattrs_acls_cleanup: drop tabs and "#..." comments.
      for (const char* p = text; *p; ++p) {
        if (*p == '\t') continue;
        if (*p == '#') {
          while (*p && *p != '\n') ++p;
          if (!*p) break;
        }
        out += *p;
      }
      acl_free(text);
    }
  }
  acl_free(acl);
  return out;
}

const std::string& metadata_reader::user_name(uid_t uid) {
  auto it = users_.find(uid);
  if (it != users_.end()) return it->second;
  std::string name;
  struct passwd pw, *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found)
    name = found->pw_name;
  return users_.emplace(uid, name).first->second;
}

const std::string& metadata_reader::group_name(gid_t gid) {
  auto it = groups_.find(gid);
  if (it != groups_.end()) return it->second;
  std::string name;
  struct group gr, *found = nullptr;
  std::vector<char> buf(16384);
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found)
    name = found->gr_name;
  return groups_.emplace(gid, name).first->second;
}

void metadata_reader::add_xattrs_and_acls(const walk_entry& e,
                                          tapefmt::member_header* h) {
  const std::string path = walker::at_path(e);
  std::vector<char> names, value;
  ssize_t n = grow_call(&names, [&](char* b, size_t s) {
    return llistxattr(path.c_str(), b, s);
  });
  if (n < 0) {
    if (errno != ENOTSUP && errno != ENOENT)
      rep_->unreadable.add(e.disk_path + ": listing xattrs: " +
                               std::strerror(errno) + " (member kept without)",
                           opts_.report_limit);
    return;
  }
  bool has_access = false, has_default = false;
  for (ssize_t i = 0; i < n;) {
    std::string name(names.data() + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    // ACLs travel as SCHILY.acl.* text (by user and group name), not as
    // their binary xattr form.
    if (name == acl_access_xattr) {
      has_access = true;
      continue;
    }
    if (name == acl_default_xattr) {
      has_default = true;
      continue;
    }
    ssize_t v = grow_call(&value, [&](char* b, size_t s) {
      return lgetxattr(path.c_str(), name.c_str(), b, s);
    });
    if (v < 0) {
      if (errno != ENODATA)
        rep_->unreadable.add(e.disk_path + ": xattr " + name + ": " +
                                 std::strerror(errno) + " (not archived)",
                             opts_.report_limit);
      continue;
    }
    h->extra.emplace_back(xattr_keyword(name),
                          std::string(value.data(), static_cast<size_t>(v)));
  }
  if (S_ISLNK(e.st.st_mode)) return;
  bool dir = S_ISDIR(e.st.st_mode);
  if (!has_access && !(dir && has_default)) return;
  // As GNU tar: once a file has an ACL, the access ACL is always stored;
  // the default ACL for directories when it has entries.
  std::string a = acl_text(path, false);
  if (!a.empty()) h->extra.emplace_back("SCHILY.acl.access", a);
  if (dir) {
    std::string d = acl_text(path, true);
    if (!d.empty()) h->extra.emplace_back("SCHILY.acl.default", d);
  }
}

tapefmt::member_header metadata_reader::header_for(const walk_entry& e) {
  tapefmt::member_header h;
  const struct stat& st = e.st;
  h.typeflag = type_of(st.st_mode);
  h.name = h.typeflag == '5' ? e.member + "/" : e.member;
  h.mode = st.st_mode & 07777;
  h.uid = st.st_uid;
  h.gid = st.st_gid;
  h.uname = user_name(st.st_uid);
  h.gname = group_name(st.st_gid);
  h.mtime_sec = st.st_mtim.tv_sec;
  h.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  if (h.typeflag == '3' || h.typeflag == '4') {
    h.devmajor = major(st.st_rdev);
    h.devminor = minor(st.st_rdev);
  }
  add_xattrs_and_acls(e, &h);
  return h;
}

bool metadata_reader::read_link(const walk_entry& e, std::string* target) {
  std::vector<char> buf(static_cast<size_t>(e.st.st_size) + 2);
  for (;;) {
    ssize_t n = readlinkat(e.dirfd, e.name.c_str(), buf.data(), buf.size());
    if (n < 0) {
      auto& list = errno == ENOENT ? rep_->vanished : rep_->unreadable;
      list.add(e.disk_path + ": " + std::strerror(errno), opts_.report_limit);
      return false;
    }
    if (static_cast<size_t>(n) < buf.size()) {
      target->assign(buf.data(), static_cast<size_t>(n));
      return true;
    }
    buf.resize(buf.size() * 2);
  }
}

}  // namespace tapeline::fileset
