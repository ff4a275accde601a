// IANA zones through the date library (zone.h).
#include "tapeline/scheduler/zone.h"

#include <date/tz.h>

#include <cstdlib>
#include <exception>

namespace tapeline::scheduler {
namespace {

date::sys_info info_at(const date::time_zone* tz, int64_t utc_second) {
  return tz->get_info(date::sys_seconds{std::chrono::seconds{utc_second}});
}

}  // namespace

result<zone> zone::locate(std::string_view name) {
  if (name.empty())
    return make_error(code::invalid_argument,
                      "time zone is empty; write an IANA name such as "
                      "\"Europe/London\"");
  try {
    const date::time_zone* tz = date::locate_zone(std::string(name));
    return zone(tz, std::string(name));
  } catch (const std::exception& e) {
    return make_error(code::invalid_argument,
                      "time zone '" + std::string(name) +
                          "' is not in the system's tzdata "
                          "(/usr/share/zoneinfo): " +
                          e.what() +
                          "; write an IANA name such as \"Europe/London\" "
                          "(list them with 'timedatectl list-timezones')");
  }
}

result<zone> zone::system() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) {
    std::string_view name(tz);
    if (name[0] == ':') name.remove_prefix(1);
    if (auto z = locate(name); z.ok()) return z;
  }
  try {
    const date::time_zone* tz = date::current_zone();
    return zone(tz, std::string(tz->name()));
  } catch (const std::exception& e) {
    return make_error(code::not_found,
                      std::string("cannot tell the system's time zone "
                                  "(/etc/localtime): ") +
                          e.what() +
                          "; set time_zone in [site] of the coordinator's "
                          "configuration, e.g. time_zone = \"Europe/London\"");
  }
}

int64_t zone::offset_at(int64_t utc_second) const {
  return info_at(tz_, utc_second).offset.count();
}

std::string zone::abbreviation_at(int64_t utc_second) const {
  return info_at(tz_, utc_second).abbrev;
}

}  // namespace tapeline::scheduler
