// The job id an order to an hv agent carries: "JOB.ATTEMPT" (job 17's
// second attempt is "17.2"; docs/coordinator-faults.md). An hv agent runs
// each id once, so every retry is a new run and a late report of an earlier
// attempt is told apart from the current one. A bare "JOB" (agents older
// than this rule) names no attempt. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::coordinator {

struct run_ref {
  int64_t job = 0;       // > 0
  uint32_t attempt = 0;  // > 0; 0: not named (stands for the current one)
};

// REQUIRES: job > 0, attempt > 0.
std::string run_id(int64_t job, uint32_t attempt);

// "17", "17.2"; anything else (empty, signs, spaces, a 0, trailing text)
// is code::invalid_argument.
result<run_ref> parse_run_id(const std::string& s);

}  // namespace tapeline::coordinator
