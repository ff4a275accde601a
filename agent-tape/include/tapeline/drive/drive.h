// The one interface every tape drive backend implements (Linux st, virtual).
//
// Semantics follow the Linux st driver in variable-block mode: one
// write_record() is one tape record (block). End of file, end of data and
// the early-warning zone are explicit result values, not errors.
//
// Thread-safety: a tape_drive is used by one thread at a time (its drive
// actor). Implementations need no internal locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::drive {

// What happened to one write_record() call.
enum class write_outcome {
  written,                // the record is on tape
  written_early_warning,  // on tape, and the head is now past early warning
  not_written_eom,        // ENOSPC: nothing written. The st rule: the NEXT
                          // write succeeds again (room for a small trailer)
                          // until the physical end of medium, where writes
                          // fail with code::end_of_medium.
};

enum class read_outcome {
  record,       // `length` bytes were read
  filemark,     // a filemark was crossed; the head is after it
  end_of_data,  // no more data recorded (blank tape after this point)
};

struct read_result {
  read_outcome what = read_outcome::record;
  size_t length = 0;
};

struct drive_position {
  // Tape file number and block (record) number within it, as MTIOCGET's
  // mt_fileno / mt_blkno report them. -1 when the drive does not know.
  int64_t file_number = -1;
  int64_t block_number = -1;
  bool bot = false;            // at beginning of tape
  bool eod = false;            // at end of recorded data
  bool early_warning = false;  // in the early-warning zone (GMT_EOT)
};

struct drive_info {
  bool loaded = false;  // a cartridge is in the drive and online
  bool write_protected = false;
  std::string volume_hint;  // virtual drives: the barcode; st: empty
  drive_position position;
};

class tape_drive {
 public:
  virtual ~tape_drive() = default;

  // A human name for messages, e.g. "/dev/nst1" or "virtual:lto5".
  virtual std::string describe() const = 0;

  // Prepares a loaded cartridge for use: variable-block mode (MTSETBLK 0).
  // Returns code::no_media when the drive is empty.
  virtual status open() = 0;

  virtual result<drive_info> info() = 0;

  // Writes one record of `n` bytes (n > 0).
  virtual result<write_outcome> write_record(const void* data, size_t n) = 0;

  // Reads the next record into `buf`. A record longer than `cap` is an
  // error (code::corrupt), as st reports ENOMEM.
  virtual result<read_result> read_record(void* buf, size_t cap) = 0;

  // Writes `n` filemarks (MTWEOF). Also flushes the drive's buffer.
  virtual status write_filemarks(unsigned n) = 0;

  // MTFSF (n > 0): forward past n filemarks, to the start of the next file.
  // MTBSF (n < 0): back over |n| filemarks; the head stops on the BOT side
  // of the last filemark crossed. Running into BOT or EOD is code::io_error
  // with a message saying so.
  virtual status space_files(int n) = 0;

  // MTEOM: to end of recorded data, ready to append.
  virtual status space_to_eod() = 0;

  virtual status rewind() = 0;

  // MTOFFL: rewind and unload. The drive is empty afterwards.
  virtual status eject() = 0;

  // Backhitches counted by a speed model; 0 for real hardware.
  virtual uint64_t backhitches() const { return 0; }
};

// Positions at the start of tape file `n` (rewind, then MTFSF n).
status seek_file(tape_drive& d, unsigned n);

}  // namespace tapeline::drive
