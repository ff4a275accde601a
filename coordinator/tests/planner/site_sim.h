// Test support for the planner: a simulated site that runs plans night after
// night and feeds their outcome back into the planner's input, as the
// coordinator will. Objects are written at their *true* size (which the
// planner only sees through the history), spanning the drive's tapes; an
// object that does not fit fails and is not retained. After each night it
// checks the planner's invariants and records every violation.
// Header-only; test code only.
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tapeline/planner/calendar.h"
#include "tapeline/planner/planner.h"
#include "tapeline/planner/render.h"

namespace tapeline::planner::testing {

constexpr double GB = 1e9;

struct truth {
  double full = 0;         // bytes tonight
  double growth = 0;       // fraction per night
  double delta_ratio = 0;  // delta / full
};

struct sim_site {
  planner_input in;
  std::map<std::string, truth> truths;
  std::mt19937_64 rng{1};
  std::map<std::string, day> arriving;  // recalled tapes and their arrival
  std::vector<std::string> violations;
  int failed_objects = 0;
  bool check_determinism = true;

  tape* find_tape(const std::string& b) {
    for (auto& t : in.tapes)
      if (t.barcode == b) return &t;
    return nullptr;
  }

  void violation(const std::string& what) {
    violations.push_back(format_day(in.today) + ": " + what);
  }

  // Plans tonight, applies it, advances to tomorrow. Returns the plan.
  plan night() {
    result<plan> r = make_plan(in);
    if (!r.ok()) {
      violation("make_plan failed: " + r.error().to_string());
      in.today++;
      return plan{};
    }
    if (check_determinism) {
      result<plan> again = make_plan(in);
      if (!again.ok() || render_json(*again) != render_json(*r))
        violation("the same input gave a different plan");
    }
    apply(*r);
    return std::move(r).value();
  }

  void check_plan(const plan& p) {
    std::set<std::string> expired;
    for (auto& e : p.expiries) expired.insert(e.object);
    std::set<std::string> retained;
    for (auto& o : in.objects)
      if (!expired.count(o.id)) retained.insert(o.id);
    for (auto& d : p.drives) {
      uint64_t sum = 0, planned = 0;
      for (auto& t : d.tapes) {
        if (t.planned_bytes > t.free_bytes)
          violation("tape " + t.barcode + " planned beyond its free bytes");
        const tape* real = find_tape(t.barcode);
        if (!real) {
          violation("plan uses unknown tape " + t.barcode);
          continue;
        }
        const uint64_t free = real->capacity - real->used;
        if (!t.load && real->state == tape_state::loaded &&
            t.free_bytes > free && real->used > 0) {
          bool freed = false;
          for (auto& a : p.tape_actions)
            freed |= a.barcode == t.barcode &&
                     a.kind == tape_action_kind::return_to_scratch;
          if (!freed) violation("tape " + t.barcode + " free bytes overstated");
        }
        sum += t.free_bytes;
        planned += t.planned_bytes;
      }
      if (d.planned_bytes > d.capacity || sum != d.capacity ||
          planned != d.planned_bytes)
        violation("drive " + d.drive + " plans " +
                  std::to_string(d.planned_bytes) + " bytes on " +
                  std::to_string(d.capacity) + " loaded");
      uint64_t objs = 0;
      for (auto& o : p.objects)
        if (o.drive == d.drive) objs += o.bytes;
      if (objs != d.planned_bytes)
        violation("drive " + d.drive + " objects do not add up");
      // A tape to write must hold nothing retained.
      for (auto& t : d.tapes)
        for (auto& o : in.objects)
          if (retained.count(o.id) &&
              std::count(o.tapes.begin(), o.tapes.end(), t.barcode) &&
              (t.load || t.free_bytes == find_tape(t.barcode)->capacity))
            violation("tape " + t.barcode + " is rewritten but holds " + o.id);
    }
    for (auto& o : p.objects)
      if (o.kind == backup_kind::delta && !retained.count(o.base))
        violation("delta " + o.id + " is based on " + o.base +
                  ", which is not retained");
    for (auto& a : p.tape_actions) {
      if (a.kind != tape_action_kind::return_to_scratch &&
          a.kind != tape_action_kind::recall)
        continue;
      for (auto& o : in.objects)
        if (retained.count(o.id) &&
            std::count(o.tapes.begin(), o.tapes.end(), a.barcode))
          violation("tape " + a.barcode + " returns to scratch but holds " +
                    o.id);
    }
  }

  double noisy(double v) {
    std::uniform_real_distribution<double> u(0.98, 1.02);
    return v * u(rng);
  }

  void write(const drive_plan& d, const plan& p) {
    if (!d.tapes.empty() && d.tapes[0].load) {  // the rest when it fills
      tape* real = find_tape(d.tapes[0].barcode);
      for (auto& other : in.tapes)
        if (other.state == tape_state::loaded && other.drive == d.drive)
          other.state = tape_state::full, other.drive.clear();
      real->state = tape_state::loaded;
      real->drive = d.drive;
      real->used = 0;
    }
    size_t cur = 0;
    for (auto& o : p.objects) {
      if (o.drive != d.drive) continue;
      const truth& tr = truths[o.source];
      double left = o.kind == backup_kind::full
                        ? noisy(tr.full)
                        : noisy(tr.full * tr.delta_ratio);
      retained_object ro;
      ro.id = o.id;
      ro.source = o.source;
      ro.kind = o.kind;
      ro.parent = o.base;
      ro.night = in.today;
      ro.bytes = static_cast<uint64_t>(left);
      while (left > 0 && cur < d.tapes.size()) {
        tape* t = find_tape(d.tapes[cur].barcode);
        if (t->state != tape_state::loaded) {  // next tape of the drive
          for (auto& other : in.tapes)
            if (other.state == tape_state::loaded && other.drive == d.drive)
              other.state = tape_state::full, other.drive.clear();
          t->state = tape_state::loaded;
          t->drive = d.drive;
        }
        const double put = std::min<double>(left, t->capacity - t->used);
        if (put > 0) ro.tapes.push_back(t->barcode);
        t->used += static_cast<uint64_t>(put);
        left -= put;
        if (left > 0) ++cur;
      }
      if (left > 0) {
        ++failed_objects;
      } else {
        in.objects.push_back(ro);
      }
    }
  }

  void apply(const plan& p) {
    check_plan(p);
    std::set<std::string> expired;
    for (auto& e : p.expiries) expired.insert(e.object);
    in.objects.erase(
        std::remove_if(in.objects.begin(), in.objects.end(),
                       [&](auto& o) { return expired.count(o.id); }),
        in.objects.end());
    std::set<std::string> written;
    for (auto& d : p.drives)
      for (auto& t : d.tapes) written.insert(t.barcode);
    for (auto& a : p.tape_actions) {
      tape* t = find_tape(a.barcode);
      if (a.kind == tape_action_kind::return_to_scratch) {
        t->used = 0;
        if (t->state != tape_state::loaded) t->state = tape_state::scratch;
      } else if (a.kind == tape_action_kind::recall &&
                 !arriving.count(a.barcode)) {
        t->state = tape_state::expired;
        arriving[a.barcode] = in.today + 1;
      } else if (!written.count(a.barcode)) {  // ejects before tonight
        t->state = a.kind == tape_action_kind::eject_offsite
                       ? tape_state::offsite
                       : tape_state::full;
        t->drive.clear();
      }
    }
    for (auto& d : p.drives) write(d, p);
    for (auto& a : p.tape_actions) {
      if (!written.count(a.barcode)) continue;
      tape* t = find_tape(a.barcode);
      if (a.kind == tape_action_kind::eject_offsite) {
        t->state = tape_state::offsite;
        t->location = "off-site";
        t->drive.clear();
      } else if (a.kind == tape_action_kind::eject) {
        t->state = tape_state::full;
        t->drive.clear();
      }
    }
    for (auto& [src, tr] : truths) {
      in.history[src].push_back(
          {in.today, static_cast<uint64_t>(tr.full),
           static_cast<uint64_t>(tr.full * tr.delta_ratio)});
      tr.full *= 1 + tr.growth;
    }
    in.today++;
    for (auto it = arriving.begin(); it != arriving.end();) {
      if (it->second <= in.today) {
        tape* t = find_tape(it->first);
        t->state = tape_state::scratch;
        t->used = 0;
        t->location = "on site";
        it = arriving.erase(it);
      } else {
        ++it;
      }
    }
    check_state();
  }

  // Every retained object has a copy on tapes that are not scratch, and
  // every retained delta its base.
  void check_state() {
    std::set<std::string> ids;
    for (auto& o : in.objects) ids.insert(o.id);
    for (auto& o : in.objects) {
      if (o.kind == backup_kind::delta && !ids.count(o.parent))
        violation("retained delta " + o.id + " lost its base " + o.parent);
      if (o.tapes.empty()) violation("retained " + o.id + " is on no tape");
      for (auto& b : o.tapes) {
        const tape* t = find_tape(b);
        if (!t || t->state == tape_state::scratch ||
            t->state == tape_state::retired)
          violation("retained " + o.id + " is on tape " + b +
                    ", which is scratch");
      }
    }
  }
};

inline tape make_tape(const std::string& barcode, const std::string& pool,
                      const std::string& media, uint64_t capacity) {
  tape t;
  t.barcode = barcode;
  t.pool = pool;
  t.media_type = media;
  t.capacity = capacity;
  t.state = tape_state::scratch;
  t.location = "on site";
  return t;
}

inline void add_tapes(planner_input& in, const std::string& prefix, int n,
                      const std::string& pool, const std::string& media,
                      uint64_t capacity) {
  for (int i = 1; i <= n; ++i) {
    char buf[32];
    snprintf(buf, sizeof buf, "%s%04d", prefix.c_str(), i);
    in.tapes.push_back(make_tape(buf, pool, media, capacity));
  }
}

}  // namespace tapeline::planner::testing
