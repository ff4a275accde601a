// docs/tape-format.md §1 (records) and §6 (split points).
#include "tapeline/tapefmt/record_assembler.h"

#include <algorithm>
#include <cstring>

namespace tapeline::tapefmt {

record_assembler::record_assembler(size_t record_size)
    : size_(record_size), buf_(new char[record_size]) {}

void record_assembler::start_file(uint64_t logical_start,
                                  std::string_view prefix) {
  // memcpy from an empty view's null data() is undefined, even for 0 bytes.
  if (!prefix.empty()) std::memcpy(buf_.get(), prefix.data(), prefix.size());
  fill_ = prefix_ = prefix.size();
  start_ = logical_start;
  first_ = true;
}

size_t record_assembler::fill(const char* p, size_t n) {
  size_t k = std::min(n, size_ - fill_);
  if (k > 0) std::memcpy(buf_.get() + fill_, p, k);
  fill_ += k;
  return k;
}

void record_assembler::pad() {
  std::memset(buf_.get() + fill_, 0, size_ - fill_);
  fill_ = size_;
}

void record_assembler::record_written() {
  start_ = boundary_after();
  fill_ = prefix_ = 0;
  first_ = false;
}

std::string record_assembler::take_buffered() {
  std::string out(buf_.get() + prefix_, fill_ - prefix_);
  fill_ = prefix_;
  return out;
}

void split_tracker::add(std::string member, uint64_t data_start, uint64_t size,
                        uint64_t payload_base) {
  if (size > 0)
    members_.push_back({std::move(member), data_start, size, payload_base});
}

std::optional<split_point> split_tracker::at(uint64_t at) const {
  for (const auto& e : members_) {
    if (at >= e.data_start && at < e.data_start + e.size) {
      uint64_t off = at - e.data_start;
      return split_point{e.member, at, off, e.size - off, e.payload_base + off};
    }
  }
  return std::nullopt;
}

void split_tracker::prune(uint64_t before) {
  while (!members_.empty() &&
         members_.front().data_start + members_.front().size <= before)
    members_.pop_front();
}

}  // namespace tapeline::tapefmt
