// Builds a raw disk from a backup chain as its objects stream off tape, with
// no layer files and no second pass (docs/restore.md "Straight to the
// output"): the full's bytes go to their place in the output (a raw full is
// written as it comes; a dynamic VHD full through vhd::stream_parser, block
// by block), then each delta's blocks overwrite, in place, exactly the
// sectors its bitmaps mark. Applying the deltas oldest first gives what
// vhd::merge_to_raw gives; the same chain checks apply (base type, sizes,
// block sizes), done as each object's headers arrive.
//
// Owns the output file: created (truncated) by create(), flushed to disk
// by finish(); destroyed unfinished, it removes the file. Memory is one VHD
// block. Not thread-safe.
//
// REQUIRES: objects are fed in chain order, full first; begin() before the
// first feed() of an object and end() after its last.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"
#include "tapeline/vhd/stream_parser.h"

namespace tapeline::restore {

class raw_assembler {
 public:
  static result<std::unique_ptr<raw_assembler>> create(const std::string& path);
  ~raw_assembler();

  // The next object: `raw` only for the full (a raw image of `raw_bytes`
  // bytes); otherwise a VHD (the full: dynamic; a delta: differencing).
  // `what` names it in messages.
  status begin(bool raw, uint64_t raw_bytes, const std::string& what);
  status feed(const char* p, size_t n);
  // Checks the object ended where it should (a VHD's trailing footer).
  status end();
  // Sizes the file to the disk, fsyncs and closes it; returns the disk's
  // size. REQUIRES: at least the full was fed and ended.
  result<uint64_t> finish();

 private:
  raw_assembler(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  status check_headers();
  status on_block(uint32_t index, std::string_view bitmap,
                  std::string_view data);
  status write_at(uint64_t offset, const char* p, size_t n);

  int fd_;
  std::string path_;
  bool finished_ = false;
  size_t objects_ = 0;       // begun so far
  bool has_size_ = false;    // the disk's size is known (the full's headers)
  uint64_t size_ = 0;        // the disk's virtual size
  uint32_t block_size_ = 0;  // the chain's VHD block size
  // The current object.
  std::string what_;
  bool raw_ = false;
  uint64_t raw_at_ = 0;
  bool checked_ = false;  // its VHD headers were checked
  std::unique_ptr<vhd::stream_parser> parser_;
};

}  // namespace tapeline::restore
