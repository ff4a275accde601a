// Spanning (docs/tape-format.md §6): one object across three scaled-down
// cartridges, restored by `tar -x -M` over the dumps and by volume_reader;
// early warning handled as the Linux st driver does.
#include <gtest/gtest.h>

#include "tape_test_util.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape {
namespace {

using namespace testing;

constexpr uint32_t rs = 64 * 1024;
constexpr uint64_t capacity = 3ull << 20;
constexpr uint64_t early_warning = 1ull << 20;

// Forwards to the virtual drive and counts what the writer saw.
struct counting_drive final : drive::tape_drive {
  drive::tape_drive* d;
  int early_warnings = 0, refused = 0, written_after_refusal = 0;
  bool refused_last = false;
  explicit counting_drive(drive::tape_drive* x) : d(x) {}
  std::string describe() const override { return d->describe(); }
  status open() override { return d->open(); }
  result<drive::drive_info> info() override { return d->info(); }
  result<drive::write_outcome> write_record(const void* p, size_t n) override {
    auto r = d->write_record(p, n);
    if (r && *r == drive::write_outcome::written_early_warning)
      ++early_warnings;
    if (r && *r != drive::write_outcome::not_written_eom && refused_last)
      ++written_after_refusal;
    refused_last = r && *r == drive::write_outcome::not_written_eom;
    if (refused_last) ++refused;
    return r;
  }
  result<drive::read_result> read_record(void* b, size_t c) override {
    return d->read_record(b, c);
  }
  status write_filemarks(unsigned n) override { return d->write_filemarks(n); }
  status space_files(int n) override { return d->space_files(n); }
  status space_to_eod() override { return d->space_to_eod(); }
  status rewind() override { return d->rewind(); }
  status eject() override { return d->eject(); }
};

struct tape_spanning : ::testing::Test {
  virtual_library lib;
  std::vector<std::string> tapes{"SP0001"};
  std::unique_ptr<volume_writer> w;
  counting_drive counted{&lib.drive()};

  void SetUp() override {
    lib.load_new("SP0001", capacity, early_warning);
    writer_options o;
    o.record_size = rs;
    o.now_unix = fixed_now;
    w = std::make_unique<volume_writer>(&counted, o);
    ASSERT_TRUE(w->label(make_label("SP0001", rs), false).ok());
  }
  // As the drive actor does at need_volume: a new blank cartridge.
  v1::TapeLabel next_tape() {
    std::string b = "SP000" + std::to_string(tapes.size() + 1);
    tapes.push_back(b);
    lib.load_new(b, capacity, early_warning);
    return make_label(b, rs);
  }
  status write(const v1::ObjectManifest& m, const std::string& data) {
    return write_object(*w, m, data, 300000, 1000000,
                        [&] { return next_tape(); });
  }
};

TEST_F(tape_spanning, gnu_tar_multi_volume_and_volume_reader_restore_it) {
  const std::string data = random_bytes(5 * 1024 * 1024 + 12345, 7);
  auto st = write(make_manifest("big", "vm/big.raw", data.size()), data);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_TRUE(w->finish_session().ok());
  ASSERT_EQ(tapes.size(), 3u);
  auto parts = w->last_object_parts();
  ASSERT_EQ(parts.size(), 3u);
  uint64_t sum = 0;
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(parts[i].part(), i);
    EXPECT_EQ(parts[i].payload_offset(), sum);
    sum += parts[i].payload_length();
    EXPECT_EQ(parts[i].continues(), i < 2);
  }
  EXPECT_EQ(sum, data.size());

  // Dumps of tape file 1 of each tape; each tape keeps a readable catalog.
  std::string d = lib.dir(), files, out;
  for (size_t i = 0; i < tapes.size(); ++i) {
    lib.load(tapes[i]);
    std::string f = d + "/part" + std::to_string(i);
    lib.dump(1, f);
    files += " -f " + f;
    volume_reader r(&lib.drive());
    auto cat = r.read_catalog();
    ASSERT_TRUE(cat.ok()) << cat.error().to_string();
    ASSERT_EQ(cat->entries_size(), 1);
    EXPECT_EQ(cat->entries(0).part(), i);
    EXPECT_EQ(cat->entries(0).continues(), i < 2);
    EXPECT_EQ(cat->end_of_medium(), i < 2);
    EXPECT_EQ(cat->entries(0).complete(), i == 2);
  }
  ASSERT_EQ(run("mkdir " + d + "/x && cd " + d + "/x && tar -x -M" + files +
                    " </dev/null",
                &out),
            0)
      << out;
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_TRUE(read_file(d + "/x/vm/big.raw") == data);
  ASSERT_EQ(run("tar -t -M" + files + " </dev/null", &out), 0) << out;
  EXPECT_EQ(out, "TAPELINE.OBJECT\nvm/big.raw\nTAPELINE.TRAILER\n");

  // Tapeline's reader follows the parts.
  lib.load(tapes[0]);
  volume_reader r(&lib.drive());
  std::string got;
  auto o = r.read_object(
      1,
      [&](const char* p, size_t n) {
        got.append(p, n);
        return status();
      },
      [&](const v1::ObjectManifest&, uint32_t part) -> result<uint32_t> {
        lib.load(tapes[part]);
        return 1u;
      });
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->parts, 3u);
  EXPECT_TRUE(got == data);
}

TEST_F(tape_spanning, early_warning_behaves_as_the_st_driver) {
  // a fills tape 1 up to early warning; c crosses it and spans; b follows c
  // on tape 2.
  std::string a = random_bytes(1900 * 1024, 1), c = random_bytes(600 * 1024, 3),
              b = random_bytes(300 * 1024, 2);
  ASSERT_TRUE(write(make_manifest("a", "a.raw", a.size()), a).ok());
  auto st = write(make_manifest("c", "c.raw", c.size()), c);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_TRUE(write(make_manifest("b", "b.raw", -1), b).ok());
  ASSERT_TRUE(w->finish_session().ok());
  ASSERT_EQ(tapes.size(), 2u);
  EXPECT_EQ(w->volume_id(), "SP0002");
  // The write that hit early warning completed; a later one was refused
  // (ENOSPC) and the one after it succeeded: the end-of-medium catalog.
  EXPECT_GE(counted.early_warnings, 1);
  EXPECT_EQ(counted.refused, 1);
  EXPECT_EQ(counted.written_after_refusal, 1);

  lib.load("SP0001");
  volume_reader r1(&lib.drive());
  auto s1 = r1.scan();
  ASSERT_TRUE(s1.ok()) << s1.error().to_string();
  EXPECT_TRUE(s1->catalog.end_of_medium());
  EXPECT_EQ(s1->last_catalog_file, 3u);
  ASSERT_EQ(s1->catalog.entries_size(), 2);
  EXPECT_TRUE(s1->catalog.entries(0).complete());
  EXPECT_TRUE(s1->catalog.entries(1).continues());
  lib.load("SP0002");
  volume_reader r2(&lib.drive());
  auto s2 = r2.scan();
  ASSERT_TRUE(s2.ok()) << s2.error().to_string();
  ASSERT_EQ(s2->catalog.entries_size(), 2);
  EXPECT_EQ(s2->catalog.entries(0).manifest().object_id(), "c");
  EXPECT_EQ(s2->catalog.entries(0).part(), 1u);
  EXPECT_TRUE(s2->catalog.entries(0).complete());
  EXPECT_EQ(s2->catalog.entries(1).manifest().object_id(), "b");
  EXPECT_TRUE(s2->catalog.entries(1).complete());
}

}  // namespace
}  // namespace tapeline::tape
