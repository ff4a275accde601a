// Walks the roots of a file set depth-first, one directory at a time: a
// directory's names are read and sorted when it is entered, and each name is
// lstat'ed only when its turn comes. Memory: one name list per open level.
//
// Owns the directory descriptors it opens. Not thread-safe.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "tapeline/fileset/report.h"
#include "tapeline/fileset/source.h"

namespace tapeline::fileset {

struct walk_entry {
  int dirfd = -1;         // parent directory (or AT_FDCWD for a root)
  std::string name;       // name for *at() calls relative to dirfd
  std::string member;     // archive path, without a trailing '/'
  std::string disk_path;  // path on disk, for messages
  struct stat st {};      // lstat at the time of the listing's turn
};

class walker {
 public:
  walker(const options& opts, report* rep);
  ~walker();
  walker(const walker&) = delete;
  walker& operator=(const walker&) = delete;

  // The next entry, or false at the end. A directory returned here is
  // entered on the following call (unless excluded by one_file_system).
  // Vanished and unreadable paths are recorded in the report and skipped.
  // The entry's dirfd stays valid until the next call.
  bool next(walk_entry* e);

  // "/proc/self/fd/N/name" (or the path itself for a root): a path for
  // l*xattr() and acl_get_file() that does not follow a final symlink.
  static std::string at_path(const walk_entry& e);

 private:
  struct frame {
    int fd = -1;
    std::string member, disk;
    std::vector<std::string> names;
    size_t pos = 0;
  };

  void enter(const walk_entry& dir);
  bool excluded(const std::string& member) const;

  const options& opts_;
  report* rep_;
  size_t next_root_ = 0;
  std::vector<frame> stack_;
  bool pending_dir_ = false;  // last entry returned was a directory
  walk_entry last_;
  dev_t root_dev_ = 0;
};

}  // namespace tapeline::fileset
