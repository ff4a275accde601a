#include "forecast.h"

#include <algorithm>
#include <cmath>

#include "tapeline/planner/calendar.h"

namespace tapeline::planner {

volume_model make_volume_model(const context& ctx) {
  volume_model vm;
  const size_t np = ctx.in.policies.size();
  vm.full0.assign(np, 0);
  vm.growth.assign(np, 0);
  vm.delta.assign(np, 0);
  vm.sources.assign(np, 0);
  for (auto& s : ctx.sources) {
    vm.full0[s.policy] += s.trend.full_at(ctx.in.today);
    vm.growth[s.policy] += s.trend.slope;
    vm.delta[s.policy] += s.trend.delta;
    vm.sources[s.policy]++;
  }
  return vm;
}

namespace {

bool full_night(const policy& p, day t) {
  return p.kind == schedule::daily_full || weekday(t) == p.full_weekday;
}

// The last night of the chain night t belongs to (later deltas hold it).
day chain_end(const policy& p, day t) {
  if (p.kind == schedule::daily_full) return t;
  day e = t;
  while (e + 1 - t <= p.max_chain_length && !full_night(p, e + 1)) ++e;
  return e;
}

// First day on which nothing written on night t for policy p is kept.
day night_release(const policy& p, int daily, day t) {
  gfs_keep k = p.keep;
  k.daily = daily;
  day r = 0;
  for (day n = t, e = chain_end(p, t); n <= e; ++n)
    r = std::max(
        r, gfs_release(n, k, is_last_day_of_week(n), is_last_day_of_month(n)));
  return r;
}

struct sim_tape {
  uint64_t capacity = 0;
  uint64_t used = 0;
  day rel = 0;        // release of what it holds
  day free_at = 0;    // when it can be loaded again
  bool open = false;  // append mode: in a drive, being filled
};

}  // namespace

double night_capacity(const context& ctx, size_t p) {
  const media_pool& mp = ctx.in.pools[p];
  uint64_t cap = 0;
  for (size_t ti : ctx.pool_tapes[p])
    cap = std::max(cap, ctx.in.tapes[ti].capacity);
  const int per_drive =
      mp.mode == rotation::one_tape_per_night ? 1 : mp.max_tapes_per_drive;
  return static_cast<double>(cap) * per_drive *
         static_cast<double>(ctx.pool_drives[p].size());
}

double volume_model::night(const context& ctx, size_t pool, day t) const {
  double v = 0;
  for (size_t p : ctx.pool_policies[pool]) {
    if (!sources[p]) continue;
    const policy& pol = ctx.in.policies[p];
    v += full_night(pol, t)
             ? std::max(0.0, full0[p] + growth[p] * (t - ctx.in.today))
             : delta[p];
  }
  return v * ctx.margin_factor();
}

sim_result simulate_pool(const context& ctx, const volume_model& vm,
                         size_t pool, const std::vector<day>& release,
                         const std::vector<int>& daily, int nights) {
  const media_pool& mp = ctx.in.pools[pool];
  const day today = ctx.in.today;
  const int lag = mp.recall_days;
  std::vector<sim_tape> tapes;
  for (size_t ti : ctx.pool_tapes[pool]) {
    const tape& t = ctx.in.tapes[ti];
    sim_tape s;
    s.capacity = t.capacity;
    for (size_t o : ctx.tape_objects[ti]) s.rel = std::max(s.rel, release[o]);
    const bool held = s.rel > today;
    s.used = held ? t.used : 0;
    const bool away = !on_site(t.state) || t.state == tape_state::expired;
    const bool leaves = mp.offsite && t.state != tape_state::scratch;
    if (mp.mode == rotation::append_until_full &&
        t.state == tape_state::loaded && t.used < t.capacity) {
      s.open = true;
      s.free_at = kForever;
    } else if (held) {
      s.free_at = s.rel + (away || leaves ? lag : 0);
    } else {
      s.free_at = today + (away ? lag : 0);
    }
    tapes.push_back(s);
  }
  int drives = static_cast<int>(ctx.pool_drives[pool].size());
  int nsrc = 0;
  for (size_t p : ctx.pool_policies[pool]) nsrc += vm.sources[p];
  uint64_t cap = 0;
  for (auto& t : tapes) cap = std::max(cap, t.capacity);

  std::vector<std::pair<size_t, size_t>> overflow_in;  // policy, its pool
  for (size_t q = 0; q < ctx.in.policies.size(); ++q) {
    const policy& pol = ctx.in.policies[q];
    const size_t from = ctx.pool_index.at(pol.pool);
    if (from != pool && vm.sources[q] &&
        std::count(pol.overflow_pools.begin(), pol.overflow_pools.end(),
                   mp.name))
      overflow_in.emplace_back(q, from);
  }
  sim_result res;
  auto fail = [&](day t, bool tapes_short, const std::string& why) {
    if (tapes_short && !res.tape_fail) {
      res.tape_fail = t;
      res.tape_reason = why;
    }
    if (!res.fail) {
      res.fail = t;
      res.tape_shortage = tapes_short;
      res.reason = why;
    }
  };
  for (day t = today; t < today + nights; ++t) {
    forecast_night fn;
    fn.night = t;
    const double v = vm.night(ctx, pool, t);
    fn.volume = static_cast<uint64_t>(v);
    day rel = 0;
    for (size_t p : ctx.pool_policies[pool])
      if (vm.sources[p])
        rel = std::max(rel, night_release(ctx.in.policies[p], daily[p], t));
    // Work moved here from a pool that cannot take its night.
    for (auto& [q, from] : overflow_in)
      if (vm.night(ctx, from, t) > night_capacity(ctx, from))
        rel = std::max(rel, night_release(ctx.in.policies[q], daily[q], t));
    const day free_at = rel + (mp.offsite ? lag : 0);
    std::vector<size_t> loadable;
    uint64_t open_free = 0;
    for (size_t i = 0; i < tapes.size(); ++i) {
      fn.capacity += tapes[i].capacity;
      if (tapes[i].open) open_free += tapes[i].capacity - tapes[i].used;
      if (!tapes[i].open && tapes[i].free_at <= t) {
        loadable.push_back(i);
        tapes[i].used = 0;
        fn.loadable += tapes[i].capacity;
      }
    }
    fn.loadable += open_free;
    std::stable_sort(loadable.begin(), loadable.end(), [&](size_t a, size_t b) {
      return tapes[a].free_at < tapes[b].free_at;
    });
    if (v > 0 && drives == 0) {
      fn.fits = false;
      fail(t, false, "pool '" + mp.name + "' has no drive");
    } else if (v > 0 && mp.mode == rotation::one_tape_per_night) {
      const int k = std::max(1, std::min(drives, nsrc));
      if (v > static_cast<double>(k) * static_cast<double>(cap)) {
        fn.fits = false;
        fail(t, false,
             "the night needs " + human_bytes(v) + " but " + std::to_string(k) +
                 " drive(s) of pool '" + mp.name + "' take one " +
                 human_bytes(cap) + " tape each per night");
      }
      if (static_cast<int>(loadable.size()) < k) {
        fn.fits = false;
        fail(t, true,
             "no free tape of pool '" + mp.name + "' for " + format_day(t) +
                 ": all " + std::to_string(tapes.size()) +
                 " tapes still hold retained backups");
      }
      for (int j = 0; j < k && j < static_cast<int>(loadable.size()); ++j) {
        sim_tape& s = tapes[loadable[j]];
        s.used = static_cast<uint64_t>(std::min<double>(v / k, s.capacity));
        s.rel = rel;
        s.free_at = free_at;
      }
    } else if (v > 0) {  // append_until_full
      double left = v;
      for (auto& s : tapes) {
        if (!s.open || left <= 0) continue;
        const double put = std::min<double>(left, s.capacity - s.used);
        s.used += static_cast<uint64_t>(put);
        s.rel = std::max(s.rel, rel);
        left -= put;
        if (s.capacity - s.used < cap / 100) {  // full: off it goes
          s.open = false;
          s.free_at = s.rel + (mp.offsite ? lag : 0);
        }
      }
      const double per_night =
          static_cast<double>(drives) * mp.max_tapes_per_drive * cap;
      if (v > per_night) {
        fn.fits = false;
        fail(t, false,
             "the night needs " + human_bytes(v) + " but pool '" + mp.name +
                 "' writes at most " + human_bytes(per_night) + " a night");
      }
      size_t j = 0;
      while (left > 0 && j < loadable.size()) {
        sim_tape& s = tapes[loadable[j++]];
        const double put = std::min<double>(left, s.capacity);
        s.used = static_cast<uint64_t>(put);
        s.rel = rel;
        left -= put;
        s.open = s.capacity - s.used >= cap / 100;
        s.free_at = s.open ? kForever : rel + (mp.offsite ? lag : 0);
      }
      if (left > 0) {
        fn.fits = false;
        fail(t, true,
             "no free tape of pool '" + mp.name + "' for " + format_day(t) +
                 ": all " + std::to_string(tapes.size()) +
                 " tapes still hold retained backups");
      }
    }
    for (auto& s : tapes)
      if (s.open || s.free_at > t) fn.held += s.used;
    res.nights.push_back(fn);
  }
  return res;
}

}  // namespace tapeline::planner
