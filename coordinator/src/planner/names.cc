#include "tapeline/planner/model.h"
#include "tapeline/planner/plan.h"

namespace tapeline::planner {

const char* to_string(schedule s) {
  return s == schedule::daily_full ? "daily_full" : "weekly_full";
}

const char* to_string(rotation r) {
  return r == rotation::one_tape_per_night ? "one_tape_per_night"
                                           : "append_until_full";
}

const char* to_string(tape_state s) {
  switch (s) {
    case tape_state::scratch:
      return "scratch";
    case tape_state::loaded:
      return "loaded";
    case tape_state::full:
      return "full";
    case tape_state::offsite:
      return "offsite";
    case tape_state::vaulted:
      return "vaulted";
    case tape_state::expired:
      return "expired";
    case tape_state::retired:
      return "retired";
  }
  return "?";
}

const char* to_string(backup_kind k) {
  return k == backup_kind::full ? "full" : "delta";
}

const char* to_string(tape_action_kind k) {
  switch (k) {
    case tape_action_kind::eject_offsite:
      return "eject_offsite";
    case tape_action_kind::eject:
      return "eject";
    case tape_action_kind::recall:
      return "recall";
    case tape_action_kind::return_to_scratch:
      return "return_to_scratch";
  }
  return "?";
}

const char* to_string(change_kind k) {
  switch (k) {
    case change_kind::moved:
      return "moved";
    case change_kind::deferred:
      return "deferred";
    case change_kind::retention_shortened:
      return "retention_shortened";
  }
  return "?";
}

const char* to_string(severity s) {
  switch (s) {
    case severity::info:
      return "info";
    case severity::warning:
      return "warning";
    case severity::error:
      return "error";
  }
  return "?";
}

bool plan::has_errors() const {
  for (auto& w : warnings)
    if (w.level == severity::error) return true;
  return false;
}

}  // namespace tapeline::planner
