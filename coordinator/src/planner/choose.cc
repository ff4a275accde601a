#include <algorithm>

#include "steps.h"
#include "tapeline/planner/calendar.h"

namespace tapeline::planner {
namespace {

std::string object_id(const std::string& source, day night) {
  return source + "@" + format_iso(night);
}

// Why no delta is possible tonight; empty when one is.
std::string no_delta_reason(const context& ctx, const policy& p,
                            const retained_object* base, int base_chain) {
  const day today = ctx.in.today;
  if (p.max_chain_length == 0) return "the policy allows no deltas";
  if (!base) return "it has no restorable backup yet";
  if (today - base->night > p.host_snapshot_days)
    return "its last backup (" + format_day(base->night) +
           ") is older than the " + std::to_string(p.host_snapshot_days) +
           "-day host snapshots it would be based on";
  if (base_chain + 1 > p.max_chain_length)
    return "its chain has reached the maximum of " +
           std::to_string(p.max_chain_length) + " deltas";
  return "";
}

}  // namespace

std::vector<candidate> choose_kinds(const context& ctx,
                                    std::vector<warning>& warnings) {
  const day today = ctx.in.today;
  std::vector<candidate> out;
  out.reserve(ctx.sources.size());
  for (size_t si = 0; si < ctx.sources.size(); ++si) {
    const source_info& s = ctx.sources[si];
    const policy& p = ctx.in.policies[s.policy];
    candidate c;
    c.src = si;
    const retained_object* base = nullptr;
    int base_chain = 0;
    day last_full = -kForever;
    for (size_t oi : ctx.source_objects[si]) {
      const retained_object& o = ctx.in.objects[oi];
      if (o.night >= today) continue;
      base = &o;
      base_chain = ctx.chain_length[oi];
      if (o.kind == backup_kind::full) last_full = o.night;
    }
    const std::string why_not = no_delta_reason(ctx, p, base, base_chain);
    c.can_delta = why_not.empty();
    if (c.can_delta) {
      c.base = base->id;
      c.base_chain = base_chain;
    }
    const bool due = p.kind == schedule::daily_full ||
                     weekday(today) == p.full_weekday || today - last_full >= 7;
    const bool full = due || !c.can_delta;
    if (!due && !c.can_delta && base)
      warnings.push_back(
          {severity::info, s.label,
           s.label + ": full tonight instead of a delta: " + why_not});
    c.full_bytes = s.trend.full_at(today) * ctx.margin_factor();
    c.delta_bytes = s.trend.delta * ctx.margin_factor();
    planned_object& o = c.obj;
    o.id = object_id(s.id, today);
    o.source = s.id;
    o.label = s.label;
    o.policy = p.name;
    o.pool = p.pool;
    o.kind = full ? backup_kind::full : backup_kind::delta;
    o.base = full ? "" : c.base;
    o.chain_length = full ? 0 : c.base_chain + 1;
    o.bytes = static_cast<uint64_t>(full ? c.full_bytes : c.delta_bytes);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<size_t> place(std::vector<candidate>& cands,
                          std::vector<size_t> items,
                          std::vector<drive_slot*> slots) {
  std::sort(items.begin(), items.end(), [&](size_t a, size_t b) {
    if (cands[a].obj.bytes != cands[b].obj.bytes)
      return cands[a].obj.bytes > cands[b].obj.bytes;
    return cands[a].obj.id < cands[b].obj.id;
  });
  std::vector<size_t> unplaced;
  for (size_t i : items) {
    const uint64_t b = cands[i].obj.bytes;
    drive_slot* best = nullptr;
    double best_end = 0;
    for (drive_slot* s : slots) {
      if (s->capacity - s->planned < b) continue;
      const double end = s->busy + static_cast<double>(b) / s->rate;
      if (!best || end < best_end) {
        best = s;
        best_end = end;
      }
    }
    if (!best) {
      unplaced.push_back(i);
      continue;
    }
    best->planned += b;
    best->busy = best_end;
    best->items.push_back(i);
    cands[i].placed = true;
  }
  return unplaced;
}

}  // namespace tapeline::planner
