// Renderings of a plan for `tapeline plan [--nights N]`: a text report with
// tables and a small terminal chart of used against available capacity per
// pool, and a JSON document for scripts and the API. Pure functions,
// thread-safe; the output depends only on the plan.
#pragma once

#include <string>

#include "tapeline/planner/plan.h"

namespace tapeline::planner {

// The whole report. `nights` limits the forecast rows (negative: all that
// the plan holds).
std::string render_text(const plan& p, int nights = -1);

// One pool's forecast as a chart, one row per night:
//   Sat 2026-11-28 |#########++++.........|  12 TB free of 30 TB
// '#' capacity that cannot be written that night (tapes holding retained
// backups, or away), '+' the night's volume, '.' what stays free; a '!'
// after the bar when the night does not fit.
std::string render_chart(const pool_forecast& f, int nights, int width = 40);

// The plan as JSON (docs/planner.md, "JSON"), two-space indented.
std::string render_json(const plan& p);

// "1h37m" for 5820 s.
std::string format_seconds(double s);

}  // namespace tapeline::planner
