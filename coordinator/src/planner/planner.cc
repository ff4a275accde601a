#include "tapeline/planner/planner.h"

#include <algorithm>

#include "context.h"
#include "forecast.h"
#include "steps.h"
#include "tapeline/planner/calendar.h"

namespace tapeline::planner {
namespace {

bool short_of_tapes(const sim_result& s) {
  return s.tape_fail.has_value();
}

// The smallest cut of pool p's daily keeps that keeps its tapes from running
// out within the lookahead (or, failing that, pushes the shortage furthest).
int choose_cut(const context& ctx, const retention_table& table,
               const volume_model& vm, size_t p, plan& out) {
  int max_cut = 0;
  for (const policy& pol : ctx.in.policies)
    max_cut = std::max(max_cut, pol.keep.daily - pol.min_daily_keep);
  std::vector<int> cuts(ctx.in.pools.size(), 0);
  const int look = std::max(1, ctx.in.shorten_lookahead);
  auto run = [&](int c) {
    cuts[p] = c;
    const auto daily = daily_after_cut(ctx, cuts);
    return simulate_pool(ctx, vm, p, table.releases(daily, false), daily, look);
  };
  const sim_result base = run(0);
  if (!short_of_tapes(base) || max_cut == 0) return 0;
  int best = 0;
  day best_fail = *base.tape_fail;
  for (int c = 1; c <= max_cut; ++c) {
    const sim_result s = run(c);
    if (!short_of_tapes(s)) {
      best = c;
      break;
    }
    if (*s.tape_fail > best_fail) {
      best = c;
      best_fail = *s.tape_fail;
    }
  }
  if (best == 0) return 0;
  cuts[p] = best;
  const auto daily = daily_after_cut(ctx, cuts);
  std::string what;
  for (size_t pi = 0; pi < ctx.in.policies.size(); ++pi) {
    const policy& pol = ctx.in.policies[pi];
    if (daily[pi] == pol.keep.daily) continue;
    what += (what.empty() ? "" : ", ") + std::string("policy '") + pol.name +
            "' from " + std::to_string(pol.keep.daily) + " to " +
            std::to_string(daily[pi]) + " nights";
  }
  out.changes.push_back(
      {change_kind::retention_shortened, ctx.in.pools[p].name,
       "pool '" + ctx.in.pools[p].name + "': daily keep shortened (" + what +
           ", the policies' minimum is the bound) so older tapes return to "
           "scratch sooner: otherwise " +
           base.tape_reason});
  return best;
}

pool_forecast forecast_pool(const context& ctx, const retention_table& table,
                            const volume_model& vm,
                            const std::vector<int>& daily, size_t p,
                            plan& out) {
  const media_pool& mp = ctx.in.pools[p];
  pool_forecast f;
  f.pool = mp.name;
  f.media_type = mp.media_type;
  f.tapes = static_cast<int>(ctx.pool_tapes[p].size());
  for (size_t ti : ctx.pool_tapes[p])
    f.tape_capacity = std::max(f.tape_capacity, ctx.in.tapes[ti].capacity);
  f.nightly_median = static_cast<uint64_t>(vm.night(ctx, p, ctx.in.today));
  double growth = 0;
  int weekly = 0, monthly = 0;
  for (size_t pi : ctx.pool_policies[p]) {
    const policy& pol = ctx.in.policies[pi];
    growth += vm.growth[pi];
    f.daily_keep = std::max(f.daily_keep, pol.keep.daily);
    f.effective_daily_keep = std::max(f.effective_daily_keep, daily[pi]);
    weekly = std::max(weekly, pol.keep.weekly);
    monthly = std::max(monthly, pol.keep.monthly);
  }
  f.growth_per_night = static_cast<int64_t>(growth * ctx.margin_factor());
  const int horizon = std::max(ctx.in.runout_horizon, ctx.in.forecast_nights);
  sim_result s =
      simulate_pool(ctx, vm, p, table.releases(daily, false), daily, horizon);
  f.runs_out = s.fail;
  f.runs_out_reason = s.reason;
  s.nights.resize(std::min<size_t>(s.nights.size(), ctx.in.forecast_nights));
  f.nights = std::move(s.nights);
  // The deepest daily keep these tapes hold (binary search; deeper keeps
  // never need fewer tapes).
  int lo = 0, hi = std::max(60, f.daily_keep * 4);
  hi = std::min(hi, ctx.in.runout_horizon);
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    std::vector<int> d = daily;
    for (size_t pi : ctx.pool_policies[p]) d[pi] = mid;
    const int h =
        std::min(ctx.in.runout_horizon, mid + 14 + 7 * weekly + 31 * monthly);
    if (short_of_tapes(
            simulate_pool(ctx, vm, p, table.releases(d, false), d, h)))
      hi = mid - 1;
    else
      lo = mid;
  }
  f.sustainable_daily_keep = lo;
  const day soon = ctx.in.today + 30;
  if (!ctx.pool_policies[p].empty() && s.tape_fail && *s.tape_fail < soon)
    out.warnings.push_back({severity::warning, mp.name,
                            "pool '" + mp.name + "' runs out of tapes on " +
                                format_day(*s.tape_fail) + ": " +
                                s.tape_reason + ": add " + mp.media_type +
                                " tapes to the pool or lower its daily keep "
                                "(these tapes hold " +
                                std::to_string(f.sustainable_daily_keep) +
                                " nights)"});
  if (!ctx.pool_policies[p].empty() && s.fail && !s.tape_shortage &&
      *s.fail < soon)
    out.warnings.push_back(
        {severity::warning, mp.name,
         "pool '" + mp.name + "' outgrows its drives from " +
             format_day(*s.fail) + ": " + s.reason +
             ": fulls are deferred "
             "or moved while the policies allow; add a drive or more tapes "
             "per night to the pool, or move sources to another pool"});
  return f;
}

void emit(const context& ctx, std::vector<candidate>& cands,
          std::vector<drive_slot>& slots, plan& out) {
  std::sort(slots.begin(), slots.end(), [&](auto& a, auto& b) {
    return ctx.in.drives[a.drive].name < ctx.in.drives[b.drive].name;
  });
  for (auto& s : slots) {
    const drive& d = ctx.in.drives[s.drive];
    const media_pool& mp = ctx.in.pools[s.pool];
    drive_plan dp;
    dp.drive = d.name;
    dp.pool = mp.name;
    double t = 0;
    for (size_t k = 0; k < s.items.size(); ++k) {
      planned_object& o = cands[s.items[k]].obj;
      o.drive = d.name;
      o.order = static_cast<int>(k);
      o.start_s = t;
      t += static_cast<double>(o.bytes) / s.rate;
      o.end_s = t;
      dp.objects.push_back(o.id);
      out.objects.push_back(o);
    }
    dp.busy_s = t;
    uint64_t left = s.planned;
    for (auto& u : s.tapes) {
      u.planned_bytes = std::min(left, u.free_bytes);
      left -= u.planned_bytes;
      if (u.planned_bytes == 0 && (u.load || s.planned == 0)) continue;
      dp.capacity += u.free_bytes;
      dp.planned_bytes += u.planned_bytes;
      const bool filled = u.planned_bytes + u.free_bytes / 100 >= u.free_bytes;
      const bool leaves = mp.mode == rotation::one_tape_per_night || filled;
      if (u.planned_bytes > 0 && leaves)
        out.tape_actions.push_back(
            {mp.offsite ? tape_action_kind::eject_offsite
                        : tape_action_kind::eject,
             u.barcode, mp.name,
             std::string("written tonight on drive ") + d.name +
                 (mp.offsite ? ": eject it in the morning and take it "
                               "off-site"
                             : ": eject it in the morning and shelve it")});
      dp.tapes.push_back(u);
    }
    out.drives.push_back(std::move(dp));
  }
  std::vector<planned_object> rest;
  for (auto& c : cands)
    if (!c.placed) rest.push_back(c.obj);
  std::sort(rest.begin(), rest.end(), [](auto& a, auto& b) {
    return a.pool != b.pool ? a.pool < b.pool : a.id < b.id;
  });
  out.objects.insert(out.objects.end(), rest.begin(), rest.end());
}

void list_expiries(const context& ctx, const retention_result& rr, plan& out) {
  std::vector<size_t> gone;
  for (size_t i = 0; i < ctx.in.objects.size(); ++i)
    if (!rr.kept[i]) gone.push_back(i);
  std::stable_sort(gone.begin(), gone.end(), [&](size_t a, size_t b) {
    return ctx.in.objects[a].night < ctx.in.objects[b].night;
  });
  out.expiries.reserve(gone.size());
  for (size_t i : gone) {
    const retained_object& o = ctx.in.objects[i];
    const size_t s = ctx.object_ix.source[i];
    out.expiries.push_back(
        {o.id, o.source,
         s < ctx.sources.size() ? ctx.sources[s].label : o.source, o.night});
  }
  for (auto& id : ctx.broken)
    out.warnings.push_back(
        {severity::error, id,
         "delta " + id +
             " has no base in the catalog, so it cannot be "
             "restored: check the catalog (tapeline catalog check) and take a "
             "full of its disk"});
}

// A policy spills when its objects already sit on an overflow pool's tapes
// or its own pool cannot take a night of the lookahead.
void mark_spills(context& ctx, const volume_model& vm) {
  const auto& in = ctx.in;
  ctx.spills.assign(in.policies.size(), false);
  for (size_t q = 0; q < in.policies.size(); ++q) {
    const policy& pol = in.policies[q];
    if (pol.overflow_pools.empty()) continue;
    const size_t own = ctx.pool_index.at(pol.pool);
    for (day t = in.today; t < in.today + std::max(1, in.shorten_lookahead);
         ++t)
      if (vm.night(ctx, own, t) > night_capacity(ctx, own))
        ctx.spills[q] = true;
  }
  for (size_t ti = 0; ti < in.tapes.size(); ++ti) {
    auto pit = ctx.pool_index.find(in.tapes[ti].pool);
    if (pit == ctx.pool_index.end()) continue;
    for (size_t o : ctx.tape_objects[ti]) {
      const size_t q = ctx.policy_of_object(o);
      if (q < in.policies.size() && in.policies[q].pool != in.tapes[ti].pool)
        ctx.spills[q] = true;
    }
  }
}

}  // namespace

result<plan> make_plan(const planner_input& in) {
  plan out;
  out.night = in.today;
  context ctx(in);
  status st = build_context(ctx, out.warnings);
  if (!st.ok()) return st.with_context("planning " + format_day(in.today));
  std::vector<candidate> cands = choose_kinds(ctx, out.warnings);
  const retention_table table = make_retention_table(ctx);
  const volume_model vm = make_volume_model(ctx);
  mark_spills(ctx, vm);
  std::vector<int> cuts(in.pools.size(), 0);
  for (size_t p = 0; p < in.pools.size(); ++p)
    cuts[p] = choose_cut(ctx, table, vm, p, out);
  const std::vector<int> daily = daily_after_cut(ctx, cuts);
  const retention_result rr = table.evaluate(daily);
  list_expiries(ctx, rr, out);
  rotation_state rs = rotate(ctx, rr.kept, out);
  std::vector<drive_slot> slots = assign_tapes(ctx, rs, out);
  schedule_night(ctx, cands, slots, rs, out);
  emit(ctx, cands, slots, out);
  for (size_t p = 0; p < in.pools.size(); ++p)
    out.forecasts.push_back(forecast_pool(ctx, table, vm, daily, p, out));
  for (auto& pol : in.policies)
    out.snapshot_cutoffs.emplace_back(pol.name,
                                      in.today - pol.host_snapshot_days);
  std::stable_sort(out.tape_actions.begin(), out.tape_actions.end(),
                   [](auto& a, auto& b) {
                     if (a.kind != b.kind) return a.kind < b.kind;
                     return a.barcode < b.barcode;
                   });
  return out;
}

}  // namespace tapeline::planner
