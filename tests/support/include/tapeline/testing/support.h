// Helpers every C++ test may use: run a shell command (the oracles: GNU tar,
// bsdtar, qemu-img, openssl), read and write whole files, and a temporary
// folder fixture removed after the test. Header-only; test code only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace tapeline::testing {

// Runs `cmd` with sh; returns its exit code (-1 if it did not exit), with
// stdout and stderr together in *out when given.
inline int run(const std::string& cmd, std::string* out = nullptr) {
  std::string all;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) all.append(buf, n);
  int rc = pclose(p);
  if (out) *out = all;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// A fixture with a fresh folder under /tmp, removed in TearDown.
struct temp_dir : ::testing::Test {
  std::string dir;
  void SetUp() override {
    char t[] = "/tmp/tapeline-test-XXXXXX";
    ASSERT_NE(mkdtemp(t), nullptr);
    dir = t;
  }
  void TearDown() override { run("rm -rf '" + dir + "'"); }
  std::string path(const std::string& name) const { return dir + "/" + name; }
};

}  // namespace tapeline::testing
