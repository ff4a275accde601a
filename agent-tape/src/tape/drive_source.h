// A tapefmt::byte_source over the records of one tape file on a drive.
// Private to tapeline_tape. Does not own the drive.
#pragma once

#include <memory>
#include <string>

#include "tapeline/drive/drive.h"
#include "tapeline/tapefmt/byte_source.h"

namespace tapeline::tape {

class drive_source final : public tapefmt::byte_source {
 public:
  explicit drive_source(drive::tape_drive* d);
  result<std::string_view> read(size_t max) override;
  std::string where() const override;

  // Reads the rest of the tape file, up to and past its filemark.
  status drain();
  // Records read so far, and how the tape file ended (when it has).
  uint64_t records() const { return records_; }
  bool at_end() const { return ended_; }
  bool hit_filemark() const { return filemark_; }
  bool hit_eod() const { return eod_; }

 private:
  status next_record();

  drive::tape_drive* drive_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0, pos_ = 0;
  uint64_t records_ = 0;
  bool ended_ = false, filemark_ = false, eod_ = false;
};

}  // namespace tapeline::tape
