// What the planner is given: policies, media pools, drives, tapes, the
// inventory of VMs and file sets, their size history, the retained objects,
// and tonight's date. Plain values, copied freely; the planner never keeps a
// reference to them after make_plan() returns. Not thread-safe to mutate
// while a plan is being made from them.
//
// Sizes are bytes, rates bytes per second, nights civil days (calendar.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tapeline/planner/calendar.h"

namespace tapeline::planner {

enum class schedule {
  daily_full,   // a full every night; a delta only when a full is deferred
  weekly_full,  // a full on full_weekday, deltas on the other nights
};

// Grandfather-father-son keeps. daily: nights; weekly: the last restore
// point of each of the last N weeks; monthly: of each of the last N months.
struct gfs_keep {
  int daily = 14;
  int weekly = 0;
  int monthly = 0;
};

struct policy {
  std::string name;
  schedule kind = schedule::daily_full;
  int full_weekday = 6;      // weekly_full: 0 = Sunday ... 6 = Saturday
  int max_chain_length = 0;  // deltas allowed after a full (0: never)
  int host_snapshot_days = 14;
  gfs_keep keep;
  // The planner may shorten keep.daily down to this when tapes run short.
  // Equal to keep.daily: never shortened.
  int min_daily_keep = 7;
  std::string pool;
  // Pools this policy's work may move to when its own pool is full tonight.
  std::vector<std::string> overflow_pools;
};

enum class rotation {
  one_tape_per_night,  // each drive takes a fresh tape each night
  append_until_full,   // a drive keeps appending to its tape until full
};

struct media_pool {
  std::string name;
  std::string media_type;  // "LTO-4"; must match the pool's drives and tapes
  rotation mode = rotation::one_tape_per_night;
  // append_until_full: how many tapes one drive may fill in one night (the
  // tape in the drive plus scratch tapes mounted when it fills).
  int max_tapes_per_drive = 2;
  bool offsite = true;  // written tapes leave the site in the morning
  int recall_days = 1;  // from asking for an off-site tape to having it back
};

struct drive {
  std::string name;        // "lto4"
  std::string media_type;  // what it writes, "LTO-4"
  std::string pool;        // the pool whose tapes it takes each night
  double rate = 0;         // sustained bytes per second
};

enum class tape_state {
  scratch,  // on site, nothing retained, may be loaded
  loaded,   // in a drive (`drive`)
  full,     // on site, written, waiting to leave
  offsite,  // at the off-site store
  vaulted,  // in long-term storage
  expired,  // nothing retained; waiting to come back and be reused
  retired,  // never to be used again
};

struct tape {
  std::string barcode;
  std::string pool;
  std::string media_type;
  uint64_t capacity = 0;
  uint64_t used = 0;
  tape_state state = tape_state::scratch;
  std::string location;  // "vault A", "off-site: bank"
  std::string drive;     // when loaded
};

struct disk {
  std::string id;  // the VDI's uuid
  uint64_t size = 0;
};

struct vm {
  std::string id;
  std::string name;  // "web01"
  std::string policy;
  std::vector<disk> disks;
};

struct file_set {
  std::string id;
  std::string name;  // "zimbra+samba"
  std::string policy;
  uint64_t size = 0;
};

struct inventory {
  std::vector<vm> vms;
  std::vector<file_set> file_sets;
};

// One night's sizes of one source; 0 = not measured that night.
struct size_sample {
  day night = 0;
  uint64_t full_bytes = 0;
  uint64_t delta_bytes = 0;
};

enum class backup_kind { full, delta };

// A backup object the catalog holds as restorable.
struct retained_object {
  std::string id;
  std::string source;  // disk id or file set id
  backup_kind kind = backup_kind::full;
  std::string parent;  // delta: the object it is based on
  day night = 0;
  uint64_t bytes = 0;
  std::vector<std::string> tapes;  // barcodes holding its extents
};

struct planner_input {
  day today = 0;  // the night being planned, in the site's time zone
  std::vector<policy> policies;
  std::vector<media_pool> pools;
  std::vector<drive> drives;
  std::vector<tape> tapes;
  inventory fleet;
  // Per source id, ascending nights.
  std::map<std::string, std::vector<size_sample>> history;
  std::vector<retained_object> objects;
  int forecast_nights = 14;   // nights in the forecast table and chart
  int runout_horizon = 400;   // nights searched for the run-out date
  int shorten_lookahead = 7;  // shorten retention if tapes run out this soon
  double margin = 0.05;       // estimates are raised by this fraction
};

const char* to_string(schedule s);
const char* to_string(rotation r);
const char* to_string(tape_state s);
const char* to_string(backup_kind k);

}  // namespace tapeline::planner
