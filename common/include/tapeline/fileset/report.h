// What a file-set stream archived and what went wrong on the way
// (docs/fileset.md, "Report").
//
// A plain value, filled by the source while it is read. Not thread-safe:
// read it from the thread that calls source::read(), or after the end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tapeline::fileset {

// Problems that skip or alter one path but never stop the stream.
struct issue_list {
  uint64_t count = 0;
  std::vector<std::string> first;  // the first `limit` entries, "path: why"

  void add(const std::string& entry, size_t limit) {
    ++count;
    if (first.size() < limit) first.push_back(entry);
  }
};

struct report {
  // Members written, by type.
  uint64_t files = 0;       // regular files with data
  uint64_t dirs = 0;        // directories
  uint64_t symlinks = 0;    // symbolic links
  uint64_t hardlinks = 0;   // '1' members (later names of a multi-link file)
  uint64_t specials = 0;    // FIFOs and device nodes
  uint64_t bytes_read = 0;  // file data read from disk
  uint64_t bytes_tar = 0;   // the uncompressed tar stream
  uint64_t bytes_out = 0;   // what read() returned (compressed)

  issue_list changed;     // size, mtime or ctime changed while read
  issue_list vanished;    // listed, then gone before it was opened
  issue_list unreadable;  // permission denied, I/O errors: skipped
  issue_list skipped;     // sockets and other types tar cannot hold

  bool finished = false;  // the end of archive and zstd frame were written

  // True when nothing changed, vanished or failed.
  bool clean() const {
    return changed.count + vanished.count + unreadable.count == 0;
  }
};

// The report as one JSON object (the schema is in docs/fileset.md).
std::string to_json(const report& r);

}  // namespace tapeline::fileset
