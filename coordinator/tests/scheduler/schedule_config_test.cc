// [[schedule]] configuration: defaults, validation at load with file, line
// and key, and what `tapeline run` resolves to.
#include <gtest/gtest.h>

#include "tapeline/scheduler/render.h"
#include "tapeline/scheduler/run_target.h"
#include "tapeline/scheduler/schedule_config.h"

namespace tapeline::scheduler {
namespace {

result<std::vector<schedule_entry>> load(const std::string& text,
                                         const schedule_load_options& o = {}) {
  auto root = config::parse(text, "/etc/tapeline/coordinator.toml");
  if (!root) return root.error();
  return load_schedules(*root, o);
}

std::string error_of(const std::string& text,
                     const schedule_load_options& o = {}) {
  auto r = load(text, o);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message();
}

const char* kSite = R"(
[site]
time_zone = "Europe/London"

[[schedule]]
name = "nightly"
cron = "30 22 * * 1-5"
policy = "vdi-daily"
vms = "web-*, db01"

[[schedule]]
name = "weekly-ny"
cron = "@weekly"
time_zone = "America/New_York"
policy = "gfs"
vms = ["*", "mail01"]
enabled = false
catch_up_within = "2d"
)";

TEST(schedule_config, LoadsWithDefaults) {
  auto r = load(kSite);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  const auto& n = (*r)[0];
  EXPECT_EQ(n.name, "nightly");
  EXPECT_EQ(n.cron.text(), "30 22 * * 1-5");
  EXPECT_EQ(n.time_zone.name(), "Europe/London");  // from [site]
  EXPECT_EQ(n.policy, "vdi-daily");
  EXPECT_EQ(n.vms, (std::vector<std::string>{"web-*", "db01"}));
  EXPECT_TRUE(n.enabled);
  EXPECT_EQ(n.options.catch_up_within, std::chrono::hours(12));
  EXPECT_EQ(n.where.line, 5u);  // the [[schedule]] header
  const auto& w = (*r)[1];
  EXPECT_EQ(w.time_zone.name(), "America/New_York");
  EXPECT_EQ(w.vms, (std::vector<std::string>{"*", "mail01"}));
  EXPECT_FALSE(w.enabled);
  EXPECT_EQ(w.options.catch_up_within, std::chrono::hours(48));
  EXPECT_TRUE(selects_vm(n, "web-03"));
  EXPECT_TRUE(selects_vm(n, "db01"));
  EXPECT_FALSE(selects_vm(n, "db02"));
}

TEST(schedule_config, WithoutSiteZoneTheSystemZoneIsUsed) {
  auto r = load(
      "[[schedule]]\nname = \"a\"\ncron = \"@daily\"\n"
      "policy = \"p\"\nvms = \"*\"\n");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ((*r)[0].time_zone.name(), zone::system()->name());
  EXPECT_TRUE(load("# no schedules\n")->empty());
}

TEST(schedule_config, ErrorsNameFileLineKeyAndFix) {
  const std::string head =
      "[[schedule]]\nname = \"a\"\npolicy = \"p\"\n"
      "vms = \"*\"\n";
  EXPECT_EQ(error_of(head + "cron = \"30 25 * * *\"\n"),
            "/etc/tapeline/coordinator.toml:5:1: key 'schedule[0].cron': "
            "cron '30 25 * * *': hour 25 is out of range 0-23");
  auto tz =
      error_of(head + "cron = \"@daily\"\ntime_zone = \"Mars/Olympus\"\n");
  EXPECT_NE(tz.find("coordinator.toml:6:1: key 'schedule[0].time_zone': "
                    "time zone 'Mars/Olympus' is not in the system's tzdata"),
            std::string::npos)
      << tz;
  auto unknown = error_of(head + "cron = \"@daily\"\nenabeld = true\n");
  EXPECT_NE(unknown.find("coordinator.toml:6:1"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'enabled'"), std::string::npos)
      << unknown;
  auto missing = error_of("[[schedule]]\nname = \"a\"\npolicy = \"p\"\n");
  EXPECT_NE(missing.find("'schedule[0].cron'"), std::string::npos) << missing;
  auto list = error_of(
      "[[schedule]]\nname = \"a\"\ncron = \"@daily\"\n"
      "policy = \"p\"\nvms = [\"web\", 3]\n");
  EXPECT_NE(list.find(":5:1: key 'schedule[0].vms'"), std::string::npos)
      << list;
  EXPECT_NE(list.find("at index 1"), std::string::npos) << list;
  auto empty = error_of(
      "[[schedule]]\nname = \"a\"\ncron = \"@daily\"\n"
      "policy = \"p\"\nvms = []\n");
  EXPECT_NE(empty.find("'schedule[0].vms': is empty"), std::string::npos)
      << empty;
  EXPECT_NE(
      error_of(head + "cron = \"@daily\"\nname2 = 1\n").find("unknown key"),
      std::string::npos);
  EXPECT_NE(error_of("[[schedule]]\nname = \"a b\"\n")
                .find("not a valid schedule name"),
            std::string::npos);
  auto twice =
      error_of(head + "cron = \"@daily\"\n" + head + "cron = \"@daily\"\n");
  EXPECT_NE(twice.find(":7:1: key 'schedule[1].name': schedule \"a\" is "
                       "defined twice (first at "
                       "/etc/tapeline/coordinator.toml:1"),
            std::string::npos)
      << twice;
  schedule_load_options known;
  known.known_policies = {"gfs", "vdi-daily"};
  EXPECT_NE(error_of(head + "cron = \"@daily\"\n", known)
                .find("no policy named \"p\"; the configured policies are "
                      "gfs, vdi-daily"),
            std::string::npos);
  auto site = error_of("[site]\ntime_zone = \"Europe/Lundon\"\n" + head +
                       "cron = \"@daily\"\n");
  EXPECT_NE(site.find(":2:1: key 'site.time_zone'"), std::string::npos) << site;
  auto bad_vms = error_of(
      "[[schedule]]\nname = \"a\"\ncron = \"@daily\"\n"
      "policy = \"p\"\nvms = \"a,,b\"\n");
  EXPECT_NE(bad_vms.find("has an empty name"), std::string::npos) << bad_vms;
}

TEST(run_target, ScheduleThenPolicyThenVm) {
  auto r = load(kSite);
  ASSERT_TRUE(r.ok());
  auto by_schedule = resolve_run_target(*r, "nightly");
  ASSERT_TRUE(by_schedule.ok());
  EXPECT_EQ(by_schedule->at(0).policy, "vdi-daily");
  EXPECT_EQ(by_schedule->at(0).vms,
            (std::vector<std::string>{"web-*", "db01"}));
  auto by_policy = resolve_run_target(*r, "gfs");
  ASSERT_TRUE(by_policy.ok());
  EXPECT_EQ(by_policy->at(0).vms, (std::vector<std::string>{"*", "mail01"}));
  auto by_vm = resolve_run_target(*r, "web-07");
  ASSERT_TRUE(by_vm.ok());
  ASSERT_EQ(by_vm->size(), 2u);  // nightly's glob and weekly-ny's '*'
  EXPECT_EQ(by_vm->at(0).policy, "vdi-daily");
  EXPECT_EQ(by_vm->at(0).vms, std::vector<std::string>{"web-07"});
  EXPECT_EQ(by_vm->at(1).policy, "gfs");
  std::vector<schedule_entry> only_nightly = {r->at(0)};
  auto none = resolve_run_target(only_nightly, "mail01");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_code(), code::not_found);
  EXPECT_NE(none.error().message().find("tapeline schedule list"),
            std::string::npos);
}

TEST(render, NextFireTimesInLocalTimeAndUtc) {
  auto r = load(kSite);
  ASSERT_TRUE(r.ok());
  const auto& n = r->at(0);
  // From Friday 2024-03-29 12:00 UTC: Fri (GMT), then Mon and Tue in BST.
  std::string text = render_next(n.name, n.cron, n.time_zone, 1711713600, 3);
  EXPECT_EQ(text,
            "nightly  '30 22 * * 1-5'  (Europe/London)\n"
            "  Fri 2024-03-29 22:30 GMT   2024-03-29 22:30 UTC\n"
            "  Mon 2024-04-01 22:30 BST   2024-04-01 21:30 UTC\n"
            "  Tue 2024-04-02 22:30 BST   2024-04-02 21:30 UTC\n");
  auto feb30 = cron_expr::parse("0 0 30 2 mon");  // OR rule: Mondays in Feb
  ASSERT_TRUE(feb30.ok());
  EXPECT_EQ(next_fire_times(*feb30, zone::locate("UTC").value(), 1711713600, 1)
                .at(0)
                .utc,
            "2025-02-03 00:00 UTC");
}

}  // namespace
}  // namespace tapeline::scheduler
