// Faults (docs/tape-format.md §8): aborted objects (a dead sender, EIO), a
// damaged payload, and appending in a later session after a mount.
#include <gtest/gtest.h>

#include "tape_test_util.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape {
namespace {

using namespace testing;

constexpr uint32_t rs = 64 * 1024;

struct tape_faults : ::testing::Test {
  virtual_library lib;
  std::unique_ptr<volume_writer> w;
  void SetUp() override {
    lib.load_new("FT0001");
    writer_options o;
    o.record_size = rs;
    o.now_unix = fixed_now;
    w = std::make_unique<volume_writer>(&lib.drive(), o);
    ASSERT_TRUE(w->label(make_label("FT0001", rs), false).ok());
  }
  std::string cartridge() { return lib.dir() + "/slot/FT0001.vtape"; }
};

// Starts object `id` and appends `n` bytes of its 1 MiB payload.
void start_and_append(volume_writer& w, const std::string& id, size_t n) {
  ASSERT_TRUE(w.begin_object(make_manifest(id, id + ".raw", 1 << 20)).ok());
  std::string part = random_bytes(n, 5);
  auto p = w.append(part.data(), part.size());
  ASSERT_TRUE(p.ok()) << p.error().to_string();
}

void expect_aborted_then_appendable(virtual_library& lib, volume_writer& w) {
  std::string c = random_bytes(200000, 3);
  ASSERT_TRUE(
      write_object(w, make_manifest("c", "c.raw", c.size()), c, 65536, 0).ok());
  ASSERT_TRUE(w.finish_session().ok());
  volume_reader r(&lib.drive());
  auto cat = r.read_catalog();
  ASSERT_TRUE(cat.ok()) << cat.error().to_string();
  ASSERT_EQ(cat->entries_size(), 3);
  EXPECT_TRUE(cat->entries(0).complete());
  EXPECT_FALSE(cat->entries(1).complete());
  EXPECT_FALSE(cat->entries(1).continues());
  EXPECT_TRUE(cat->entries(2).complete());
  uint32_t aborted = cat->entries(1).file_number();
  auto o = r.read_object(aborted, nullptr);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message().find("not restorable"), std::string::npos)
      << o.error().message();
  EXPECT_TRUE(r.read_object(1, nullptr).ok());
  EXPECT_TRUE(r.read_object(cat->entries(2).file_number(), nullptr).ok());
  std::string out;
  lib.dump(aborted, lib.dir() + "/aborted");
  run("tar -tf " + lib.dir() + "/aborted", &out);
  EXPECT_EQ(out.find("TAPELINE.TRAILER"), std::string::npos) << out;
  EXPECT_EQ(out.rfind("TAPELINE.OBJECT\n", 0), 0u) << out;
}

TEST_F(tape_faults, dead_sender_leaves_a_readable_appendable_tape) {
  std::string a = random_bytes(100000, 1);
  ASSERT_TRUE(
      write_object(*w, make_manifest("a", "a.raw", a.size()), a, 4096, 0).ok());
  start_and_append(*w, "b", 300000);
  ASSERT_TRUE(w->abort_object("sender lost").ok());
  expect_aborted_then_appendable(lib, *w);
}

TEST_F(tape_faults, eio_mid_object_leaves_a_readable_appendable_tape) {
  std::string a = random_bytes(100000, 1);
  ASSERT_TRUE(
      write_object(*w, make_manifest("a", "a.raw", a.size()), a, 4096, 0).ok());
  ASSERT_TRUE(w->finish_session().ok());
  ASSERT_TRUE(lib.drive().eject().ok());
  drive::cartridge_faults f;
  f.eio_at_record = 9;  // inside object b
  ASSERT_TRUE(
      drive::set_cartridge_faults(lib.dir() + "/shelf/FT0001.vtape", f).ok());
  lib.load("FT0001");
  ASSERT_TRUE(w->mount().ok());
  ASSERT_TRUE(w->begin_object(make_manifest("b", "b.raw", 1 << 20)).ok());
  std::string part = random_bytes(600000, 5);
  auto p = w->append(part.data(), part.size());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().error_code(), code::io_error);
  ASSERT_TRUE(w->abort_object(p.error().message()).ok());
  expect_aborted_then_appendable(lib, *w);
}

TEST_F(tape_faults, flipped_payload_byte_is_a_sha256_mismatch) {
  std::string a = random_bytes(300000, 11);
  ASSERT_TRUE(
      write_object(*w, make_manifest("obj-a", "a.raw", a.size()), a, 65536, 0)
          .ok());
  ASSERT_TRUE(w->finish_session().ok());
  ASSERT_TRUE(lib.drive().eject().ok());
  std::string path = lib.dir() + "/shelf/FT0001.vtape";
  std::string cart = read_file(path);
  auto at = cart.find(a.substr(150000, 64));
  ASSERT_NE(at, std::string::npos);
  cart[at + 10] ^= 0x40;
  write_file(path, cart);
  lib.load("FT0001");
  volume_reader r(&lib.drive());
  auto o = r.read_object(1, nullptr);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().error_code(), code::corrupt);
  const std::string& m = o.error().message();
  EXPECT_NE(m.find("SHA-256 mismatch"), std::string::npos) << m;
  EXPECT_NE(m.find("obj-a"), std::string::npos) << m;
  EXPECT_NE(m.find("FT0001 file 1"), std::string::npos) << m;
}

TEST_F(tape_faults, mount_appends_after_the_last_catalog) {
  std::string a = random_bytes(70000, 1), b = random_bytes(90000, 2);
  ASSERT_TRUE(
      write_object(*w, make_manifest("a", "a.raw", a.size()), a, 4096, 0).ok());
  ASSERT_TRUE(w->finish_session().ok());
  // A crash after object b (no catalog): the next mount finds it by scanning.
  ASSERT_TRUE(
      write_object(*w, make_manifest("b", "b.raw", -1), b, 4096, 30000).ok());
  volume_writer w2(&lib.drive(), writer_options{});
  auto l = w2.mount();
  ASSERT_TRUE(l.ok()) << l.error().to_string();
  EXPECT_EQ(l->volume_id(), "FT0001");
  EXPECT_EQ(w2.file_number(), 4u);  // label, a, catalog, b
  ASSERT_EQ(w2.catalog().entries_size(), 2);
  EXPECT_TRUE(w2.catalog().entries(1).complete());
  std::string c = random_bytes(5000, 3);
  ASSERT_TRUE(
      write_object(w2, make_manifest("c", "c.raw", c.size()), c, 4096, 0).ok());
  ASSERT_TRUE(w2.finish_session().ok());
  volume_reader r(&lib.drive());
  auto cat = r.read_catalog();
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ(cat->session(), 2u);
  ASSERT_EQ(cat->entries_size(), 3);
  EXPECT_EQ(cat->entries(2).file_number(), 4u);
  // A labelled tape is not relabelled without force.
  EXPECT_FALSE(w2.label(make_label("FT0009", rs), false).ok());
}

}  // namespace
}  // namespace tapeline::tape
