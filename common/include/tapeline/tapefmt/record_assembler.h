// Writer-side assembly of an object's archive stream (docs/tape-format.md
// §1, §6): fixed-size records built in one reusable buffer, and the places
// where the stream may be split across volumes.
//
// Offsets are *logical*: positions in the object's archive stream as if it
// were written to one endless tape, without continuation headers.
// Pure; one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tapeline::tapefmt {

class record_assembler {
 public:
  explicit record_assembler(size_t record_size);

  size_t record_size() const { return size_; }

  // Starts a tape file whose logical stream continues at `logical_start`;
  // `prefix` (continuation headers, < record size) goes first and is not
  // part of the logical stream. Drops any buffered bytes.
  void start_file(uint64_t logical_start, std::string_view prefix);

  // Copies up to n stream bytes into the record; returns how many fit.
  size_t fill(const char* p, size_t n);
  bool full() const { return fill_ == size_; }
  bool empty() const { return fill_ == 0; }
  // Zero-fills the rest of the record.
  void pad();
  const char* record() const { return buf_.get(); }

  // The current (full) record is on tape; the buffer is empty again.
  void record_written();
  // Removes and returns the buffered logical bytes (the prefix excluded).
  std::string take_buffered();

  // Logical offsets of the boundaries before and after the current record.
  uint64_t boundary_before() const { return start_; }
  uint64_t boundary_after() const { return start_ + size_ - prefix_; }
  // True until the first record of the tape file is written.
  bool at_file_start() const { return first_; }

 private:
  size_t size_;
  std::unique_ptr<char[]> buf_;
  size_t fill_ = 0;
  size_t prefix_ = 0;   // non-logical bytes at the start of the buffer
  uint64_t start_ = 0;  // logical offset of the first logical byte
  bool first_ = true;
};

// Where a split may fall: inside the data of a payload member, with at
// least one byte of it to come (§6).
struct split_point {
  std::string member;
  uint64_t logical = 0;         // where the split is
  uint64_t offset = 0;          // member bytes before it
  uint64_t size_left = 0;       // member bytes after it
  uint64_t payload_offset = 0;  // payload bytes before it
};

class split_tracker {
 public:
  // A payload member whose `size` data bytes start at logical `data_start`
  // and hold payload bytes from `payload_base`.
  void add(std::string member, uint64_t data_start, uint64_t size,
           uint64_t payload_base);
  // The split at logical offset `at`, if valid.
  std::optional<split_point> at(uint64_t at) const;
  // Forgets members whose data ends at or before `before`.
  void prune(uint64_t before);
  void clear() { members_.clear(); }

 private:
  struct extent {
    std::string member;
    uint64_t data_start, size, payload_base;
  };
  std::deque<extent> members_;
};

}  // namespace tapeline::tapefmt
