// Internal to the planner: the steps make_plan() runs, in order
// (docs/planner.md, "How a plan is made").
#pragma once

#include <string>
#include <vector>

#include "context.h"

namespace tapeline::planner {

// One source's backup tonight, with what the adaptations need.
struct candidate {
  planned_object obj;
  size_t src = 0;
  double full_bytes = 0;   // estimate, margin included
  double delta_bytes = 0;  // estimate, margin included
  bool can_delta = false;  // a base exists, its snapshot is on the host, and
                           // the chain may grow
  std::string base;
  int base_chain = 0;
  bool placed = false;
};

// Full or delta for every source, by its policy's schedule.
std::vector<candidate> choose_kinds(const context& ctx,
                                    std::vector<warning>& warnings);

// A drive's capacity tonight: its tapes in order.
struct drive_slot {
  size_t drive = 0;
  size_t pool = 0;
  double rate = 0;
  std::vector<tape_use> tapes;
  uint64_t capacity = 0;
  uint64_t planned = 0;
  double busy = 0;
  std::vector<size_t> items;  // candidate indices, in order
};

// Longest first onto the drive that finishes earliest and still has room.
// Places `items` (candidate indices) onto `slots` (their current load is
// kept); returns those that fit nowhere.
std::vector<size_t> place(std::vector<candidate>& cands,
                          std::vector<size_t> items,
                          std::vector<drive_slot*> slots);

}  // namespace tapeline::planner

namespace tapeline::planner {

// Which tapes hold retained objects after tonight's expiries, and what
// happens to the others.
struct rotation_state {
  std::vector<bool> holds_kept;              // per tape
  std::vector<std::vector<size_t>> scratch;  // per pool: loadable tonight
};

// Fills the plan's recall / return-to-scratch / take-off-site actions.
rotation_state rotate(const context& ctx, const std::vector<bool>& kept,
                      plan& out);

// Tonight's first tape for every drive (the one in it, or a scratch tape).
std::vector<drive_slot> assign_tapes(const context& ctx, rotation_state& rs,
                                     plan& out);

// append_until_full: one more scratch tape for the drive, if its pool has
// one and the drive is below max_tapes_per_drive. Returns whether it did.
bool add_tape(const context& ctx, rotation_state& rs, drive_slot& slot);

}  // namespace tapeline::planner

namespace tapeline::planner {

// Places every candidate onto the drives' tapes, adapting within the
// policies' bounds when a pool's work does not fit: more tapes (append
// pools), move to an overflow pool, defer fulls. What does not fit even
// then stays unplaced (an error-level warning says what to do).
void schedule_night(const context& ctx, std::vector<candidate>& cands,
                    std::vector<drive_slot>& slots, rotation_state& rs,
                    plan& out);

}  // namespace tapeline::planner
