#include "tapeline/hv_agent/janitor.h"

#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

namespace tapeline::hv_agent {
namespace {

// Field 22 of /proc/PID/stat (starttime), or "" when the process is gone.
std::string start_time_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  // The command name (field 2) is in parentheses and may hold spaces.
  auto close = line.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return field;
  return "";
}

std::string days(int64_t seconds) {
  return std::to_string(seconds / 86400) +
         (seconds / 86400 == 1 ? " day" : " days");
}

}  // namespace

std::vector<janitor_decision> snapshots_to_delete(
    const std::vector<tagged_snapshot>& snapshots, int64_t now,
    std::chrono::seconds retention,
    const std::function<bool(const std::string& owner)>& owner_alive) {
  // The newest kept snapshot of each VM is the next delta's base.
  std::map<std::string, const tagged_snapshot*> newest;
  for (auto& s : snapshots) {
    if (s.state != "kept") continue;
    auto& n = newest[s.vm_uuid];
    if (!n || s.created > n->created ||
        (s.created == n->created && s.ref > n->ref))
      n = &s;
  }
  std::vector<janitor_decision> out;
  for (auto& s : snapshots) {
    if (s.state == "kept") {
      int64_t age = now - s.created;
      if (age <= retention.count() || newest[s.vm_uuid] == &s) continue;
      out.push_back({&s, "expired: kept " + days(age) + ", retention " +
                             days(retention.count())});
    } else if (!owner_alive(s.owner)) {
      out.push_back({&s, "left over: state \"" + s.state +
                             "\" and its agent (" + s.owner +
                             ") is no longer running"});
    }
  }
  return out;
}

std::string this_process_owner(const std::string& host) {
  auto pid = std::to_string(::getpid());
  return host + ":" + pid + ":" + start_time_of(pid);
}

bool owner_alive_on(const std::string& host, const std::string& owner) {
  auto a = owner.find(':');
  auto b = owner.find(':', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  if (owner.substr(0, a) != host) return true;
  auto pid = owner.substr(a + 1, b - a - 1);
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto start = start_time_of(pid);
  return !start.empty() && start == owner.substr(b + 1);
}

}  // namespace tapeline::hv_agent
