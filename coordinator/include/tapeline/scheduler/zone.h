// IANA time zones from the system's tzdata (/usr/share/zoneinfo, Debian
// package tzdata), through Howard Hinnant's date library (libdate-tz,
// built with USE_OS_TZDB).
//
// A `zone` is a cheap handle: copyable, thread-safe to share. The zone data
// it points to is loaded once per process and lives until exit. No exception
// escapes: the date library's are turned into status values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"

namespace date {
class time_zone;
}

namespace tapeline::scheduler {

class zone {
 public:
  // "Europe/London", "America/New_York", "UTC". Errors: invalid_argument
  // naming the zone and where the system's zones are, when tzdata has no
  // such zone.
  static result<zone> locate(std::string_view name);
  // The system's zone: $TZ when it names a zone, else /etc/localtime.
  // Errors: not_found, telling the operator to set [site] time_zone.
  static result<zone> system();

  const std::string& name() const { return name_; }
  // REQUIRES: a zone returned by locate() or system().
  const date::time_zone* tz() const { return tz_; }

  // The UTC offset in seconds, and the abbreviation ("BST"), at `utc_second`.
  int64_t offset_at(int64_t utc_second) const;
  std::string abbreviation_at(int64_t utc_second) const;

  zone() = default;  // detached; for out-parameters only

 private:
  zone(const date::time_zone* tz, std::string name)
      : tz_(tz), name_(std::move(name)) {}

  const date::time_zone* tz_ = nullptr;
  std::string name_;
};

}  // namespace tapeline::scheduler
