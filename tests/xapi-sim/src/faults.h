// Faults a test arms through the sim's control interface (docs/xapi.md §4).
// Each is one-shot or counted: `count` exports take it, then it is gone.
//   export_500      the export answers HTTP 500 instead of data
//   export_cut      the export closes the connection after `after_bytes`
//   expire_session  after `after_bytes` of an export, every session expires
//                   (later calls get SESSION_INVALID) and the export stops
//   redirect        the export answers 302 to the pool member listener
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xapi_sim {

struct fault {
  std::string kind;
  int count = 1;
  uint64_t after_bytes = 0;
};

bool is_fault_kind(const std::string& kind);

class fault_set {
 public:
  void add(fault f) {
    std::lock_guard<std::mutex> lk(mu_);
    faults_.push_back(std::move(f));
  }
  // Takes one use of the first fault of `kind`.
  std::optional<fault> take(const std::string& kind) {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->kind != kind) continue;
      fault f = *it;
      if (--it->count <= 0) faults_.erase(it);
      return f;
    }
    return std::nullopt;
  }
  nlohmann::json list() const {
    std::lock_guard<std::mutex> lk(mu_);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : faults_)
      out.push_back({{"kind", f.kind},
                     {"count", f.count},
                     {"after_bytes", f.after_bytes}});
    return out;
  }
  void clear() {
    std::lock_guard<std::mutex> lk(mu_);
    faults_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<fault> faults_;
};

inline bool is_fault_kind(const std::string& k) {
  return k == "export_500" || k == "export_cut" || k == "expire_session" ||
         k == "redirect";
}

}  // namespace xapi_sim
