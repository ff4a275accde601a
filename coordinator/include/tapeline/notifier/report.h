// The nightly report: what was written, where, how fast, what failed, and
// what the operator does tomorrow morning. Pure formatting, no I/O.
// Plain values; not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tapeline/notifier/event.h"

namespace tapeline::notifier {

struct written_object {
  std::string vm;  // VM name, or the file set's name
  uint32_t disk = 0;
  std::string kind;  // "vdi_full", "vdi_delta", "pool_metadata", "file_set"
  uint64_t bytes = 0;
  std::string barcode;  // first tape it is on
  uint32_t file_number = 0;
  double seconds = 0;  // time on the drive; 0 when unknown (no rate)
};

struct failed_work {
  std::string what;       // "VM db02 disk 1"
  std::string error;      // what failed
  std::string next_step;  // what to do
};

struct tape_action {
  std::string barcode;
  std::string note;  // "from lto5", "to bank safe", "needed by Friday's full"
};

struct nightly_report {
  std::string night;  // the site's date, "2025-07-01" (the caller's zone)
  std::vector<written_object> written;
  std::vector<failed_work> failures;
  std::vector<tape_action> eject;    // tapes to take out of the drives
  std::vector<tape_action> offsite;  // tapes to take off-site
  std::vector<tape_action> recall;   // tapes to bring back
  std::vector<std::string> warnings;
};

// The report as a readable table (fixed-width columns) with the morning's
// to-do list.
std::string format_report(const nightly_report& r);

// Subject: "nightly report 2025-07-01: 3 objects, 1.2 TiB written,
// 1 failure".
event report_event(const nightly_report& r);

}  // namespace tapeline::notifier
