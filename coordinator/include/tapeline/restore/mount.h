// Getting the right tape into the drive before a restore reads from it
// (docs/restore.md "Tapes"). A restore calls ensure_loaded() before each
// part whose tape is not the one loaded.
//
// Handlers do not own the client. Not thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/restore/drive_client.h"

namespace tapeline::restore {

class mount_handler {
 public:
  virtual ~mount_handler() = default;
  // Returns once a tape is in the client's drive that should be `volume`
  // (the READ that follows checks its label). `why` says what it is for,
  // e.g. "part 2 of object ab12 (vm01 disk 0)".
  virtual status ensure_loaded(drive_client& d, const std::string& volume,
                               const std::string& why) = 0;
};

// Virtual drives (tests, the quick start): LOAD the cartridge from the
// shelf; the drive ejects the tape it holds first.
std::unique_ptr<mount_handler> make_load_handler();

struct operator_options {
  std::ostream* out = nullptr;  // where the request is printed
  // How often the drive's STATUS is asked while waiting, and for how long.
  std::chrono::milliseconds poll{1000};
  std::chrono::seconds timeout{3600};
  // Waits between polls; a real sleep unless a test passes its own.
  std::function<void(std::chrono::milliseconds)> wait;
};

// Asks the operator on the terminal: ejects a different tape (EJECT), prints
// "load LTO5-0003 into drive lto5 ...", then polls the drive's STATUS until
// it reports a cartridge loaded. code::unavailable after the timeout.
std::unique_ptr<mount_handler> make_operator_handler(operator_options o);

}  // namespace tapeline::restore
