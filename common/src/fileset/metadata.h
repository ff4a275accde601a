// Turns a walked path into a pax member header: type, mode, owner names,
// mtime with nanoseconds, xattrs as SCHILY.xattr.* and POSIX ACLs as
// SCHILY.acl.access / SCHILY.acl.default in GNU tar's --acls text form
// (docs/fileset.md, "Members").
//
// Keeps a uid/gid name cache. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <unordered_map>

#include "tapeline/tapefmt/pax.h"
#include "walker.h"

namespace tapeline::fileset {

class metadata_reader {
 public:
  explicit metadata_reader(const options& opts, report* rep)
      : opts_(opts), rep_(rep) {}

  // Fills everything but linkname and size (and the type of hard links),
  // from e.st. Attribute errors are reported and the member is kept.
  tapefmt::member_header header_for(const walk_entry& e);

  // Target of the symlink `e`; nullopt-like false when it vanished.
  bool read_link(const walk_entry& e, std::string* target);

 private:
  const std::string& user_name(uid_t uid);
  const std::string& group_name(gid_t gid);
  void add_xattrs_and_acls(const walk_entry& e, tapefmt::member_header* h);

  const options& opts_;
  report* rep_;
  std::unordered_map<uid_t, std::string> users_;
  std::unordered_map<gid_t, std::string> groups_;
};

// The ACL of `path` as GNU tar --acls stores it: acl_to_text() without tabs
// and '#' comments, one entry per line, each ending in '\n'. Empty when
// the ACL has no entries or cannot be read.
std::string acl_text(const std::string& path, bool default_acl);

}  // namespace tapeline::fileset
