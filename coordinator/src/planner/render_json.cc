#include <nlohmann/json.hpp>

#include "tapeline/planner/calendar.h"
#include "tapeline/planner/render.h"

namespace tapeline::planner {
namespace {

using nlohmann::json;

json object_json(const planned_object& o) {
  return {{"id", o.id},
          {"source", o.source},
          {"label", o.label},
          {"policy", o.policy},
          {"kind", to_string(o.kind)},
          {"base", o.base.empty() ? json(nullptr) : json(o.base)},
          {"chain_length", o.chain_length},
          {"bytes", o.bytes},
          {"pool", o.pool},
          {"drive", o.drive.empty() ? json(nullptr) : json(o.drive)},
          {"order", o.order},
          {"start_s", o.start_s},
          {"end_s", o.end_s}};
}

json drive_json(const drive_plan& d) {
  json tapes = json::array();
  for (auto& t : d.tapes)
    tapes.push_back({{"barcode", t.barcode},
                     {"free_bytes", t.free_bytes},
                     {"planned_bytes", t.planned_bytes},
                     {"load", t.load}});
  return {{"drive", d.drive},
          {"pool", d.pool},
          {"tapes", tapes},
          {"capacity", d.capacity},
          {"planned_bytes", d.planned_bytes},
          {"busy_s", d.busy_s},
          {"objects", d.objects}};
}

json forecast_json(const pool_forecast& f) {
  json nights = json::array();
  for (auto& n : f.nights)
    nights.push_back({{"night", format_iso(n.night)},
                      {"volume", n.volume},
                      {"held", n.held},
                      {"loadable", n.loadable},
                      {"capacity", n.capacity},
                      {"fits", n.fits}});
  return {
      {"pool", f.pool},
      {"media_type", f.media_type},
      {"tapes", f.tapes},
      {"tape_capacity", f.tape_capacity},
      {"nightly_volume", f.nightly_median},
      {"growth_per_night", f.growth_per_night},
      {"daily_keep", f.daily_keep},
      {"effective_daily_keep", f.effective_daily_keep},
      {"sustainable_daily_keep", f.sustainable_daily_keep},
      {"runs_out", f.runs_out ? json(format_iso(*f.runs_out)) : json(nullptr)},
      {"runs_out_reason", f.runs_out_reason},
      {"nights", nights}};
}

}  // namespace

std::string render_json(const plan& p) {
  json j;
  j["format"] = "tapeline-plan";
  j["version"] = 1;
  j["night"] = format_iso(p.night);
  j["objects"] = json::array();
  for (auto& o : p.objects) j["objects"].push_back(object_json(o));
  j["drives"] = json::array();
  for (auto& d : p.drives) j["drives"].push_back(drive_json(d));
  j["tape_actions"] = json::array();
  for (auto& a : p.tape_actions)
    j["tape_actions"].push_back({{"action", to_string(a.kind)},
                                 {"barcode", a.barcode},
                                 {"pool", a.pool},
                                 {"reason", a.reason}});
  j["expiries"] = json::array();
  for (auto& e : p.expiries)
    j["expiries"].push_back({{"object", e.object},
                             {"source", e.source},
                             {"label", e.label},
                             {"night", format_iso(e.night)}});
  j["changes"] = json::array();
  for (auto& c : p.changes)
    j["changes"].push_back({{"kind", to_string(c.kind)},
                            {"subject", c.subject},
                            {"reason", c.reason}});
  j["warnings"] = json::array();
  for (auto& w : p.warnings)
    j["warnings"].push_back({{"level", to_string(w.level)},
                             {"subject", w.subject},
                             {"text", w.text}});
  j["forecasts"] = json::array();
  for (auto& f : p.forecasts) j["forecasts"].push_back(forecast_json(f));
  j["snapshot_cutoffs"] = json::object();
  for (auto& [pol, d] : p.snapshot_cutoffs)
    j["snapshot_cutoffs"][pol] = format_iso(d);
  return j.dump(2);
}

}  // namespace tapeline::planner
