// The uncompressed pax tar stream of a file set: member headers from the
// walker, file data read straight into the caller's buffer, hard links,
// changes while reading, and the end of archive (docs/fileset.md).
//
// Owns at most one open file at a time. Not thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "metadata.h"
#include "walker.h"

namespace tapeline::fileset {

class tar_stream {
 public:
  tar_stream(const options& opts, report* rep);
  ~tar_stream();
  tar_stream(const tar_stream&) = delete;
  tar_stream& operator=(const tar_stream&) = delete;

  // Up to `cap` bytes of the tar stream; 0 at the end. Never fails: file
  // problems become report entries.
  size_t read(char* buf, size_t cap);

  const std::string& current() const { return current_; }

 private:
  // Queues the header (and opens the data) of the next member; false at
  // the end of the walk.
  bool next_member();
  void add_regular(walk_entry& e, tapefmt::member_header& h);
  size_t read_data(char* buf, size_t cap);
  void finish_file();

  const options& opts_;
  report* rep_;
  walker walker_;
  metadata_reader meta_;
  std::string pending_;  // header or padding bytes not yet returned
  size_t pending_pos_ = 0;
  bool ended_ = false;

  // The regular file whose data is being streamed.
  int fd_ = -1;
  uint64_t left_ = 0;    // data bytes still owed to the archive
  uint64_t size_ = 0;    // its size in the header
  bool short_ = false;   // hit EOF or an error before `size_` bytes
  bool failed_ = false;  // ... and it was an error (already reported)
  struct stat before_ {};
  std::string disk_path_;
  std::string current_;

  // First member name of each multi-link inode.
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace tapeline::fileset
