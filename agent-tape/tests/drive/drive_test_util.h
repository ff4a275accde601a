// Helpers for the drive tests: a scratch library and slot, patterned
// records, and a fake clock for the speed model.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive::testing {

// A fresh directory with library/ and slot/ inside; removed on destruction.
class scratch_dirs {
 public:
  scratch_dirs() {
    std::string tmpl =
        std::filesystem::temp_directory_path() / "tapeline-drive-XXXXXX";
    root_ = ::mkdtemp(tmpl.data());
    std::filesystem::create_directory(library());
    std::filesystem::create_directory(slot());
  }
  ~scratch_dirs() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  std::string root() const { return root_; }
  std::string library() const { return root_ + "/library"; }
  std::string slot() const { return root_ + "/slot"; }

 private:
  std::string root_;
};

// A record whose bytes depend on (seed, index), so a mix-up shows.
inline std::vector<char> pattern(size_t n, uint32_t seed) {
  std::vector<char> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = static_cast<char>(x >> 24);
  }
  return v;
}

// A deterministic clock: sleep_for() advances it.
struct fake_clock {
  static double& t() {
    static double value = 1000.0;
    return value;
  }
  static double now() { return t(); }
  static void sleep_for(double s) {
    if (s > 0) t() += s;
  }
};

inline virtual_drive_options drive_options(const scratch_dirs& d,
                                           const std::string& name = "vd0") {
  virtual_drive_options o;
  o.name = name;
  o.slot_dir = d.slot();
  o.library_dir = d.library();
  o.now = fake_clock::now;
  o.sleep_for = fake_clock::sleep_for;
  return o;
}

}  // namespace tapeline::drive::testing
