// The planner: what the site's admins did by hand each evening (case study,
// "Retention Strategy"), as a pure function. Given policies, pools, drives,
// tapes, the inventory, the size history, the retained objects and tonight's
// date, it returns tonight's plan and the capacity forecast
// (docs/planner.md). No I/O, no clock, no actors (STYLE.md rule 5): the same
// input always gives the same plan. Thread-safe (no shared state).
#pragma once

#include "tapeline/common/status.h"
#include "tapeline/planner/model.h"
#include "tapeline/planner/plan.h"

namespace tapeline::planner {

// Errors (code::invalid_argument) are inconsistent input — an unknown pool,
// a drive whose media type differs from its pool's — and name the entry and
// the fix. A night that does not fit is not an error: the plan says so in
// an error-level warning (plan::has_errors()).
result<plan> make_plan(const planner_input& in);

}  // namespace tapeline::planner
