// The case study (/work/shared/000_65c7b50a0acc4c01.txt) as a scenario: an
// LTO-4 drive (800 GB tapes) takes the compressed Zimbra+Samba archive, an
// LTO-5 drive (1.5 TB) the VDI streams; daily fulls; 14-day host snapshots;
// a month of retention across rotated tapes; the VMs grow until a night no
// longer fits, and the planner adapts and says so.
#include <gtest/gtest.h>

#include "site_sim.h"

namespace tapeline::planner {
namespace {

using testing::GB;
using testing::sim_site;

sim_site case_study(int lto4_tapes, int lto5_tapes) {
  sim_site s;
  planner_input& in = s.in;
  in.today = day_from_civil(2026, 1, 5);  // a Monday
  in.runout_horizon = 200;
  in.pools = {{"files", "LTO-4", rotation::one_tape_per_night, 1, true, 1},
              {"vdi", "LTO-5", rotation::one_tape_per_night, 1, true, 1}};
  in.drives = {{"lto4", "LTO-4", "files", 120e6},
               {"lto5", "LTO-5", "vdi", 140e6}};
  policy files;
  files.name = "files";
  files.keep.daily = 30;
  files.min_daily_keep = 14;
  files.pool = "files";
  policy vdi = files;
  vdi.name = "vdi";
  vdi.max_chain_length = 6;  // Xen Orchestra's incremental chains
  vdi.pool = "vdi";
  vdi.overflow_pools = {"files"};
  in.policies = {files, vdi};
  testing::add_tapes(in, "LTO4-", lto4_tapes, "files", "LTO-4", 800 * GB);
  testing::add_tapes(in, "LTO5-", lto5_tapes, "vdi", "LTO-5", 1500 * GB);
  struct {
    const char* name;
    std::vector<double> disks_gb;
  } vms[] = {{"zimbra", {60, 250}}, {"samba", {40, 200}}, {"web01", {30}},
             {"web02", {30}},       {"db01", {50, 500}},  {"dc01", {40}}};
  for (auto& v : vms) {
    vm m{std::string("vm-") + v.name, v.name, "vdi", {}};
    for (size_t d = 0; d < v.disks_gb.size(); ++d) {
      const std::string id = m.id + "-disk" + std::to_string(d);
      m.disks.push_back({id, static_cast<uint64_t>(v.disks_gb[d] * GB)});
      s.truths[id] = {v.disks_gb[d] * GB, 0.005, 0.08};
    }
    in.fleet.vms.push_back(m);
  }
  in.fleet.file_sets.push_back(
      {"fs-mail", "zimbra+samba", "files", static_cast<uint64_t>(300 * GB)});
  s.truths["fs-mail"] = {300 * GB, 0.002, 1.0};
  // Two weeks of measured sizes before the first planned night.
  for (auto& [id, tr] : s.truths)
    for (int k = 14; k >= 1; --k) {
      const double f = tr.full / std::pow(1 + tr.growth, k);
      in.history[id].push_back({in.today - k, static_cast<uint64_t>(f),
                                static_cast<uint64_t>(f * tr.delta_ratio)});
    }
  return s;
}

TEST(PlannerCaseStudy, FirstNightIsAllFullsBiggestFirstOnTheirDrives) {
  sim_site s = case_study(24, 40);
  result<plan> r = make_plan(s.in);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const plan& p = *r;
  EXPECT_FALSE(p.has_errors()) << render_text(p);
  EXPECT_TRUE(p.changes.empty()) << render_text(p);
  ASSERT_EQ(p.objects.size(), 10u);
  uint64_t last = UINT64_MAX;
  for (auto& o : p.objects) {
    EXPECT_EQ(o.kind, backup_kind::full) << o.label;
    EXPECT_EQ(o.drive, o.source == "fs-mail" ? "lto4" : "lto5") << o.label;
    if (o.drive == "lto5") {
      EXPECT_LE(o.bytes, last) << "biggest first: " << o.label;
      last = o.bytes;
    }
  }
  ASSERT_EQ(p.drives.size(), 2u);
  EXPECT_EQ(p.drives[0].tapes.at(0).barcode, "LTO4-0001");
  EXPECT_TRUE(p.drives[0].tapes[0].load);
  EXPECT_EQ(p.drives[1].tapes.at(0).barcode, "LTO5-0001");
  int offsite = 0;
  for (auto& a : p.tape_actions)
    offsite += a.kind == tape_action_kind::eject_offsite;
  EXPECT_EQ(offsite, 2) << "both tapes leave the site in the morning";
  ASSERT_EQ(p.snapshot_cutoffs.size(), 2u);
  EXPECT_EQ(p.snapshot_cutoffs[1].second, s.in.today - 14);
}

TEST(PlannerCaseStudy, MonthsOfGrowthAdaptWithinThePolicy) {
  sim_site s = case_study(24, 40);
  std::string first_move, first_defer, first_shorten;
  int recalls = 0, errors = 0, nights_with_deltas = 0;
  int vdi_month = 0;
  for (int n = 0; n < 150; ++n) {
    const plan p = s.night();
    if (n == 29)  // a month in, before the VDIs spill to LTO-4
      for (auto& o : s.in.objects)
        if (o.source != "fs-mail") ++vdi_month;
    if (getenv("PLANNER_SHOW") && !p.changes.empty() &&
        (first_move.empty() || first_defer.empty()))
      std::cout << render_text(p, 7) << "\n";
    for (auto& c : p.changes) {
      if (c.kind == change_kind::moved && first_move.empty())
        first_move = format_day(p.night) + ": " + c.reason;
      if (c.kind == change_kind::deferred && first_defer.empty())
        first_defer = format_day(p.night) + ": " + c.reason;
      if (c.kind == change_kind::retention_shortened && first_shorten.empty())
        first_shorten = format_day(p.night) + ": " + c.reason;
    }
    for (auto& a : p.tape_actions)
      recalls += a.kind == tape_action_kind::recall;
    for (auto& w : p.warnings)
      if (w.level == severity::error) {
        ++errors;
        ADD_FAILURE() << format_day(p.night) << ": " << w.text;
      }
    bool delta = false;
    for (auto& o : p.objects) delta |= o.kind == backup_kind::delta;
    nights_with_deltas += delta;
  }
  for (auto& v : s.violations) ADD_FAILURE() << v;
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(s.failed_objects, 0) << "an estimate was too low for its tape";
  // The VDIs outgrow one LTO-5 tape: some move to the LTO-4 tape first...
  ASSERT_FALSE(first_move.empty());
  EXPECT_NE(first_move.find("moved from pool 'vdi' to pool 'files' (LTO-4)"),
            std::string::npos)
      << first_move;
  EXPECT_NE(first_move.find("tonight's LTO-5 tape on drive lto5 has"),
            std::string::npos)
      << first_move;
  // ...then fulls are deferred (deltas, chains within 6).
  ASSERT_FALSE(first_defer.empty());
  EXPECT_NE(first_defer.find("full deferred to"), std::string::npos);
  EXPECT_NE(first_defer.find("of at most 6"), std::string::npos);
  EXPECT_GT(nights_with_deltas, 10);
  // 24 LTO-4 tapes cannot hold 30 nights: retention is shortened, not below 14.
  ASSERT_FALSE(first_shorten.empty());
  EXPECT_NE(first_shorten.find("policy 'files' from 30 to"), std::string::npos)
      << first_shorten;
  // Tapes rotate: expired tapes are recalled and reused.
  EXPECT_GT(recalls, 50);
  // A month of VDI history while they fit, never less than the policies'
  // minimum of 14 nights.
  EXPECT_EQ(vdi_month, 9 * 30) << "9 disks, 30 nights each";
  day oldest_vdi = s.in.today, oldest_file = s.in.today;
  for (auto& o : s.in.objects)
    (o.source == "fs-mail" ? oldest_file : oldest_vdi) =
        std::min(o.source == "fs-mail" ? oldest_file : oldest_vdi, o.night);
  EXPECT_LE(oldest_vdi, s.in.today - 14);
  EXPECT_LE(oldest_file, s.in.today - 14);
  std::cout << "moved:    " << first_move << "\ndeferred: " << first_defer
            << "\nshortened: " << first_shorten << "\n";
}

}  // namespace
}  // namespace tapeline::planner
