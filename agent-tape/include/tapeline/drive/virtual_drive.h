// The virtual drive: a faithful stand-in for a Linux st drive, for tests and
// the quick start (DESIGN.md "Virtual drive"; format in docs/virtual-drive.md).
//
// A cartridge is one file, BARCODE.vtape. It sits either on the shelf
// (library_dir) or in a drive's slot (slot_dir); load() and eject() move it,
// so a cartridge is in one place at a time, as a real one is.
//
// Thread-safety: one thread at a time per drive (the drive actor's).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/drive/drive.h"

namespace tapeline::drive {

struct cartridge_spec {
  std::string barcode;  // e.g. "LTO5-0001"; also the file name
  std::string media_type = "LTO-5";
  uint64_t capacity_bytes = 0;  // 0: the media type's nominal capacity
  // Room left when early warning is signalled. 0: a default proportional to
  // the capacity (1%, at least 4 MiB and at most capacity/4).
  uint64_t early_warning_bytes = 0;
  bool write_protected = false;
};

// Injected faults, stored in the cartridge so they survive across processes.
// N counts tape blocks from BOT, 0-based: records and filemarks alike (a
// logical block address), so a filemark moves later writes off a bad spot.
struct cartridge_faults {
  int64_t eio_at_record = -1;      // the write of data record N fails (EIO)
  int64_t removed_at_record = -1;  // media "pulled" before data record N
                                   // (one-shot: cleared when it fires)
  int64_t corrupt_at_record = -1;  // reading record N fails (EIO): bad tape
};

// LTO speed model (off by default). Rates in bytes per second.
struct speed_model_options {
  bool enabled = false;
  double native_rate = 140e6;  // LTO-5
  double min_rate = 40e6;      // slowest speed-matching speed
  uint64_t drive_buffer = 256ull << 20;
  double backhitch_seconds = 2.0;    // time lost by one reposition
  double rate_window_seconds = 4.0;  // host-rate averaging time constant
};

// Nominal figures for a media type ("LTO-4", "LTO-5", ...). Unknown types
// get LTO-5's. lto_speed() returns the model enabled.
speed_model_options lto_speed(const std::string& media_type);
uint64_t lto_capacity(const std::string& media_type);

struct virtual_drive_options {
  std::string name;         // drive name, for messages
  std::string slot_dir;     // where a loaded cartridge file lives
  std::string library_dir;  // the shelf
  speed_model_options speed;
  // Monotonic clock in seconds and a sleep, for the speed model; system
  // clock and real sleeps when null. Tests pass a fake to stay deterministic.
  double (*now)() = nullptr;
  void (*sleep_for)(double seconds) = nullptr;
};

// As st does, a rewind, eject or backward space_files() right after a
// write_record() first writes one filemark. A cartridge already in the slot
// is opened at BOT on first use.
class virtual_drive final : public tape_drive {
 public:
  explicit virtual_drive(virtual_drive_options opts);
  ~virtual_drive() override;

  // Moves library_dir/BARCODE.vtape into the slot and opens it at BOT.
  // Fails if the slot is occupied or the cartridge is not on the shelf.
  status load(const std::string& barcode);

  std::string describe() const override;
  status open() override;
  result<drive_info> info() override;
  result<write_outcome> write_record(const void* data, size_t n) override;
  result<read_result> read_record(void* buf, size_t cap) override;
  status write_filemarks(unsigned n) override;
  status space_files(int n) override;
  status space_to_eod() override;
  status rewind() override;
  status eject() override;  // moves the cartridge back to the shelf
  uint64_t backhitches() const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Cartridge files on the shelf (used by tapeline-vtape and tests).
status create_cartridge(const std::string& library_dir,
                        const cartridge_spec& spec);
status set_cartridge_faults(const std::string& cartridge_path,
                            const cartridge_faults& faults);
status set_write_protect(const std::string& cartridge_path, bool on);

// DIR/BARCODE.vtape
std::string cartridge_path(const std::string& dir, const std::string& barcode);

// Barcodes of the cartridges in `dir`, sorted.
result<std::vector<std::string>> list_cartridges(const std::string& dir);

struct tape_file_summary {
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// What a cartridge holds, read without a drive (tapeline-vtape inspect).
struct cartridge_summary {
  cartridge_spec spec;  // capacity and early warning resolved
  cartridge_faults faults;
  uint32_t format_version = 0;
  uint64_t records = 0;
  uint64_t filemarks = 0;
  uint64_t data_bytes = 0;  // record payload bytes: capacity used
  // One entry per tape file; the last one may lack its filemark.
  std::vector<tape_file_summary> files;
};
result<cartridge_summary> inspect_cartridge(const std::string& cartridge_path);

// Calls `sink` with each record of tape file `file_number`, in order
// (tapeline-vtape dump). Fails with code::not_found past the last file.
status read_cartridge_file(
    const std::string& cartridge_path, unsigned file_number,
    const std::function<status(const char* data, size_t n)>& sink);

}  // namespace tapeline::drive
