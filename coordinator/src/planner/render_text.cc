#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "context.h"
#include "tapeline/planner/calendar.h"
#include "tapeline/planner/render.h"

namespace tapeline::planner {
namespace {

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' ');
}

std::string rpad(const std::string& s, size_t w) {
  return s.size() >= w ? s + " " : std::string(w - s.size(), ' ') + s + " ";
}

void drives_section(const plan& p, std::ostringstream& o) {
  for (auto& d : p.drives) {
    o << "Drive " << d.drive << " (pool " << d.pool << "): ";
    if (d.tapes.empty()) {
      o << "no tape, no work\n";
      continue;
    }
    for (size_t i = 0; i < d.tapes.size(); ++i)
      o << (i ? ", then " : "") << (d.tapes[i].load ? "load " : "keep ")
        << d.tapes[i].barcode;
    o << "; " << human_bytes(d.planned_bytes) << " of "
      << human_bytes(d.capacity) << ", " << format_seconds(d.busy_s) << "\n";
    o << "  " << pad("#", 4) << pad("object", 24) << pad("kind", 6)
      << rpad("size", 9) << rpad("start", 7) << rpad("end", 7) << "base\n";
    for (auto& ob : p.objects) {
      if (ob.drive != d.drive) continue;
      o << "  " << pad(std::to_string(ob.order + 1), 4) << pad(ob.label, 24)
        << pad(to_string(ob.kind), 6) << rpad(human_bytes(ob.bytes), 9)
        << rpad(format_seconds(ob.start_s), 7)
        << rpad(format_seconds(ob.end_s), 7) << ob.base << "\n";
    }
  }
  bool header = false;
  for (auto& ob : p.objects) {
    if (!ob.drive.empty()) continue;
    if (!header) o << "Not placed tonight:\n";
    header = true;
    o << "  " << pad(ob.label, 24) << pad(to_string(ob.kind), 6)
      << rpad(human_bytes(ob.bytes), 9) << "pool " << ob.pool << "\n";
  }
}

void lists_section(const plan& p, std::ostringstream& o) {
  if (!p.tape_actions.empty()) o << "Tapes:\n";
  for (auto& a : p.tape_actions)
    o << "  " << pad(to_string(a.kind), 18) << pad(a.barcode, 10) << a.reason
      << "\n";
  if (!p.changes.empty()) o << "Changes to the policy tonight:\n";
  for (auto& c : p.changes) o << "  - " << c.reason << "\n";
  if (!p.warnings.empty()) o << "Warnings:\n";
  for (auto& w : p.warnings)
    o << "  [" << to_string(w.level) << "] " << w.text << "\n";
  if (!p.expiries.empty()) {
    o << "Expiring: " << p.expiries.size() << " backup(s), oldest from "
      << format_day(p.expiries.front().night) << "\n";
    size_t n = 0;
    for (auto& e : p.expiries) {
      if (n++ == 10) {
        o << "  ... and " << p.expiries.size() - 10 << " more\n";
        break;
      }
      o << "  " << format_day(e.night) << "  " << e.label << "\n";
    }
  }
}

}  // namespace

std::string format_seconds(double s) {
  const long m = std::lround(s / 60);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ldh%02ldm", m / 60, m % 60);
  return buf;
}

std::string render_chart(const pool_forecast& f, int nights, int width) {
  std::ostringstream o;
  const size_t n =
      nights < 0 ? f.nights.size() : std::min<size_t>(nights, f.nights.size());
  for (size_t i = 0; i < n; ++i) {
    const forecast_night& fn = f.nights[i];
    const double cap = std::max<double>(1, fn.capacity);
    auto cells = [&](double b) {
      return std::min<int>(width,
                           static_cast<int>(std::lround(b / cap * width)));
    };
    const uint64_t taken = fn.capacity - std::min(fn.capacity, fn.loadable);
    const int held = cells(static_cast<double>(taken));
    const int tonight =
        std::min(width - held, std::max(fn.volume ? 1 : 0, cells(fn.volume)));
    o << format_day(fn.night) << " |" << std::string(held, '#')
      << std::string(std::max(0, tonight), '+')
      << std::string(std::max(0, width - held - tonight), '.') << "|"
      << (fn.fits ? " " : "!") << " " << human_bytes(fn.loadable) << " free of "
      << human_bytes(fn.capacity) << "\n";
  }
  return o.str();
}

std::string render_text(const plan& p, int nights) {
  std::ostringstream o;
  o << "Plan for the night of " << format_day(p.night) << "\n";
  drives_section(p, o);
  lists_section(p, o);
  for (auto& f : p.forecasts) {
    o << "Forecast, pool " << f.pool << " (" << f.tapes << " " << f.media_type
      << " tapes of " << human_bytes(f.tape_capacity) << "): tonight "
      << human_bytes(f.nightly_median) << ", growth "
      << human_bytes(static_cast<double>(f.growth_per_night)) << "/night\n";
    o << "  daily keep " << f.daily_keep;
    if (f.effective_daily_keep != f.daily_keep)
      o << " (shortened to " << f.effective_daily_keep << ")";
    o << "; these tapes hold " << f.sustainable_daily_keep << " nights; ";
    if (f.runs_out)
      o << "runs out " << format_day(*f.runs_out) << ": " << f.runs_out_reason
        << "\n";
    else
      o << "does not run out within the forecast horizon\n";
    o << "  " << pad("night", 15) << rpad("volume", 9) << rpad("held", 9)
      << rpad("loadable", 9) << rpad("capacity", 9) << "\n";
    const size_t n = nights < 0 ? f.nights.size()
                                : std::min<size_t>(nights, f.nights.size());
    for (size_t i = 0; i < n; ++i) {
      const forecast_night& fn = f.nights[i];
      o << "  " << pad(format_day(fn.night), 15)
        << rpad(human_bytes(fn.volume), 9) << rpad(human_bytes(fn.held), 9)
        << rpad(human_bytes(fn.loadable), 9)
        << rpad(human_bytes(fn.capacity), 9) << (fn.fits ? "" : "DOES NOT FIT")
        << "\n";
    }
    std::istringstream chart(render_chart(f, nights));
    for (std::string line; std::getline(chart, line);)
      o << "  " << line << "\n";
  }
  return o.str();
}

}  // namespace tapeline::planner
