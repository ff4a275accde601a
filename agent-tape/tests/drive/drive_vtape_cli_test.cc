// tapeline-vtape end to end: cartridges made and moved by the CLI, a tar
// archive written through the virtual drive, dumped, and read by GNU tar.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "drive_test_util.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {
namespace {

namespace fs = std::filesystem;

std::string vtape() {
  const char* bin = std::getenv("TAPELINE_BIN");
  return std::string(bin ? bin : TAPELINE_BINARY_DIR "/bin") +
         "/tapeline-vtape";
}

struct run_result {
  int exit_code;
  std::string out;
};

// Runs a shell command line; captures stdout (stderr joins it).
run_result run(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class drive_vtape_cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(vtape())) << vtape() << " is not built";
    lib = dirs.library();
    slot = dirs.slot();
  }
  run_result vt(const std::string& args) { return run(vtape() + " " + args); }

  testing::scratch_dirs dirs;
  std::string lib, slot;
};

TEST_F(drive_vtape_cli, create_load_list_eject) {
  auto r = vt("create --library " + lib +
              " LTO4-0007 --media LTO-4 "
              "--capacity 64M --early-warning 4M");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto s = inspect_cartridge(cartridge_path(lib, "LTO4-0007"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->spec.capacity_bytes, 64u << 20);
  EXPECT_EQ(s->spec.early_warning_bytes, 4u << 20);
  EXPECT_EQ(s->spec.media_type, "LTO-4");
  ASSERT_EQ(
      vt("load --library " + lib + " --slot " + slot + " LTO4-0007").exit_code,
      0);
  EXPECT_TRUE(fs::exists(cartridge_path(slot, "LTO4-0007")));
  r = vt("list --json --library " + lib + " --slot " + slot);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"barcode\":\"LTO4-0007\""), std::string::npos);
  EXPECT_NE(r.out.find("\"location\":\"slot\""), std::string::npos);
  ASSERT_EQ(vt("eject --library " + lib + " --slot " + slot).exit_code, 0);
  EXPECT_TRUE(fs::exists(cartridge_path(lib, "LTO4-0007")));
  r = vt("eject --library " + lib + " --slot " + slot);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("no tape loaded"), std::string::npos) << r.out;
}

TEST_F(drive_vtape_cli, fault_and_protect_are_stored) {
  ASSERT_EQ(vt("create --library " + lib + " C1").exit_code, 0);
  std::string p = cartridge_path(lib, "C1");
  ASSERT_EQ(vt("fault " + p + " --eio-at-record 7").exit_code, 0);
  ASSERT_EQ(vt("fault " + p + " --removed-at-record 9").exit_code, 0);
  ASSERT_EQ(vt("protect " + p + " on").exit_code, 0);
  auto s = inspect_cartridge(p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->faults.eio_at_record, 7);
  EXPECT_EQ(s->faults.removed_at_record, 9);
  EXPECT_TRUE(s->spec.write_protected);
  ASSERT_EQ(vt("fault " + p + " --clear").exit_code, 0);
  ASSERT_EQ(vt("protect " + p + " off").exit_code, 0);
  s = inspect_cartridge(p);
  EXPECT_EQ(s->faults.eio_at_record, -1);
  EXPECT_FALSE(s->spec.write_protected);
}

TEST_F(drive_vtape_cli, errors_say_what_and_exit_nonzero) {
  auto r = vt("inspect " + lib + "/NOPE.vtape");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("NOPE.vtape"), std::string::npos) << r.out;
  r = vt("create --library " + lib + " C2 --capacity 12Q");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("12Q"), std::string::npos) << r.out;
  r = vt("load --library " + lib + " --slot " + slot + " NOPE");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("NOPE"), std::string::npos) << r.out;
}

// GNU tar is the oracle: an archive written record by record through the
// drive comes back out of `dump` byte for byte and lists correctly.
TEST_F(drive_vtape_cli, dump_feeds_gnu_tar) {
  std::string src = dirs.root() + "/src";
  fs::create_directory(src);
  std::ofstream(src + "/hello.txt") << "hello tape\n";
  std::ofstream(src + "/big.bin") << std::string(300000, 'z');
  std::string archive = dirs.root() + "/a.tar";
  ASSERT_EQ(
      run("tar -C " + src + " -b 128 -cf " + archive + " hello.txt big.bin")
          .exit_code,
      0);
  ASSERT_EQ(vt("create --library " + lib + " TAR001").exit_code, 0);
  {
    virtual_drive d(testing::drive_options(dirs));
    ASSERT_TRUE(d.load("TAR001").ok());
    ASSERT_TRUE(d.write_record("label", 5).ok());
    ASSERT_TRUE(d.write_filemarks(1).ok());
    std::ifstream in(archive, std::ios::binary);
    std::vector<char> rec(64 << 10);
    while (in.read(rec.data(), rec.size()) || in.gcount() > 0) {
      ASSERT_TRUE(d.write_record(rec.data(), in.gcount()).ok());
    }
    ASSERT_TRUE(d.write_filemarks(1).ok());
  }
  std::string cart = cartridge_path(slot, "TAR001");
  auto r = vt("dump " + cart + " 1 | tar -t -f -");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "hello.txt\nbig.bin\n");
  ASSERT_EQ(run(vtape() + " dump " + cart + " 1 | cmp - " + archive).exit_code,
            0);
  r = vt("inspect " + cart);
  EXPECT_NE(r.out.find("2 filemarks"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tapeline::drive
