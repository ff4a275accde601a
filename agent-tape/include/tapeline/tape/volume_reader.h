// Reads the tape format (docs/tape-format.md) back from a drive: the label,
// the catalog, objects (verifying SHA-256 against the trailer, following
// spanned objects onto later tapes), and the catalog rebuilt from the tape
// alone (§9).
//
// Does not own the drive, which must outlive the reader. Every call moves
// the tape. Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/drive/drive.h"
#include "tapeline/tapefmt/tape_file_reader.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::tape {

// What scan() found.
struct tape_scan {
  v1::TapeLabel label;
  v1::TapeCatalog catalog;         // last catalog + parts found after it
  uint32_t last_catalog_file = 0;  // 0: no catalog on the tape
  uint32_t next_file = 0;          // the tape file EOD starts (append point)
  uint64_t next_block = 0;         // logical object number of EOD
  bool needs_filemark = false;     // the last tape file lacks its filemark
};

struct object_read {
  v1::ObjectManifest manifest;
  v1::ObjectTrailer trailer;
  uint64_t payload_bytes = 0;
  uint32_t parts = 0;
};

// Loads the tape holding part `next_part` of `m` into the same drive and
// returns the tape file where that part starts: the first object file of
// that tape (1, or 2 after a tools file, tape-format.md §2).
using next_volume_fn = std::function<result<uint32_t>(
    const v1::ObjectManifest& m, uint32_t next_part)>;

class volume_reader {
 public:
  explicit volume_reader(drive::tape_drive* d);  // does not own d

  // Rewinds and reads tape file 0. code::not_found on a blank tape,
  // code::corrupt when the tape is not a Tapeline tape.
  result<v1::TapeLabel> read_label();
  // The last catalog file on the tape; code::not_found when there is none.
  result<v1::TapeCatalog> read_catalog();
  // §9: label, last catalog, object files after it. Ends at EOD.
  result<tape_scan> scan();
  // Streams the object starting in tape file `file_number` to `sink` and
  // checks its SHA-256 against the trailer. `next` may be empty when the
  // object is not spanned.
  result<object_read> read_object(uint32_t file_number,
                                  const tapefmt::payload_sink& sink,
                                  const next_volume_fn& next = {});
  // read_object without a sink; returns a one-line report.
  result<std::string> verify_object(uint32_t file_number);

 private:
  std::string where(uint32_t file) const;
  result<uint32_t> find_last_catalog(uint32_t* files);
  status scan_file(uint32_t file, tape_scan* out, bool* eod);

  drive::tape_drive* drive_;
  std::string tape_name_;
};

}  // namespace tapeline::tape
