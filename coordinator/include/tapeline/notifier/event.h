// Operator notifications as events: what happened, in plain words, for a
// person (subject and text) and for a program (JSON). docs/notifications.md
// lists the events and their JSON fields.
//
// The constructors are pure: no clock, no I/O. An event is a copyable value;
// not thread-safe to mutate concurrently.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tapeline::notifier {

struct event {
  std::string kind;     // one of all_kinds()
  std::string subject;  // one line: "take LTO5-0007 off-site"
  std::string text;     // plain text, lines ending in '\n'
  nlohmann::json fields = nlohmann::json::object();  // kind-specific
  std::string barcode;  // the tape it is about, if any (acknowledgement)
  std::string drive;    // the drive it is about, if any
  int64_t job_id = 0;   // the job it is about, 0 if none

  // {"kind", "subject", "text", "barcode", "drive", "job_id", "fields"}.
  nlohmann::json to_json() const;
};

// "tape_ejected", "mount_request", "recall", "job_failed", "drive_error",
// "nightly_report".
const std::vector<std::string>& all_kinds();
bool is_kind(const std::string& kind);

// A tape left its drive and should go to `destination` ("off-site" when
// empty, else e.g. "safe B"). Subject: "take LTO5-0007 off-site", or
// "take LTO5-0007 to safe B". Acknowledged by `tapeline tapes offsite`.
event tape_ejected(const std::string& barcode, const std::string& pool,
                   const std::string& destination);

// A drive waits for a tape. Subject: "load a scratch tape of pool vdi, or
// LTO5-0003" (candidates are tapes of the pool that would also do; the
// subject names at most three). Acknowledged by loading a tape there.
event mount_request(const std::string& drive, const std::string& pool,
                    const std::vector<std::string>& candidates);

// An off-site tape is needed back. Subject: "recall LTO5-0003 from
// off-site". Acknowledged by `tapeline tapes recall LTO5-0003`.
event recall(const std::string& barcode, const std::string& reason);

// Subject: "job 42 failed: backup of VM web01".
event job_failed(int64_t job_id, const std::string& what,
                 const std::string& error, const std::string& next_step);

// Subject: "drive lto5 error: <first line of error>".
event drive_error(const std::string& drive, const std::string& error);

}  // namespace tapeline::notifier
