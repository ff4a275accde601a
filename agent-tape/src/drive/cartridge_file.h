// One open cartridge file: its header and the index of its entries. Private
// to the virtual drive and the cartridge tools. The byte layout is specified
// in docs/virtual-drive.md; this code follows it.
//
// Positions are entry indexes (0 = BOT, entry_count() = end of data).
// Thread-safety: none; one user at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {

// The fixed header at the start of a cartridge file (docs/virtual-drive.md).
struct cartridge_header {
  uint32_t format_version = 1;
  cartridge_spec spec;  // capacity and early warning resolved
  cartridge_faults faults;
};

constexpr size_t cartridge_header_size = 512;
constexpr size_t entry_header_size = 8;

// Fills in a zero capacity / early-warning room from the media type.
cartridge_spec resolve_spec(cartridge_spec spec);

class cartridge_file {
 public:
  cartridge_file() = default;
  ~cartridge_file();
  cartridge_file(const cartridge_file&) = delete;
  cartridge_file& operator=(const cartridge_file&) = delete;

  // Opens `path`, reads the header and indexes the entries. A torn last
  // entry (a crash mid-write) is cut off when `writable`.
  status open(const std::string& path, bool writable);
  // Creates a new, empty cartridge. Fails if `path` exists.
  static status create(const std::string& path, const cartridge_header& h);

  const std::string& path() const { return path_; }
  const cartridge_header& header() const { return header_; }
  // Rewrites the header in place.
  status store_header(const cartridge_header& h);

  size_t entry_count() const { return offsets_.size(); }
  bool is_filemark(size_t pos) const { return length(pos) == 0; }
  // Payload length of entry `pos` (0 for a filemark).
  uint64_t length(size_t pos) const;
  // Record payload bytes before entry `pos`: where the head is on tape.
  uint64_t data_before(size_t pos) const;
  // Number of filemarks before entry `pos`.
  size_t filemarks_before(size_t pos) const;
  // Entry index of filemark number `k` (0-based). REQUIRES: k < count.
  size_t filemark_index(size_t k) const { return filemarks_[k]; }
  size_t filemark_count() const { return filemarks_.size(); }

  // Reads the payload of record `pos`. REQUIRES: buf holds length(pos).
  status read_payload(size_t pos, void* buf) const;
  // Drops every entry from `pos` on, then appends a record / filemarks.
  status write_record(size_t pos, const void* data, size_t n);
  status write_filemarks(size_t pos, unsigned n);

 private:
  status truncate_at(size_t pos);
  status scan(uint64_t file_size, bool writable);
  status os_error(const char* what) const;

  std::string path_;
  int fd_ = -1;
  cartridge_header header_;
  std::vector<uint64_t> offsets_;         // file offset of each entry header
  std::vector<size_t> filemarks_;         // entry indexes of filemarks, sorted
  uint64_t end_ = cartridge_header_size;  // file offset of end of data
};

// rename(2), falling back to copy and unlink across filesystems.
status move_file(const std::string& from, const std::string& to);

}  // namespace tapeline::drive
