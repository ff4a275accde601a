// Names of the catalog's states, as stored in the database.
#include "tapeline/catalog/records.h"

#include <iterator>

namespace tapeline::catalog {
namespace {

const char* const tape_names[] = {"scratch", "loaded",  "full",   "offsite",
                                  "vaulted", "expired", "retired"};
const char* const object_names[] = {"pending", "writing", "restorable",
                                    "failed", "expired"};
const char* const job_names[] = {"queued", "running", "done", "failed",
                                 "cancelled"};
const char* const delivery_names[] = {"pending", "sent", "failed"};

template <class E, size_t N>
std::optional<E> parse(const char* const (&names)[N], const std::string& s) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

const char* to_string(tape_state s) {
  return tape_names[int(s)];
}
const char* to_string(object_state s) {
  return object_names[int(s)];
}
const char* to_string(job_state s) {
  return job_names[int(s)];
}
const char* to_string(delivery_state s) {
  return delivery_names[int(s)];
}

std::optional<tape_state> parse_tape_state(const std::string& s) {
  return parse<tape_state>(tape_names, s);
}
std::optional<object_state> parse_object_state(const std::string& s) {
  return parse<object_state>(object_names, s);
}
std::optional<job_state> parse_job_state(const std::string& s) {
  return parse<job_state>(job_names, s);
}
std::optional<delivery_state> parse_delivery_state(const std::string& s) {
  return parse<delivery_state>(delivery_names, s);
}

bool is_offsite(tape_state s) {
  return s == tape_state::offsite || s == tape_state::vaulted;
}

}  // namespace tapeline::catalog
