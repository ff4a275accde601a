#include "tapeline/coordinator/run_id.h"

#include <cstdlib>

namespace tapeline::coordinator {
namespace {

// Parses a run of decimal digits (no sign, no space) that is not 0.
bool positive(const std::string& s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 19 ||
      s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  uint64_t v = std::strtoull(s.c_str(), nullptr, 10);
  if (v == 0 || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string run_id(int64_t job, uint32_t attempt) {
  return std::to_string(job) + "." + std::to_string(attempt);
}

result<run_ref> parse_run_id(const std::string& s) {
  auto dot = s.find('.');
  uint64_t job = 0, attempt = 0;
  bool ok = positive(s.substr(0, dot), INT64_MAX, &job) &&
            (dot == std::string::npos ||
             positive(s.substr(dot + 1), UINT32_MAX, &attempt));
  if (!ok)
    return make_error(code::invalid_argument,
                      "bad job id '" + s + "' (expected JOB or JOB.ATTEMPT)");
  return run_ref{static_cast<int64_t>(job), static_cast<uint32_t>(attempt)};
}

}  // namespace tapeline::coordinator
