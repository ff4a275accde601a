// Virtual-drive specifics: cartridges on the shelf and in the slot, the
// cartridge file surviving across drive objects, inspect and file reads.
#include "tapeline/drive/virtual_drive.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "drive_test_util.h"

namespace tapeline::drive {
namespace {

namespace fs = std::filesystem;
using testing::pattern;
using testing::scratch_dirs;

class virtual_drive_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(create_cartridge(dirs.library(), {"LTO5-0001"}).ok());
  }
  std::string shelf(const std::string& b) {
    return cartridge_path(dirs.library(), b);
  }
  std::string slot(const std::string& b) {
    return cartridge_path(dirs.slot(), b);
  }
  // file 0: records of 10 and 20 bytes; file 1: one of 30 bytes.
  void write_two_files(virtual_drive& d) {
    for (size_t n : {10, 20})
      ASSERT_TRUE(d.write_record(pattern(n, n).data(), n).ok());
    ASSERT_TRUE(d.write_filemarks(1).ok());
    ASSERT_TRUE(d.write_record(pattern(30, 30).data(), 30).ok());
    ASSERT_TRUE(d.write_filemarks(1).ok());
  }
  scratch_dirs dirs;
};

TEST_F(virtual_drive_test, load_and_eject_move_the_cartridge) {
  virtual_drive d(testing::drive_options(dirs));
  ASSERT_TRUE(d.load("LTO5-0001").ok());
  EXPECT_FALSE(fs::exists(shelf("LTO5-0001")));
  EXPECT_TRUE(fs::exists(slot("LTO5-0001")));
  auto i = d.info();
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(i->loaded);
  EXPECT_EQ(i->volume_hint, "LTO5-0001");
  EXPECT_EQ(d.describe(), "virtual:vd0");
  ASSERT_TRUE(d.eject().ok());
  EXPECT_TRUE(fs::exists(shelf("LTO5-0001")));
  EXPECT_FALSE(fs::exists(slot("LTO5-0001")));
  EXPECT_EQ(d.eject().error_code(), code::no_media);
}

TEST_F(virtual_drive_test, load_refuses_missing_and_occupied) {
  virtual_drive d(testing::drive_options(dirs));
  auto st = d.load("NOPE01");
  EXPECT_EQ(st.error_code(), code::not_found) << st.to_string();
  EXPECT_NE(st.message().find("NOPE01"), std::string::npos);
  ASSERT_TRUE(create_cartridge(dirs.library(), {"LTO5-0002"}).ok());
  ASSERT_TRUE(d.load("LTO5-0001").ok());
  st = d.load("LTO5-0002");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("eject it first"), std::string::npos);
}

TEST_F(virtual_drive_test, data_survives_a_new_drive_object) {
  {
    virtual_drive d(testing::drive_options(dirs));
    ASSERT_TRUE(d.load("LTO5-0001").ok());
    write_two_files(d);
  }
  virtual_drive d(testing::drive_options(dirs));  // finds it in the slot
  ASSERT_TRUE(d.open().ok());
  ASSERT_TRUE(d.space_to_eod().ok());
  auto i = d.info();
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->position.file_number, 2);
  ASSERT_TRUE(seek_file(d, 1).ok());
  char buf[64];
  auto r = d.read_record(buf, sizeof buf);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->length, 30u);
  EXPECT_EQ(std::vector<char>(buf, buf + 30), pattern(30, 30));
}

TEST_F(virtual_drive_test, torn_last_entry_is_cut_off) {
  {
    virtual_drive d(testing::drive_options(dirs));
    ASSERT_TRUE(d.load("LTO5-0001").ok());
    write_two_files(d);
  }
  auto p = slot("LTO5-0001");
  auto good = fs::file_size(p);
  fs::resize_file(p, good + 5);  // a crash mid-write left half a header
  virtual_drive d(testing::drive_options(dirs));
  ASSERT_TRUE(d.open().ok());
  EXPECT_EQ(fs::file_size(p), good);
  ASSERT_TRUE(d.space_to_eod().ok());
  EXPECT_EQ(d.info()->position.file_number, 2);
}

TEST_F(virtual_drive_test, inspect_and_read_a_file_without_a_drive) {
  virtual_drive d(testing::drive_options(dirs));
  ASSERT_TRUE(d.load("LTO5-0001").ok());
  write_two_files(d);
  ASSERT_TRUE(d.write_record("tail", 4).ok());
  auto s = inspect_cartridge(slot("LTO5-0001"));
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->spec.media_type, "LTO-5");
  EXPECT_EQ(s->spec.capacity_bytes, 1500000000000ull);
  EXPECT_EQ(s->records, 4u);
  EXPECT_EQ(s->filemarks, 2u);
  EXPECT_EQ(s->data_bytes, 64u);
  ASSERT_EQ(s->files.size(), 3u);
  EXPECT_EQ(s->files[0].records, 2u);
  EXPECT_EQ(s->files[0].bytes, 30u);
  EXPECT_EQ(s->files[2].bytes, 4u);
  std::string got;
  auto sink = [&](const char* p, size_t n) {
    got.append(p, n);
    return status{};
  };
  ASSERT_TRUE(read_cartridge_file(slot("LTO5-0001"), 0, sink).ok());
  auto want = pattern(10, 10);
  auto twenty = pattern(20, 20);
  want.insert(want.end(), twenty.begin(), twenty.end());
  EXPECT_EQ(got, std::string(want.begin(), want.end()));
  EXPECT_EQ(read_cartridge_file(slot("LTO5-0001"), 5, sink).error_code(),
            code::not_found);
}

TEST_F(virtual_drive_test, create_validates_and_resolves) {
  EXPECT_EQ(create_cartridge(dirs.library(), {"LTO5-0001"}).error_code(),
            code::invalid_argument);  // exists
  EXPECT_EQ(create_cartridge(dirs.library(), {"bad/name"}).error_code(),
            code::invalid_argument);
  cartridge_spec s{"LTO4-0001", "LTO-4"};
  ASSERT_TRUE(create_cartridge(dirs.library(), s).ok());
  auto i = inspect_cartridge(shelf("LTO4-0001"));
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->spec.capacity_bytes, 800000000000ull);
  EXPECT_EQ(i->spec.early_warning_bytes, 8000000000ull);  // 1%
  cartridge_spec small{"TINY01"};
  small.capacity_bytes = 8 << 20;
  ASSERT_TRUE(create_cartridge(dirs.library(), small).ok());
  EXPECT_EQ(inspect_cartridge(shelf("TINY01"))->spec.early_warning_bytes,
            2u << 20);  // at most a quarter
  auto names = list_cartridges(dirs.library());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names,
            (std::vector<std::string>{"LTO4-0001", "LTO5-0001", "TINY01"}));
  EXPECT_EQ(lto_speed("LTO-4").native_rate, 120e6);
  EXPECT_EQ(lto_capacity("LTO-6"), 2500000000000ull);
}

// As closing an st device after writing: the open file gets a filemark.
TEST_F(virtual_drive_test, closing_after_a_write_adds_a_filemark) {
  {
    virtual_drive d(testing::drive_options(dirs));
    ASSERT_TRUE(d.load("LTO5-0001").ok());
    ASSERT_TRUE(d.write_record("abc", 3).ok());
    ASSERT_TRUE(d.write_filemarks(0).ok());  // a flush, no filemark
    EXPECT_EQ(inspect_cartridge(slot("LTO5-0001"))->filemarks, 0u);
  }
  auto s = inspect_cartridge(slot("LTO5-0001"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->records, 1u);
  EXPECT_EQ(s->filemarks, 1u);
}

TEST_F(virtual_drive_test, not_a_cartridge_is_corrupt) {
  std::string p = dirs.root() + "/junk.vtape";
  FILE* f = fopen(p.c_str(), "w");
  fputs("hello", f);
  fclose(f);
  EXPECT_EQ(inspect_cartridge(p).error().error_code(), code::corrupt);
}

}  // namespace
}  // namespace tapeline::drive
