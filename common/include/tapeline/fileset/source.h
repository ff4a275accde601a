// The file-set source: directory trees as one zstd-compressed pax tar stream
// (`NAME.tar.zst`, docs/fileset.md), produced on demand without staging.
//
// The caller pulls bytes with read() until it returns 0. The tree is walked
// one directory at a time; memory is bounded by the depth and width of the
// tree and the number of multi-link files, not by the number of files.
// Paths that change, vanish or cannot be read are recorded in the report
// and never stop the stream (see report.h).
//
// A source owns its open files and directories until it is destroyed. It is
// not thread-safe: one thread calls read() and reads the report.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/fileset/report.h"

namespace tapeline::fileset {

struct root {
  std::string path;    // a directory or a file on disk
  std::string member;  // its name in the archive; "" = the base name of path
                       // (as `tar -C parent name` stores it)
};

struct options {
  std::vector<root> roots;            // REQUIRES: not empty
  std::vector<std::string> excludes;  // fnmatch globs; without '/' they match
                                      // a base name, with '/' the member path
  bool one_file_system = false;       // do not descend into other mounts
  bool compress = true;          // false: plain tar (already compressed data)
  int level = 3;                 // zstd level, 1..19
  int workers = 0;               // ZSTD_c_nbWorkers; 0 = in the caller
  size_t report_limit = 20;      // paths kept per issue kind
  size_t buffer_size = 1 << 20;  // file read / compressor input size
};

class source {
 public:
  // Checks the options and that every root exists (a missing root is a
  // configuration error, code::not_found, reported before any byte).
  static result<std::unique_ptr<source>> open(const options& opts);

  virtual ~source() = default;

  // Fills up to `cap` bytes of the stream; 0 at the end. Errors are fatal
  // (the compressor failed): the stream is then unusable.
  virtual result<size_t> read(char* buf, size_t cap) = 0;

  // The report so far; complete once read() returned 0.
  virtual const report& progress() const = 0;

  // The member being archived now (for progress lines).
  virtual const std::string& current() const = 0;
};

}  // namespace tapeline::fileset
