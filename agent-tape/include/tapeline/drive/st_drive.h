// The Linux st backend: a non-rewinding tape device (/dev/nstN) in
// variable-block mode, driven by write()/read() per record and the
// MTIOCTOP / MTIOCGET ioctls (Documentation/scsi/st.rst).
//
// Early warning follows the kernel's rule: the write that reaches it
// completes (written_early_warning, from GMT_EOT), the next returns ENOSPC
// (not_written_eom), the one after succeeds. A second ENOSPC in a row, or EIO
// past early warning, is code::end_of_medium.
//
// Ownership: the st_drive owns its file descriptor and closes it on
// destruction (st then writes a filemark if the last operation was a write).
// Thread-safety: one thread at a time (the drive actor's).
#pragma once

#include <string>

#include "tapeline/drive/drive.h"

namespace tapeline::drive {

class st_drive final : public tape_drive {
 public:
  // `device`: the non-rewinding node, e.g. "/dev/nst0". Nothing is opened
  // until the first call.
  explicit st_drive(std::string device);
  ~st_drive() override;
  st_drive(const st_drive&) = delete;
  st_drive& operator=(const st_drive&) = delete;

  std::string describe() const override { return device_; }
  status open() override;
  result<drive_info> info() override;
  result<write_outcome> write_record(const void* data, size_t n) override;
  result<read_result> read_record(void* buf, size_t cap) override;
  status write_filemarks(unsigned n) override;
  status space_files(int n) override;
  status space_to_eod() override;
  status rewind() override;
  status eject() override;

 private:
  struct mt_status {
    long gstat = 0;
    long file_number = -1;
    long block_number = -1;
  };
  status open_device();
  status ensure_ready();
  result<mt_status> get_status();
  status mt_op(short op, int count, const char* what);
  status errno_error(int err, const std::string& what) const;
  void close_device();

  std::string device_;
  int fd_ = -1;
  bool read_only_ = false;  // opened O_RDONLY: the tape is protected
  bool block_mode_set_ = false;
  bool last_enospc_ = false;  // the previous write returned ENOSPC
};

}  // namespace tapeline::drive
