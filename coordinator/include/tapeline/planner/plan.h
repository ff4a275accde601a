// What the planner returns: tonight's plan and the capacity forecast.
// Plain values. Every change and warning carries a sentence an operator
// can act on (STYLE.md rule 3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tapeline/planner/model.h"

namespace tapeline::planner {

// One backup object to make tonight.
struct planned_object {
  std::string id;      // "<source>@<YYYY-MM-DD>"
  std::string source;  // disk id or file set id
  std::string label;   // "web01 disk 0"
  std::string policy;
  backup_kind kind = backup_kind::full;
  std::string base;      // delta: the retained object it is based on
  int chain_length = 0;  // deltas since its full (0 for a full)
  uint64_t bytes = 0;    // estimate, margin included
  std::string pool;      // the pool it is written to tonight
  std::string drive;     // empty: does not fit anywhere tonight
  int order = 0;         // position in its drive's queue, from 0
  double start_s = 0;    // estimated, from the start of the night
  double end_s = 0;
};

// A tape a drive writes tonight, in order.
struct tape_use {
  std::string barcode;
  uint64_t free_bytes = 0;     // before tonight
  uint64_t planned_bytes = 0;  // tonight's estimate on it
  bool load = false;           // must be loaded (not already in the drive)
};

struct drive_plan {
  std::string drive;
  std::string pool;
  std::vector<tape_use> tapes;
  uint64_t capacity = 0;  // sum of the tapes' free bytes
  uint64_t planned_bytes = 0;
  double busy_s = 0;
  std::vector<std::string> objects;  // planned object ids, in order
};

enum class tape_action_kind {
  eject_offsite,     // in the morning: eject, take off-site
  eject,             // eject before tonight (it must not be written)
  recall,            // ask the off-site store to return it
  return_to_scratch  // on site and nothing retained: reuse it
};

struct tape_action {
  tape_action_kind kind;
  std::string barcode;
  std::string pool;
  std::string reason;
};

struct expiry {
  std::string object;
  std::string source;
  std::string label;
  day night = 0;
};

enum class change_kind { moved, deferred, retention_shortened };

struct change {
  change_kind kind;
  std::string subject;  // object label or pool
  std::string reason;   // a plain sentence
};

enum class severity { info, warning, error };

struct warning {
  severity level = severity::warning;
  std::string subject;
  std::string text;  // what, on what, what to do next
};

struct forecast_night {
  day night = 0;
  uint64_t volume = 0;    // forecast bytes to write that night
  uint64_t held = 0;      // bytes on tapes still retained that night
  uint64_t loadable = 0;  // free bytes on tapes that can be written
  uint64_t capacity = 0;  // all usable tapes of the pool
  bool fits = true;
};

struct pool_forecast {
  std::string pool;
  std::string media_type;
  int tapes = 0;                   // usable (not retired)
  uint64_t tape_capacity = 0;      // per tape (the largest)
  uint64_t nightly_median = 0;     // tonight's forecast volume
  int64_t growth_per_night = 0;    // bytes per night, robust trend
  int daily_keep = 0;              // configured (deepest policy of the pool)
  int effective_daily_keep = 0;    // after shortening
  int sustainable_daily_keep = 0;  // deepest that holds over the horizon
  std::optional<day> runs_out;     // first night that cannot be written
  std::string runs_out_reason;
  std::vector<forecast_night> nights;
};

struct plan {
  day night = 0;
  std::vector<planned_object> objects;  // by drive, then order; unplaced last
  std::vector<drive_plan> drives;
  std::vector<tape_action> tape_actions;
  std::vector<expiry> expiries;
  std::vector<change> changes;
  std::vector<warning> warnings;
  std::vector<pool_forecast> forecasts;
  // Per policy: host snapshots older than this night may be deleted.
  std::vector<std::pair<std::string, day>> snapshot_cutoffs;

  bool has_errors() const;
};

const char* to_string(tape_action_kind k);
const char* to_string(change_kind k);
const char* to_string(severity s);

}  // namespace tapeline::planner
