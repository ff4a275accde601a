// Property tests: random policies, fleets and histories (seeded; the seed is
// in every failure message), each run for many nights in a row with the
// plan's outcome fed back into the state (site_sim.h). After every night:
//   - no drive is planned beyond the free bytes of the tapes it loads;
//   - no retained delta loses its base, and tonight's deltas have theirs;
//   - every retained object is on tapes that are not scratch;
//   - the same input gives the same plan (planned twice, compared as JSON).
#include <gtest/gtest.h>

#include "site_sim.h"

namespace tapeline::planner {
namespace {

using testing::GB;
using testing::sim_site;

int pick(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

sim_site random_site(uint64_t seed) {
  sim_site s;
  s.rng.seed(seed);
  auto& rng = s.rng;
  planner_input& in = s.in;
  in.today = day_from_civil(2026, 1, 1) + pick(rng, 0, 365);
  in.runout_horizon = 90;
  in.forecast_nights = 7;
  const char* media[] = {"LTO-4", "LTO-5"};
  const double cap[] = {800 * GB, 1500 * GB};
  const int npools = pick(rng, 1, 2);
  for (int p = 0; p < npools; ++p) {
    media_pool mp;
    mp.name = std::string("pool") + char('a' + p);
    mp.media_type = media[p];
    mp.mode = pick(rng, 0, 1) ? rotation::append_until_full
                              : rotation::one_tape_per_night;
    mp.max_tapes_per_drive = pick(rng, 1, 3);
    mp.offsite = pick(rng, 0, 3) > 0;
    mp.recall_days = pick(rng, 0, 2);
    in.pools.push_back(mp);
    for (int d = pick(rng, 1, 2); d > 0; --d)
      in.drives.push_back({mp.name + "-drive" + std::to_string(d),
                           mp.media_type, mp.name, pick(rng, 80, 160) * 1e6});
    testing::add_tapes(in, mp.name + "-", pick(rng, 3, 30), mp.name,
                       mp.media_type, static_cast<uint64_t>(cap[p]));
  }
  const int npol = pick(rng, 1, 3);
  for (int i = 0; i < npol; ++i) {
    policy p;
    p.name = "policy" + std::to_string(i);
    p.kind = pick(rng, 0, 1) ? schedule::weekly_full : schedule::daily_full;
    p.full_weekday = pick(rng, 0, 6);
    p.max_chain_length = pick(rng, p.kind == schedule::weekly_full ? 1 : 0, 8);
    p.host_snapshot_days = pick(rng, 1, 14);
    p.keep = {pick(rng, 1, 20), pick(rng, 0, 4), pick(rng, 0, 2)};
    p.min_daily_keep = pick(rng, 1, p.keep.daily);
    p.pool = in.pools[pick(rng, 0, npools - 1)].name;
    if (npools > 1 && pick(rng, 0, 1))
      p.overflow_pools = {in.pools[p.pool == "poola" ? 1 : 0].name};
    in.policies.push_back(p);
  }
  for (int v = pick(rng, 1, 12); v > 0; --v) {
    vm m{"vm" + std::to_string(v),
         "vm" + std::to_string(v),
         in.policies[pick(rng, 0, npol - 1)].name,
         {}};
    for (int d = pick(rng, 1, 3); d > 0; --d) {
      const std::string id = m.id + "-d" + std::to_string(d);
      const double size = pick(rng, 5, 400) * GB;
      m.disks.push_back({id, static_cast<uint64_t>(size)});
      s.truths[id] = {size * pick(rng, 20, 100) / 100.0,
                      pick(rng, 0, 30) / 1000.0, pick(rng, 1, 30) / 100.0};
    }
    in.fleet.vms.push_back(m);
  }
  for (int f = pick(rng, 0, 2); f > 0; --f) {
    const std::string id = "fs" + std::to_string(f);
    const double size = pick(rng, 10, 300) * GB;
    in.fleet.file_sets.push_back({id, id,
                                  in.policies[pick(rng, 0, npol - 1)].name,
                                  static_cast<uint64_t>(size)});
    s.truths[id] = {size, pick(rng, 0, 10) / 1000.0, 1.0};
  }
  // Some history before the first night, not always.
  for (auto& [id, tr] : s.truths)
    for (int k = pick(rng, 0, 20); k >= 1; --k)
      in.history[id].push_back(
          {in.today - k, static_cast<uint64_t>(tr.full),
           static_cast<uint64_t>(tr.full * tr.delta_ratio)});
  return s;
}

TEST(PlannerProperty, RandomSitesManyNightsKeepTheInvariants) {
  const int cases = 200;
  int adapted = 0, nights_total = 0, expiries = 0, deltas = 0;
  for (uint64_t seed = 1; seed <= cases; ++seed) {
    sim_site s = random_site(seed);
    const int nights = 25 + static_cast<int>(seed % 20);
    for (int n = 0; n < nights && s.violations.empty(); ++n) {
      const plan p = s.night();
      adapted += !p.changes.empty();
      expiries += static_cast<int>(p.expiries.size());
      for (auto& o : p.objects) deltas += o.kind == backup_kind::delta;
      ++nights_total;
    }
    ASSERT_TRUE(s.violations.empty())
        << "seed " << seed << ": " << s.violations.size()
        << " violation(s), first: " << s.violations.front();
  }
  // The random sites exercise what the properties are about.
  EXPECT_GT(adapted, 50);
  EXPECT_GT(expiries, 1000);
  EXPECT_GT(deltas, 1000);
  std::cout << cases << " sites, " << nights_total << " nights, " << adapted
            << " nights adapted, " << expiries << " expiries, " << deltas
            << " deltas\n";
}

}  // namespace
}  // namespace tapeline::planner
