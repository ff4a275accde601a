// planner_bench: time make_plan() on a large generated site (seeded, so every
// run plans the same input): 1,000 VMs with 2 disks each, 365 nights of size
// history per disk, 120 nights of retained weekly-full chains on 4 LTO-5
// drives, and the tapes that hold them. Prints key=value lines; plan_ms is
// the median of the runs (wall clock), plan_cpu_ms the median CPU time of
// this process (less disturbed by a busy machine). Target: plan_ms < 1000.
//
//   planner_bench [RUNS]
#include <time.h>
#include <algorithm>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "tapeline/planner/planner.h"

using namespace tapeline::planner;

namespace {

constexpr double GB = 1e9;

planner_input generate(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> size_gb(2, 40);
  std::uniform_real_distribution<double> growth(0, 0.002);
  std::uniform_real_distribution<double> noise(0.97, 1.03);
  planner_input in;
  in.today = day_from_civil(2026, 11, 28);
  in.pools = {{"vdi", "LTO-5", rotation::append_until_full, 3, true, 1},
              {"files", "LTO-4", rotation::one_tape_per_night, 1, true, 1}};
  for (int d = 0; d < 4; ++d)
    in.drives.push_back({"lto5-" + std::to_string(d), "LTO-5", "vdi", 140e6});
  in.drives.push_back({"lto4", "LTO-4", "files", 120e6});
  policy vdi;
  vdi.name = "vdi";
  vdi.kind = schedule::weekly_full;
  vdi.full_weekday = 6;
  vdi.max_chain_length = 6;
  vdi.keep = {14, 4, 3};
  vdi.min_daily_keep = 7;
  vdi.pool = "vdi";
  vdi.overflow_pools = {"files"};
  // Fulls spread over the week: one policy per weekday.
  for (int wd = 0; wd < 7; ++wd) {
    vdi.name = std::string("vdi-") + weekday_name(wd);
    vdi.full_weekday = wd;
    in.policies.push_back(vdi);
  }
  const int history_nights = 365, retained_nights = 120;
  std::vector<std::vector<std::string>> night_tapes(retained_nights);
  int barcode = 0;
  auto new_tape = [&](const std::string& pool, const std::string& media,
                      uint64_t cap, tape_state st) {
    char b[16];
    std::snprintf(b, sizeof b, "T%05d", ++barcode);
    tape t;
    t.barcode = b;
    t.pool = pool;
    t.media_type = media;
    t.capacity = cap;
    t.state = st;
    t.used = st == tape_state::scratch ? 0 : cap * 9 / 10;
    in.tapes.push_back(t);
    return std::string(b);
  };
  for (int n = 0; n < retained_nights; ++n)
    for (int k = 0; k < 8; ++k)
      night_tapes[n].push_back(
          new_tape("vdi", "LTO-5", 1500 * GB, tape_state::offsite));
  for (int k = 0; k < 100; ++k)
    new_tape("vdi", "LTO-5", 1500 * GB, tape_state::scratch);
  for (int k = 0; k < 40; ++k)
    new_tape("files", "LTO-4", 800 * GB, tape_state::scratch);
  for (int v = 0; v < 1000; ++v) {
    const int full_wd = v % 7;
    vm m{"vm" + std::to_string(v),
         "vm" + std::to_string(v),
         in.policies[full_wd].name,
         {}};
    for (int d = 0; d < 2; ++d) {
      const std::string id = m.id + "-disk" + std::to_string(d);
      const double now = size_gb(rng) * GB, g = growth(rng);
      m.disks.push_back({id, static_cast<uint64_t>(now * 1.2)});
      auto& h = in.history[id];
      for (int k = history_nights; k >= 1; --k) {
        const double f = now / std::pow(1 + g, k) * noise(rng);
        h.push_back({in.today - k, static_cast<uint64_t>(f),
                     static_cast<uint64_t>(f * 0.05 * noise(rng))});
      }
      std::string prev;
      for (int k = retained_nights; k >= 1; --k) {
        const day night = in.today - k;
        retained_object o;
        o.id = id + "@" + std::to_string(night);
        o.source = id;
        o.night = night;
        o.kind = weekday(night) == full_wd || prev.empty() ? backup_kind::full
                                                           : backup_kind::delta;
        o.parent = o.kind == backup_kind::delta ? prev : "";
        o.bytes = static_cast<uint64_t>(
            now * (o.kind == backup_kind::full ? 1 : 0.05));
        o.tapes = {night_tapes[retained_nights - k][(v * 2 + d) % 8]};
        prev = o.id;
        in.objects.push_back(std::move(o));
      }
    }
    in.fleet.vms.push_back(std::move(m));
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  const planner_input in = generate(20261128);
  size_t samples = 0;
  for (auto& [id, h] : in.history) samples += h.size();
  auto cpu_ms = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  std::vector<double> ms, cpu;
  plan last;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_ms();
    tapeline::result<plan> p = make_plan(in);
    cpu.push_back(cpu_ms() - c0);
    const auto t1 = std::chrono::steady_clock::now();
    if (!p.ok()) {
      std::fprintf(stderr, "make_plan failed: %s\n",
                   p.error().to_string().c_str());
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    last = std::move(p).value();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  size_t placed = 0;
  for (auto& o : last.objects) placed += !o.drive.empty();
  std::printf(
      "vms=%zu\nsources=%zu\nhistory_samples=%zu\nretained_objects=%zu\n"
      "tapes=%zu\nruns=%d\nplanned_objects=%zu\nplaced_objects=%zu\n"
      "expiries=%zu\nchanges=%zu\nwarnings=%zu\nplan_ms=%.1f\n"
      "plan_ms_min=%.1f\nplan_ms_max=%.1f\nplan_cpu_ms=%.1f\n",
      in.fleet.vms.size(), in.history.size(), samples, in.objects.size(),
      in.tapes.size(), runs, last.objects.size(), placed, last.expiries.size(),
      last.changes.size(), last.warnings.size(), ms[ms.size() / 2], ms.front(),
      ms.back(), cpu[cpu.size() / 2]);
  return 0;
}
