// The drive contract, run against every backend: the virtual drive always,
// Linux st only when TAPELINE_TEST_DEVICE names a non-rewinding device
// (e.g. /dev/nst0). WARNING: the st run overwrites that tape from BOT.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "drive_test_util.h"
#include "tapeline/drive/st_drive.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {
namespace {

using testing::pattern;

// What a test needs from a backend beyond tape_drive. Hooks return false
// when the backend cannot do it (real hardware), and the test is skipped.
class backend {
 public:
  virtual ~backend() = default;
  virtual tape_drive& drive() = 0;
  virtual bool set_protect(bool on) { return false; }
  virtual bool inject(const cartridge_faults&) { return false; }
  // Replaces the tape with a blank one of this capacity and early warning.
  virtual bool scale_down(uint64_t capacity, uint64_t ew) { return false; }
  virtual bool can_eject_and_reload() { return false; }
  virtual status reload() { return make_error(code::internal, "no reload"); }
};

class virtual_backend : public backend {
 public:
  virtual_backend() : drive_(testing::drive_options(dirs_)) {
    fresh({"VT0001"});
  }
  tape_drive& drive() override { return drive_; }
  bool set_protect(bool on) override {
    return edit([&](const std::string& p) { return set_write_protect(p, on); });
  }
  bool inject(const cartridge_faults& f) override {
    return edit(
        [&](const std::string& p) { return set_cartridge_faults(p, f); });
  }
  bool scale_down(uint64_t capacity, uint64_t ew) override {
    cartridge_spec s{"VT0002"};
    s.capacity_bytes = capacity;
    s.early_warning_bytes = ew;
    EXPECT_TRUE(drive_.eject().ok());
    fresh(s);
    return true;
  }
  bool can_eject_and_reload() override { return true; }
  status reload() override { return drive_.load(barcode_); }

 private:
  void fresh(const cartridge_spec& s) {
    barcode_ = s.barcode;
    ASSERT_TRUE(create_cartridge(dirs_.library(), s).ok());
    ASSERT_TRUE(drive_.load(s.barcode).ok());
  }
  template <class F>
  bool edit(F f) {
    EXPECT_TRUE(drive_.eject().ok());
    EXPECT_TRUE(f(cartridge_path(dirs_.library(), barcode_)).ok());
    EXPECT_TRUE(drive_.load(barcode_).ok());
    return true;
  }

  testing::scratch_dirs dirs_;
  virtual_drive drive_;
  std::string barcode_;
};

class st_backend : public backend {
 public:
  explicit st_backend(const std::string& dev) : drive_(dev) {}
  tape_drive& drive() override { return drive_; }

 private:
  st_drive drive_;
};

class drive_contract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "st") {
      const char* dev = std::getenv("TAPELINE_TEST_DEVICE");
      if (!dev || !*dev) GTEST_SKIP() << "set TAPELINE_TEST_DEVICE=/dev/nstN";
      b_ = std::make_unique<st_backend>(dev);
    } else {
      b_ = std::make_unique<virtual_backend>();
    }
    ASSERT_TRUE(d().open().ok());
    ASSERT_TRUE(d().rewind().ok());
  }
  tape_drive& d() { return b_->drive(); }

  void write(const std::vector<char>& r) {
    auto w = d().write_record(r.data(), r.size());
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    EXPECT_EQ(*w, write_outcome::written);
  }
  void write_file(unsigned records, uint32_t seed, size_t size = 512) {
    for (unsigned i = 0; i < records; ++i) write(pattern(size, seed + i));
    ASSERT_TRUE(d().write_filemarks(1).ok());
  }
  void expect_record(const std::vector<char>& want) {
    std::vector<char> buf(want.size() + 4096);
    auto r = d().read_record(buf.data(), buf.size());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->what, read_outcome::record);
    ASSERT_EQ(r->length, want.size());
    EXPECT_TRUE(std::equal(want.begin(), want.end(), buf.begin()));
  }
  void expect_read(read_outcome what) {
    char buf[4096];
    auto r = d().read_record(buf, sizeof buf);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->what, what);
  }
  drive_position pos() {
    auto i = d().info();
    EXPECT_TRUE(i.ok()) << i.error().to_string();
    return i.ok() ? i->position : drive_position{};
  }
  // Three files of 2, 3 and 1 records of 512 bytes, seeds 100, 200, 300.
  void three_files() {
    write_file(2, 100);
    write_file(3, 200);
    write_file(1, 300);
  }

  std::unique_ptr<backend> b_;
};

TEST_P(drive_contract, records_of_many_sizes_read_back_equal) {
  const size_t sizes[] = {1, 512, 64 << 10, 256 << 10, 1 << 20};
  for (size_t i = 0; i < 5; ++i) write(pattern(sizes[i], i));
  ASSERT_TRUE(d().write_filemarks(1).ok());
  ASSERT_TRUE(d().rewind().ok());
  for (size_t i = 0; i < 5; ++i) expect_record(pattern(sizes[i], i));
  expect_read(read_outcome::filemark);
  expect_read(read_outcome::end_of_data);
}

TEST_P(drive_contract, positions_track_files_and_blocks) {
  EXPECT_TRUE(pos().bot);
  write(pattern(512, 1));
  EXPECT_EQ(pos().file_number, 0);
  EXPECT_EQ(pos().block_number, 1);
  EXPECT_FALSE(pos().bot);
  ASSERT_TRUE(d().write_filemarks(1).ok());
  EXPECT_EQ(pos().file_number, 1);
  EXPECT_EQ(pos().block_number, 0);
  write_file(3, 200);
  ASSERT_TRUE(d().rewind().ok());
  auto p = pos();
  EXPECT_TRUE(p.bot);
  EXPECT_EQ(p.file_number, 0);
  EXPECT_EQ(p.block_number, 0);
}

TEST_P(drive_contract, space_forward_lands_at_file_start) {
  three_files();
  ASSERT_TRUE(d().rewind().ok());
  ASSERT_TRUE(d().space_files(2).ok());
  EXPECT_EQ(pos().file_number, 2);
  EXPECT_EQ(pos().block_number, 0);
  expect_record(pattern(512, 300));
}

TEST_P(drive_contract, space_back_stops_on_bot_side_of_filemark) {
  three_files();
  ASSERT_TRUE(d().rewind().ok());
  ASSERT_TRUE(d().space_files(2).ok());
  ASSERT_TRUE(d().space_files(-1).ok());
  auto p = pos();
  EXPECT_EQ(p.file_number, 1);
  EXPECT_TRUE(p.block_number == 3 || p.block_number == -1) << p.block_number;
  expect_read(read_outcome::filemark);  // the filemark ending file 1
  expect_record(pattern(512, 300));
  ASSERT_TRUE(d().space_files(-2).ok());  // back over two: end of file 0
  EXPECT_EQ(pos().file_number, 0);
  expect_read(read_outcome::filemark);
  expect_record(pattern(512, 200));
}

TEST_P(drive_contract, spacing_past_eod_or_bot_is_an_error) {
  three_files();
  ASSERT_TRUE(d().rewind().ok());
  auto st = d().space_files(10);
  EXPECT_EQ(st.error_code(), code::io_error) << st.to_string();
  EXPECT_NE(st.message().find("end of data"), std::string::npos);
  ASSERT_TRUE(d().rewind().ok());
  ASSERT_TRUE(d().space_files(1).ok());
  st = d().space_files(-2);
  EXPECT_EQ(st.error_code(), code::io_error) << st.to_string();
  EXPECT_NE(st.message().find("beginning of tape"), std::string::npos);
}

TEST_P(drive_contract, space_to_eod_then_append) {
  three_files();
  ASSERT_TRUE(d().rewind().ok());
  ASSERT_TRUE(d().space_to_eod().ok());
  EXPECT_TRUE(pos().eod);
  EXPECT_EQ(pos().file_number, 3);
  write_file(1, 400);
  ASSERT_TRUE(seek_file(d(), 3).ok());
  expect_record(pattern(512, 400));
  expect_read(read_outcome::filemark);
  expect_read(read_outcome::end_of_data);
}

TEST_P(drive_contract, seek_file_positions_at_file_n) {
  three_files();
  ASSERT_TRUE(seek_file(d(), 1).ok());
  EXPECT_EQ(pos().file_number, 1);
  expect_record(pattern(512, 200));
  ASSERT_TRUE(seek_file(d(), 0).ok());
  expect_record(pattern(512, 100));
  EXPECT_FALSE(seek_file(d(), 7).ok());
}

TEST_P(drive_contract, writing_truncates_what_follows) {
  three_files();
  ASSERT_TRUE(d().rewind().ok());
  expect_record(pattern(512, 100));
  write(pattern(1000, 9));
  ASSERT_TRUE(d().write_filemarks(1).ok());
  ASSERT_TRUE(d().rewind().ok());
  expect_record(pattern(512, 100));
  expect_record(pattern(1000, 9));
  expect_read(read_outcome::filemark);
  expect_read(read_outcome::end_of_data);
}

// st writes a filemark when a rewind follows a write; so does the virtual.
TEST_P(drive_contract, rewind_after_write_closes_the_file) {
  write(pattern(512, 1));
  ASSERT_TRUE(d().rewind().ok());
  expect_record(pattern(512, 1));
  expect_read(read_outcome::filemark);
  expect_read(read_outcome::end_of_data);
}

TEST_P(drive_contract, too_small_buffer_is_corrupt) {
  write_file(1, 5, 4096);
  ASSERT_TRUE(d().rewind().ok());
  char buf[100];
  auto r = d().read_record(buf, sizeof buf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error_code(), code::corrupt);
}

TEST_P(drive_contract, write_protected_tape_refuses_writes) {
  write_file(1, 7);
  if (!b_->set_protect(true)) GTEST_SKIP() << "cannot protect this tape";
  auto info = d().info();
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->write_protected);
  auto rec = pattern(512, 8);
  auto w = d().write_record(rec.data(), rec.size());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().error_code(), code::write_protected);
  EXPECT_EQ(d().write_filemarks(1).error_code(), code::write_protected);
  expect_record(pattern(512, 7));  // reading still works
  ASSERT_TRUE(b_->set_protect(false));
  ASSERT_TRUE(d().space_to_eod().ok());
  write(rec);
}

TEST_P(drive_contract, empty_drive_reports_no_media) {
  if (!b_->can_eject_and_reload()) GTEST_SKIP() << "needs an operator";
  write_file(1, 7);
  ASSERT_TRUE(d().eject().ok());
  auto info = d().info();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->loaded);
  char buf[512] = {};
  auto w = d().write_record(buf, sizeof buf);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().error_code(), code::no_media);
  EXPECT_EQ(d().read_record(buf, sizeof buf).error().error_code(),
            code::no_media);
  EXPECT_EQ(d().rewind().error_code(), code::no_media);
  EXPECT_EQ(d().open().error_code(), code::no_media);
  ASSERT_TRUE(b_->reload().ok());
  expect_record(pattern(512, 7));
}

// 8 MiB tape, 2 MiB early-warning room, 256 KiB records: EW is crossed by
// record 24, record 25 gets ENOSPC, then 8 more fit before physical EOM.
TEST_P(drive_contract, early_warning_then_enospc_then_end_of_medium) {
  const size_t rec = 256 << 10;
  if (!b_->scale_down(8 << 20, 2 << 20)) GTEST_SKIP() << "needs a small tape";
  for (uint32_t i = 0; i < 23; ++i) write(pattern(rec, i));
  auto r = pattern(rec, 23);
  auto w = d().write_record(r.data(), rec);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, write_outcome::written_early_warning);
  EXPECT_TRUE(pos().early_warning);
  r = pattern(rec, 24);
  w = d().write_record(r.data(), rec);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, write_outcome::not_written_eom);
  for (uint32_t i = 24; i < 32; ++i) {  // the retry and the rest succeed
    r = pattern(rec, i);
    w = d().write_record(r.data(), rec);
    ASSERT_TRUE(w.ok()) << i << ": " << w.error().to_string();
    EXPECT_EQ(*w, write_outcome::written_early_warning);
  }
  w = d().write_record(r.data(), rec);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().error_code(), code::end_of_medium);
  ASSERT_TRUE(d().write_filemarks(1).ok());  // filemarks still fit
  ASSERT_TRUE(d().rewind().ok());
  for (uint32_t i = 0; i < 32; ++i) expect_record(pattern(rec, i));
  expect_read(read_outcome::filemark);
  expect_read(read_outcome::end_of_data);
}

TEST_P(drive_contract, eio_fault_fails_at_its_record_only) {
  cartridge_faults f;
  f.eio_at_record = 3;
  if (!b_->inject(f)) GTEST_SKIP() << "cannot inject faults";
  ASSERT_TRUE(d().rewind().ok());
  for (uint32_t i = 0; i < 3; ++i) write(pattern(512, i));
  auto r = pattern(512, 3);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto w = d().write_record(r.data(), r.size());
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().error_code(), code::io_error);
    const auto& m = w.error().message();
    EXPECT_NE(m.find("vd0"), std::string::npos) << m;
    EXPECT_NE(m.find("VT0001"), std::string::npos) << m;
    EXPECT_NE(m.find("record 3"), std::string::npos) << m;
  }
  ASSERT_TRUE(d().write_filemarks(1).ok());  // block 3 is now a filemark
  write(r);                                  // block 4 is good tape
  ASSERT_TRUE(d().write_filemarks(1).ok());
  ASSERT_TRUE(d().rewind().ok());
  for (uint32_t i = 0; i < 3; ++i) expect_record(pattern(512, i));
  expect_read(read_outcome::filemark);
  expect_record(r);
}

TEST_P(drive_contract, media_removed_mid_write) {
  cartridge_faults f;
  f.removed_at_record = 2;
  if (!b_->inject(f)) GTEST_SKIP() << "cannot inject faults";
  ASSERT_TRUE(d().rewind().ok());
  write(pattern(512, 0));
  write(pattern(512, 1));
  auto r = pattern(512, 2);
  auto w = d().write_record(r.data(), r.size());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().error_code(), code::no_media);
  EXPECT_NE(w.error().message().find("removed"), std::string::npos);
  auto info = d().info();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->loaded);
  ASSERT_TRUE(b_->reload().ok());
  expect_record(pattern(512, 0));
  expect_record(pattern(512, 1));
  expect_read(read_outcome::end_of_data);
}

TEST_P(drive_contract, bad_tape_fails_reads_of_its_record) {
  cartridge_faults f;
  f.corrupt_at_record = 1;
  write_file(3, 50);
  if (!b_->inject(f)) GTEST_SKIP() << "cannot inject faults";
  ASSERT_TRUE(d().rewind().ok());
  expect_record(pattern(512, 50));
  char buf[1024];
  auto r = d().read_record(buf, sizeof buf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error_code(), code::io_error);
  EXPECT_NE(r.error().message().find("record 1"), std::string::npos);
  expect_record(pattern(512, 52));
}

INSTANTIATE_TEST_SUITE_P(backends, drive_contract,
                         ::testing::Values("virtual", "st"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tapeline::drive
