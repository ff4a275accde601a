// Operator text for fire times (render.h).
#include "tapeline/scheduler/render.h"

#include <date/tz.h>

#include "tapeline/scheduler/next_fire.h"

namespace tapeline::scheduler {
namespace {

date::sys_seconds at(int64_t s) {
  return date::sys_seconds{std::chrono::seconds{s}};
}

}  // namespace

std::string format_local(const zone& z, int64_t utc_second) {
  return date::format("%a %F %R %Z", date::make_zoned(z.tz(), at(utc_second)));
}

std::string format_utc(int64_t utc_second) {
  return date::format("%F %R UTC", at(utc_second));
}

std::string format_both(const zone& z, int64_t utc_second) {
  return format_local(z, utc_second) + " (" + format_utc(utc_second) + ")";
}

std::vector<fire_time> next_fire_times(const cron_expr& cron, const zone& z,
                                       int64_t after, int n) {
  std::vector<fire_time> out;
  for (int i = 0; i < n; ++i) {
    auto f = next_fire(cron, z, after);
    if (!f) break;
    out.push_back({*f, format_local(z, *f), format_utc(*f)});
    after = *f;
  }
  return out;
}

std::string render_next(const std::string& name, const cron_expr& cron,
                        const zone& z, int64_t after, int n) {
  std::string out = name + "  '" + cron.text() + "'  (" + z.name() + ")\n";
  auto times = next_fire_times(cron, z, after, n);
  if (times.empty()) out += "  never fires again\n";
  for (const auto& t : times) out += "  " + t.local + "   " + t.utc + "\n";
  return out;
}

}  // namespace tapeline::scheduler
