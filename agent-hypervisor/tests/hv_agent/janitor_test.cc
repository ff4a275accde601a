#include "tapeline/hv_agent/janitor.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tapeline::hv_agent {
namespace {

constexpr int64_t day = 86400;
constexpr int64_t now = 1'800'000'000;

std::vector<std::string> refs(const std::vector<janitor_decision>& d) {
  std::vector<std::string> out;
  for (auto& x : d) out.push_back(x.snapshot->ref);
  return out;
}

TEST(janitor, expires_kept_snapshots_but_keeps_each_vms_newest) {
  std::vector<tagged_snapshot> s = {
      {"a", "web01 night 1", "vm-web", "kept", "h:1:1", now - 20 * day},
      {"b", "web01 night 2", "vm-web", "kept", "h:1:1", now - 15 * day},
      {"c", "web01 night 3", "vm-web", "kept", "h:1:1", now - 1 * day},
      {"d", "db01 night 1", "vm-db", "kept", "h:1:1", now - 30 * day},
  };
  auto d = snapshots_to_delete(s, now, std::chrono::hours(24 * 14),
                               [](auto&) { return true; });
  EXPECT_EQ(refs(d), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d[0].reason, "expired: kept 20 days, retention 14 days");
}

TEST(janitor, leftovers_of_a_dead_agent_go_and_a_live_ones_stay) {
  std::vector<tagged_snapshot> s = {
      {"x", "web01 crashed", "vm-web", "exporting", "dead", now},
      {"y", "web01 running", "vm-web", "exporting", "alive", now},
      {"z", "web01 failed", "vm-web", "failed", "dead", now},
  };
  auto d = snapshots_to_delete(s, now, std::chrono::hours(24 * 14),
                               [](auto& o) { return o == "alive"; });
  EXPECT_EQ(refs(d), (std::vector<std::string>{"x", "z"}));
  EXPECT_NE(d[0].reason.find("no longer running"), std::string::npos);
}

TEST(janitor, owner_names_this_process_and_notices_when_it_is_gone) {
  auto me = this_process_owner("host1");
  EXPECT_TRUE(owner_alive_on("host1", me)) << me;
  EXPECT_TRUE(owner_alive_on("host2", "host1:1:1"));  // not ours to judge
  EXPECT_FALSE(owner_alive_on("host1", "garbage"));
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  std::string pid = std::to_string(child);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(owner_alive_on("host1", "host1:" + pid + ":123"));
  // A live PID with another start time is a reused PID, not our agent.
  auto self = me.substr(0, me.rfind(':'));
  EXPECT_FALSE(owner_alive_on("host1", self + ":1"));
}

}  // namespace
}  // namespace tapeline::hv_agent
