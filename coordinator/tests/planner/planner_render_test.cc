// The text and JSON renderings of a plan. The JSON is read back by Python's
// json module and jq (oracles nobody here wrote).
#include <gtest/gtest.h>

#include "site_sim.h"
#include "tapeline/testing/support.h"

namespace tapeline::planner {
namespace {

using testing::GB;

plan sample_plan() {
  testing::sim_site s;
  planner_input& in = s.in;
  in.today = day_from_civil(2026, 11, 28);
  in.forecast_nights = 5;
  in.runout_horizon = 60;
  in.pools = {{"vdi", "LTO-5", rotation::one_tape_per_night, 1, true, 1}};
  in.drives = {{"lto5", "LTO-5", "vdi", 140e6}};
  policy p;
  p.name = "daily";
  p.pool = "vdi";
  p.max_chain_length = 6;
  p.keep.daily = 3;
  p.min_daily_keep = 3;
  in.policies = {p};
  testing::add_tapes(in, "LTO5-", 6, "vdi", "LTO-5", 1500 * GB);
  in.fleet.vms.push_back(
      {"vm-web01",
       "web01",
       "daily",
       {{"w0", uint64_t(400 * GB)}, {"w1", uint64_t(300 * GB)}}});
  in.fleet.vms.push_back(
      {"vm-db01", "db01", "daily", {{"d0", uint64_t(700 * GB)}}});
  for (auto& v : in.fleet.vms)
    for (auto& d : v.disks) s.truths[d.id] = {double(d.size), 0.01, 0.05};
  for (int n = 0; n < 4; ++n) s.night();  // some history, expiries, tapes out
  result<plan> r = make_plan(in);
  EXPECT_TRUE(r.ok());
  return *r;
}

TEST(PlannerRender, TextShowsDrivesTapesChangesAndTheChart) {
  const plan p = sample_plan();
  const std::string t = render_text(p, 5);
  if (getenv("PLANNER_SHOW")) std::cout << t << render_json(p).substr(0, 1500);
  EXPECT_NE(t.find("Plan for the night of Wed 2026-12-02"), std::string::npos)
      << t;
  EXPECT_NE(t.find("Drive lto5 (pool vdi): load LTO5-"), std::string::npos)
      << t;
  EXPECT_NE(t.find("full deferred to Thu"), std::string::npos) << t;
  EXPECT_NE(t.find("eject_offsite"), std::string::npos) << t;
  EXPECT_NE(t.find("Expiring: "), std::string::npos) << t;
  EXPECT_NE(t.find("Forecast, pool vdi (6 LTO-5 tapes of 1.50 TB)"),
            std::string::npos)
      << t;
  // Five chart rows, each 40 cells between bars.
  int rows = 0;
  std::istringstream in(render_chart(p.forecasts.at(0), 5));
  for (std::string line; std::getline(in, line); ++rows) {
    const size_t a = line.find('|'), b = line.rfind('|');
    ASSERT_NE(a, std::string::npos) << line;
    EXPECT_EQ(b - a - 1, 40u) << line;
  }
  EXPECT_EQ(rows, 5);
}

TEST(PlannerRender, ChartCellsFollowTheNumbers) {
  pool_forecast f;
  // night, volume, held, loadable, capacity, fits
  f.nights = {{day_from_civil(2026, 1, 1), 25, 30, 50, 100, true},
              {day_from_civil(2026, 1, 2), 200, 60, 10, 100, false}};
  EXPECT_EQ(render_chart(f, -1, 20),
            "Thu 2026-01-01 |##########+++++.....|  50 B free of 100 B\n"
            "Fri 2026-01-02 |##################++|! 10 B free of 100 B\n");
}

using PlannerRenderJson = tapeline::testing::temp_dir;

TEST_F(PlannerRenderJson, IsValidForIndependentParsers) {
  const plan p = sample_plan();
  const std::string path = this->path("plan.json");
  tapeline::testing::write_file(path, render_json(p));
  std::string out;
  ASSERT_EQ(tapeline::testing::run(
                "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                "print(d[\"format\"], d[\"version\"], d[\"night\"], "
                "len(d[\"objects\"]), d[\"forecasts\"][0][\"pool\"])' " +
                    path,
                &out),
            0)
      << out;
  EXPECT_EQ(out, "tapeline-plan 1 2026-12-02 3 vdi\n");
  ASSERT_EQ(tapeline::testing::run(
                "jq -r '[.drives[0].planned_bytes <= .drives[0].capacity, "
                "(.objects | map(select(.drive == \"lto5\")) | length), "
                "(.changes[0].kind)] | @tsv' " +
                    path,
                &out),
            0)
      << out;
  size_t placed = 0;
  for (auto& o : p.objects) placed += o.drive == "lto5";
  EXPECT_EQ(out, "true\t" + std::to_string(placed) + "\tdeferred\n");
}

}  // namespace
}  // namespace tapeline::planner
