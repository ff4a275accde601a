// The nightly report's table and to-do list (docs/notifications.md
// "Nightly report").
#include "tapeline/notifier/report.h"

#include <algorithm>
#include <cstdio>

#include "tapeline/common/units.h"

namespace tapeline::notifier {
namespace {

using row = std::vector<std::string>;

std::string rate(const written_object& w) {
  if (w.seconds <= 0) return "-";
  return format_bytes(static_cast<uint64_t>(w.bytes / w.seconds)) + "/s";
}

// Left-aligned columns two spaces apart; the last has no trailing blanks.
std::string table(const std::vector<row>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += "  " + line + "\n";
  }
  return out;
}

uint64_t total_bytes(const nightly_report& r) {
  uint64_t t = 0;
  for (const auto& w : r.written) t += w.bytes;
  return t;
}

std::string plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void actions(std::string* out, const std::string& verb,
             const std::vector<tape_action>& list) {
  for (const auto& a : list)
    *out += "  - " + verb + " " + a.barcode +
            (a.note.empty() ? "" : " " + a.note) + "\n";
}

}  // namespace

std::string format_report(const nightly_report& r) {
  std::string out = "Nightly report for " + r.night + "\n\n";
  out += "Written: " + plural(r.written.size(), "object", "objects") + ", " +
         format_bytes(total_bytes(r)) + "\n";
  if (!r.written.empty()) {
    std::vector<row> rows = {
        {"VM", "Disk", "Kind", "Size", "Tape", "File", "Rate"}};
    for (const auto& w : r.written)
      rows.push_back({w.vm, std::to_string(w.disk), w.kind,
                      format_bytes(w.bytes), w.barcode,
                      std::to_string(w.file_number), rate(w)});
    out += table(rows);
  }
  out += "\nFailed: " + std::to_string(r.failures.size()) + "\n";
  for (const auto& f : r.failures)
    out +=
        "  - " + f.what + ": " + f.error + "\n    next: " + f.next_step + "\n";
  out += "\nTomorrow morning:\n";
  if (r.eject.empty() && r.offsite.empty() && r.recall.empty())
    out += "  nothing to do\n";
  actions(&out, "eject", r.eject);
  actions(&out, "take off-site", r.offsite);
  actions(&out, "recall", r.recall);
  if (!r.warnings.empty()) {
    out += "\nWarnings:\n";
    for (const auto& w : r.warnings) out += "  - " + w + "\n";
  }
  return out;
}

event report_event(const nightly_report& r) {
  event e;
  e.kind = "nightly_report";
  size_t f = r.failures.size();
  e.subject = "nightly report " + r.night + ": " +
              plural(r.written.size(), "object", "objects") + ", " +
              format_bytes(total_bytes(r)) + " written, " +
              (f ? plural(f, "failure", "failures") : "no failures");
  e.text = format_report(r);
  nlohmann::json written = nlohmann::json::array();
  for (const auto& w : r.written)
    written.push_back({{"vm", w.vm},
                       {"disk", w.disk},
                       {"kind", w.kind},
                       {"bytes", w.bytes},
                       {"barcode", w.barcode},
                       {"file_number", w.file_number},
                       {"seconds", w.seconds}});
  nlohmann::json failures = nlohmann::json::array();
  for (const auto& x : r.failures)
    failures.push_back(
        {{"what", x.what}, {"error", x.error}, {"next_step", x.next_step}});
  auto acts = [](const std::vector<tape_action>& l) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& t : l)
      a.push_back({{"barcode", t.barcode}, {"note", t.note}});
    return a;
  };
  e.fields = {{"night", r.night},           {"written", written},
              {"failures", failures},       {"eject", acts(r.eject)},
              {"offsite", acts(r.offsite)}, {"recall", acts(r.recall)},
              {"warnings", r.warnings},     {"total_bytes", total_bytes(r)}};
  return e;
}

}  // namespace tapeline::notifier
