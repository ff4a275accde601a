// The event constructors: subjects and texts in plain words
// (docs/notifications.md "Events").
#include "tapeline/notifier/event.h"

#include <algorithm>

namespace tapeline::notifier {
namespace {

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

bool offsite_destination(const std::string& d) {
  return d.empty() || d == "off-site" || d == "offsite";
}

}  // namespace

nlohmann::json event::to_json() const {
  return {{"kind", kind},       {"subject", subject}, {"text", text},
          {"barcode", barcode}, {"drive", drive},     {"job_id", job_id},
          {"fields", fields}};
}

const std::vector<std::string>& all_kinds() {
  static const std::vector<std::string> kinds = {
      "tape_ejected", "mount_request", "recall",
      "job_failed",   "drive_error",   "nightly_report", "plan_warning",
      "schedule_missed"};
  return kinds;
}

bool is_kind(const std::string& kind) {
  const auto& k = all_kinds();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

event tape_ejected(const std::string& barcode, const std::string& pool,
                   const std::string& destination) {
  bool offsite = offsite_destination(destination);
  std::string where = offsite ? "off-site" : "to " + destination;
  event e;
  e.kind = "tape_ejected";
  e.barcode = barcode;
  e.subject = "take " + barcode + " " + where;
  e.text = "Tape " + barcode + " (pool " + pool + ") was ejected. Take it " +
           where + ".\n" + "Then record the move: tapeline tapes offsite " +
           barcode + "\n";
  e.fields = {{"barcode", barcode},
              {"pool", pool},
              {"destination", offsite ? "off-site" : destination}};
  return e;
}

event mount_request(const std::string& drive, const std::string& pool,
                    const std::vector<std::string>& candidates) {
  event e;
  e.kind = "mount_request";
  e.drive = drive;
  if (candidates.size() == 1) e.barcode = candidates.front();
  e.subject = "load a scratch tape of pool " + pool;
  std::string listed;
  for (size_t i = 0; i < candidates.size() && i < 3; ++i)
    listed += (i ? ", " : "") + candidates[i];
  if (candidates.size() > 3) listed += ", ...";
  if (!listed.empty()) e.subject += ", or " + listed;
  e.text = "Drive " + drive + " is waiting for a tape.\n" +
           "Load a scratch tape of pool " + pool;
  if (candidates.empty()) {
    e.text += ".\n";
  } else {
    e.text += ", or one of these tapes of the pool:\n";
    for (const auto& c : candidates) e.text += "  " + c + "\n";
  }
  e.text += "The backup continues when the tape is loaded.\n";
  e.fields = {{"drive", drive}, {"pool", pool}, {"candidates", candidates}};
  return e;
}

event recall(const std::string& barcode, const std::string& reason) {
  event e;
  e.kind = "recall";
  e.barcode = barcode;
  e.subject = "recall " + barcode + " from off-site";
  e.text = "Bring tape " + barcode + " back on site: " + reason + ".\n" +
           "Then record it: tapeline tapes recall " + barcode + "\n";
  e.fields = {{"barcode", barcode}, {"reason", reason}};
  return e;
}

event job_failed(int64_t job_id, const std::string& what,
                 const std::string& error, const std::string& next_step) {
  event e;
  e.kind = "job_failed";
  e.job_id = job_id;
  e.subject = "job " + std::to_string(job_id) + " failed: " + what;
  e.text = "Job " + std::to_string(job_id) + " (" + what + ") failed.\n" +
           "Error: " + error + "\n" + "Next step: " + next_step + "\n";
  e.fields = {{"job_id", job_id},
              {"what", what},
              {"error", error},
              {"next_step", next_step}};
  return e;
}

event drive_error(const std::string& drive, const std::string& error) {
  event e;
  e.kind = "drive_error";
  e.drive = drive;
  e.subject = "drive " + drive + " error: " + first_line(error);
  e.text = "Drive " + drive + " reported an error:\n" + error + "\n" +
           "Check the drive and its tape in the tape agent's log; clean the "
           "drive if it asks for cleaning, then retry the job.\n";
  e.fields = {{"drive", drive}, {"error", error}};
  return e;
}

}  // namespace tapeline::notifier
