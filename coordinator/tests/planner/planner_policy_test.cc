// Scenarios for the policy rules: weekly full plus deltas with a maximum
// chain length, GFS keeps, a retained delta holding its full's tape, a
// night that cannot fit, and inconsistent input.
#include <gtest/gtest.h>

#include "site_sim.h"
#include "tapeline/planner/retention.h"

namespace tapeline::planner {
namespace {

using testing::GB;
using testing::sim_site;

// One pool "vdi" (LTO-5), one drive, `tapes` scratch tapes, one VM with one
// 100 GB disk growing slowly.
sim_site small_site(policy pol, int tapes) {
  sim_site s;
  s.in.today = day_from_civil(2026, 3, 2);  // a Monday
  s.in.runout_horizon = 120;
  s.in.pools = {{"vdi", "LTO-5", rotation::one_tape_per_night, 1, true, 1}};
  s.in.drives = {{"lto5", "LTO-5", "vdi", 140e6}};
  pol.pool = "vdi";
  s.in.policies = {pol};
  testing::add_tapes(s.in, "LTO5-", tapes, "vdi", "LTO-5", 1500 * GB);
  s.in.fleet.vms.push_back(
      {"vm-web01", "web01", pol.name, {{"d0", uint64_t(100 * GB)}}});
  s.truths["d0"] = {100 * GB, 0.001, 0.05};
  return s;
}

policy weekly(int max_chain) {
  policy p;
  p.name = "weekly";
  p.kind = schedule::weekly_full;
  p.full_weekday = 6;  // Saturday
  p.max_chain_length = max_chain;
  p.keep.daily = 3;
  p.min_daily_keep = 3;
  return p;
}

TEST(PlannerPolicy, WeeklyFullOnSaturdayDeltasBetween) {
  sim_site s = small_site(weekly(6), 30);
  std::vector<planned_object> tonight;
  for (int n = 0; n < 9; ++n) tonight.push_back(s.night().objects.at(0));
  for (auto& v : s.violations) ADD_FAILURE() << v;
  // Mon: first backup, a full. Tue..Fri: deltas on the night before.
  EXPECT_EQ(tonight[0].kind, backup_kind::full);
  for (int n = 1; n <= 4; ++n) {
    EXPECT_EQ(tonight[n].kind, backup_kind::delta) << n;
    EXPECT_EQ(tonight[n].base, tonight[n - 1].id) << n;
    EXPECT_EQ(tonight[n].chain_length, n) << n;
  }
  // Sat: the weekly full. Sun, Mon: deltas on it.
  EXPECT_EQ(tonight[5].id, "d0@2026-03-07");
  EXPECT_EQ(weekday(day_from_civil(2026, 3, 7)), 6);
  EXPECT_EQ(tonight[5].kind, backup_kind::full);
  EXPECT_EQ(tonight[6].kind, backup_kind::delta);
  EXPECT_EQ(tonight[6].base, tonight[5].id);
  EXPECT_EQ(tonight[6].chain_length, 1);
  EXPECT_GT(tonight[0].bytes, 5 * tonight[1].bytes) << "a delta is smaller";
}

TEST(PlannerPolicy, MaxChainLengthForcesAFullAndSaysWhy) {
  sim_site s = small_site(weekly(2), 30);
  std::vector<plan> plans;
  for (int n = 0; n < 4; ++n) plans.push_back(s.night());
  EXPECT_EQ(plans[1].objects[0].kind, backup_kind::delta);
  EXPECT_EQ(plans[2].objects[0].chain_length, 2);
  EXPECT_EQ(plans[3].objects[0].kind, backup_kind::full) << "Thu: chain full";
  bool said = false;
  for (auto& w : plans[3].warnings)
    said |=
        w.text.find(
            "web01 disk 0: full tonight instead of a delta: its "
            "chain has reached the maximum of 2 deltas") != std::string::npos;
  EXPECT_TRUE(said) << render_text(plans[3]);
}

TEST(PlannerPolicy, DeltasHoldTheirFullUntilTheChainExpires) {
  sim_site s = small_site(weekly(6), 30);
  // Mon full, Tue..Fri deltas, Sat full ... keep.daily = 3.
  for (int n = 0; n < 5; ++n) s.night();
  // Friday night: Monday's full is 4 nights old but Thursday's delta needs it.
  bool monday_full = false;
  for (auto& o : s.in.objects) monday_full |= o.kind == backup_kind::full;
  EXPECT_TRUE(monday_full);
  EXPECT_EQ(s.in.objects.size(), 5u) << "the whole chain is retained";
  // Friday's delta is kept three nights (Fri, Sat, Sun); on Monday the old
  // chain goes at once.
  std::vector<plan> plans;
  for (int n = 0; n < 3; ++n) plans.push_back(s.night());
  EXPECT_TRUE(plans[0].expiries.empty());
  EXPECT_TRUE(plans[1].expiries.empty());
  EXPECT_EQ(plans[2].expiries.size(), 5u) << render_text(plans[2]);
  for (auto& v : s.violations) ADD_FAILURE() << v;
}

TEST(PlannerPolicy, GfsKeepsDailyWeeklyMonthly) {
  policy p;
  p.name = "gfs";
  p.keep = {7, 4, 3};
  p.min_daily_keep = 7;
  sim_site s = small_site(p, 200);
  s.in.today = day_from_civil(2026, 1, 1);
  for (int n = 0; n < 150; ++n) s.night();
  for (auto& v : s.violations) ADD_FAILURE() << v;
  const day t = s.in.today;  // the next night to plan
  std::set<day> want;
  for (day d = t - 7; d < t; ++d) want.insert(d);
  for (day d = t - 40; d < t; ++d) {
    // The Sundays of the three weeks before this one, and the last days of
    // the two months before this one.
    if (weekday(d) == 0 && week_index(d) >= week_index(t) - 3 &&
        week_index(d) < week_index(t))
      want.insert(d);
  }
  for (day d = t - 100; d < t; ++d)
    if (is_last_day_of_month(d) && month_index(d) >= month_index(t) - 2 &&
        month_index(d) < month_index(t))
      want.insert(d);
  std::set<day> got;
  for (auto& o : s.in.objects) got.insert(o.night);
  std::string w, g;
  for (day d : want) w += format_day(d) + " ";
  for (day d : got) g += format_day(d) + " ";
  EXPECT_EQ(got, want) << "want " << w << "\ngot  " << g;
}

TEST(PlannerPolicy, RetainedDeltaHoldsItsFullsTapeOthersReturn) {
  planner_input in;
  in.today = day_from_civil(2026, 6, 20);
  in.pools = {{"vdi", "LTO-5", rotation::one_tape_per_night, 1, true, 1}};
  in.drives = {{"lto5", "LTO-5", "vdi", 140e6}};
  policy p = weekly(6);
  p.pool = "vdi";
  in.policies = {p};
  in.fleet.vms.push_back(
      {"vm-db", "db01", "weekly", {{"d0", uint64_t(100 * GB)}}});
  testing::add_tapes(in, "LTO5-", 5, "vdi", "LTO-5", 1500 * GB);
  for (auto& t : in.tapes) t.state = tape_state::offsite, t.used = 100 * GB;
  in.tapes[4].state = tape_state::scratch, in.tapes[4].used = 0;
  auto obj = [&](std::string id, backup_kind k, std::string parent, int ago,
                 std::string tape) {
    in.objects.push_back(
        {id, "d0", k, parent, in.today - ago, uint64_t(10 * GB), {tape}});
  };
  obj("old-full", backup_kind::full, "", 30, "LTO5-0001");  // an old chain
  obj("full", backup_kind::full, "", 10, "LTO5-0002");
  obj("d1", backup_kind::delta, "full", 9, "LTO5-0003");
  obj("d2", backup_kind::delta, "d1", 2, "LTO5-0004");
  obj("d3", backup_kind::delta, "d2", 1, "LTO5-0004");
  result<plan> r = make_plan(in);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  std::set<std::string> expired, recalled;
  for (auto& e : r->expiries) expired.insert(e.object);
  for (auto& a : r->tape_actions)
    if (a.kind == tape_action_kind::recall) recalled.insert(a.barcode);
  EXPECT_EQ(expired, std::set<std::string>{"old-full"});
  EXPECT_EQ(recalled, std::set<std::string>{"LTO5-0001"})
      << "the 10-night-old full on LTO5-0002 is held by the retained deltas";
  // Tonight is a Saturday: a weekly full, on the scratch tape.
  ASSERT_EQ(weekday(in.today), 6);
  EXPECT_EQ(r->objects.at(0).kind, backup_kind::full);
  EXPECT_EQ(r->drives.at(0).tapes.at(0).barcode, "LTO5-0005");
}

TEST(PlannerPolicy, NightThatCannotFitSaysWhatToDo) {
  planner_input in;
  in.today = day_from_civil(2026, 6, 20);
  in.pools = {{"vdi", "LTO-5", rotation::one_tape_per_night, 1, true, 1}};
  in.drives = {{"lto5", "LTO-5", "vdi", 140e6}};
  policy p;
  p.name = "daily";
  p.pool = "vdi";
  p.max_chain_length = 6;
  in.policies = {p};
  in.fleet.vms.push_back(
      {"vm-db",
       "db01",
       "daily",
       {{"d0", uint64_t(1000 * GB)}, {"d1", uint64_t(900 * GB)}}});
  testing::add_tapes(in, "LTO5-", 2, "vdi", "LTO-5", 1500 * GB);
  in.tapes[1].state = tape_state::expired;
  in.tapes[1].location = "bank";
  result<plan> r = make_plan(in);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_TRUE(r->has_errors()) << render_text(*r);
  std::string err;
  for (auto& w : r->warnings)
    if (w.level == severity::error) err = w.text;
  EXPECT_NE(err.find("1 backup(s) of pool 'vdi' (945 GB: db01 disk 1) do not "
                     "fit tonight"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("load another scratch tape of pool 'vdi' (LTO-5): none "
                     "is on site; recall LTO5-0002"),
            std::string::npos)
      << err;
  EXPECT_EQ(r->objects.back().drive, "") << "the unplaced object is listed";
  EXPECT_LE(r->drives[0].planned_bytes, r->drives[0].capacity);
}

TEST(PlannerPolicy, InconsistentInputIsAnErrorNamingTheFix) {
  sim_site s = small_site(weekly(6), 2);
  s.in.policies[0].pool = "lto6";
  result<plan> r = make_plan(s.in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error_code(), code::invalid_argument);
  EXPECT_NE(r.error().message().find("policy 'weekly': pool 'lto6' is not "
                                     "defined"),
            std::string::npos)
      << r.error().message();
  s = small_site(weekly(6), 2);
  s.in.drives[0].media_type = "LTO-4";
  r = make_plan(s.in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("drive 'lto5' writes LTO-4 but pool "
                                     "'vdi' holds LTO-5 tapes"),
            std::string::npos)
      << r.error().message();
}

TEST(PlannerPolicy, RetentionRulesByThemselves) {
  // A delta's release holds its parent; the newest object is never expired.
  std::vector<retained_object> objs = {
      {"f", "s", backup_kind::full, "", 100, 1, {"T1"}},
      {"d", "s", backup_kind::delta, "f", 101, 1, {"T2"}},
      {"g", "s", backup_kind::full, "", 102, 1, {"T3"}},
  };
  auto keep = [](const std::string&) { return gfs_keep{1, 0, 0}; };
  retention_result r = evaluate_retention(objs, 200, keep, {});
  EXPECT_EQ(r.kept, (std::vector<bool>{false, false, true}));
  r = evaluate_retention(objs, 200, keep, {"d"});  // tonight's base
  EXPECT_EQ(r.kept, (std::vector<bool>{true, true, true}));
  objs[1].parent = "missing";
  r = evaluate_retention(objs, 200, keep, {});
  EXPECT_EQ(r.broken, std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace tapeline::planner
