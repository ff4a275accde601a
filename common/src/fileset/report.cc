// The report as JSON (docs/fileset.md, "Report").
#include "tapeline/fileset/report.h"

#include <nlohmann/json.hpp>

namespace tapeline::fileset {
namespace {

nlohmann::json issues_json(const issue_list& l) {
  nlohmann::json paths = nlohmann::json::array();
  // Paths are bytes; replace what is not UTF-8 rather than fail.
  for (const auto& p : l.first) paths.push_back(p);
  return {{"count", l.count}, {"first", paths}};
}

}  // namespace

std::string to_json(const report& r) {
  nlohmann::json j = {
      {"finished", r.finished},
      {"clean", r.clean()},
      {"files", r.files},
      {"dirs", r.dirs},
      {"symlinks", r.symlinks},
      {"hardlinks", r.hardlinks},
      {"specials", r.specials},
      {"bytes_read", r.bytes_read},
      {"bytes_tar", r.bytes_tar},
      {"bytes_out", r.bytes_out},
      {"changed", issues_json(r.changed)},
      {"vanished", issues_json(r.vanished)},
      {"unreadable", issues_json(r.unreadable)},
      {"skipped", issues_json(r.skipped)},
  };
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tapeline::fileset
