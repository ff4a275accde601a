// Reads one object part (docs/tape-format.md §5, §6) from the tape in a
// drive, in steps: the drive's READ command (docs/wire-protocol.md "Reading
// back") streams it to a requester as credit arrives, so the payload never
// has to fit in memory.
//
// A part is the object's tape file on this tape: the whole object when it is
// not spanned, else the first part (an object file ending inside its
// payload) or a continuation (GNU multi-volume header, §6). The SHA-256
// computed is of this part's payload; for a whole object it is also checked
// against the trailer.
//
// Does not own the drive, which must outlive the reader; the reader moves
// the tape. Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/drive/drive.h"
#include "tapeline/tapefmt/tape_file_reader.h"

namespace tapeline::tape {

class drive_source;

// How a part ended.
enum class part_end {
  complete,   // the object's trailer was read, and its SHA-256 matched
  continues,  // the tape file ends inside the payload: the object goes on
              // on the next volume
};

class part_reader {
 public:
  // Seeks to tape file `file_number` of the loaded tape (named `volume` in
  // messages) and reads its headers. code::invalid_argument when that tape
  // file is not an object or a continuation.
  static result<std::unique_ptr<part_reader>> open(drive::tape_drive* d,
                                                   const std::string& volume,
                                                   uint32_t file_number);
  ~part_reader();

  // The object's manifest; for a continuation, one derived from the member
  // name (name, expected_size) unless the caller knows better.
  const v1::ObjectManifest& manifest() const { return r_.manifest(); }
  bool is_continuation() const { return continuation_; }
  // Payload offset of this part in the object (0 for the first part).
  uint64_t payload_offset() const { return offset_; }

  // Passes at most about `budget` more payload bytes to `sink`. Returns
  // true when the part is finished (see end()). Errors name the volume,
  // tape file and object: a media error, a damaged header, a missing
  // trailer (code::corrupt), or a SHA-256 mismatch with the trailer
  // (code::corrupt).
  result<bool> read(const tapefmt::payload_sink& sink, uint64_t budget);

  // REQUIRES: read() returned true.
  part_end end() const { return end_; }
  uint64_t part_bytes() const { return r_.part_payload_bytes(); }
  // Lowercase hex SHA-256 of this part's payload. REQUIRES: finished.
  const std::string& part_sha256() const { return sha_; }
  // The trailer. REQUIRES: end() == complete.
  const v1::ObjectTrailer& trailer() const { return r_.trailer(); }
  // "object ID (NAME) in tape VOL file N", for messages.
  std::string what() const;

 private:
  part_reader(drive::tape_drive* d, std::string volume, uint32_t file);

  drive::tape_drive* drive_;
  std::string volume_;
  uint32_t file_;
  std::unique_ptr<drive_source> src_;
  tapefmt::tape_file_reader r_;
  bool continuation_ = false;
  uint64_t offset_ = 0;
  std::string sha_;
  part_end end_ = part_end::complete;
};

}  // namespace tapeline::tape
