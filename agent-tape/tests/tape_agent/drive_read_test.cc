// READ without actors (docs/wire-protocol.md "Reading back"): a
// drive_controller on a virtual drive writes objects, then streams one back
// as credit is granted. The oracle for the payload is the bytes written and
// an independent SHA-256 of them; GNU tar checks the tape afterwards.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "../tape/tape_test_util.h"
#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape_agent/drive_controller.h"

namespace tapeline::tape_agent {
namespace {

constexpr uint64_t mib = 1ull << 20;

class drive_read_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tapeline-read-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_EQ(
        std::system(("mkdir -p " + dir_ + "/shelf " + dir_ + "/slot").c_str()),
        0);
    for (const char* b : {"READ-01", "READ-02"}) {
      drive::cartridge_spec spec;
      spec.barcode = b;
      spec.capacity_bytes = 256 * mib;
      ASSERT_TRUE(drive::create_cartridge(dir_ + "/shelf", spec).ok());
    }
    drive::virtual_drive_options vo;
    vo.name = "rd";
    vo.slot_dir = dir_ + "/slot";
    vo.library_dir = dir_ + "/shelf";
    auto d = std::make_unique<drive::virtual_drive>(vo);
    vd_ = d.get();
    ASSERT_TRUE(d->load("READ-01").ok());
    drive_options o;
    o.name = "rd";
    o.record_size = 64 * 1024;
    o.buffer_bytes = 64 * mib;
    o.pacing = false;
    o.load = [this](const std::string& b) { return vd_->load(b); };
    ctl_ = std::make_unique<drive_controller>(o, std::move(d), nullptr);
    ASSERT_TRUE(ctl_->start().ok());
  }
  void TearDown() override {
    ctl_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // Writes `data` as one object; returns its tape file.
  uint32_t write(const std::string& name, const std::string& data) {
    v1::StreamOpen open;
    open.set_stream_id(++id_);
    open.mutable_manifest()->set_name(name);
    open.mutable_manifest()->set_object_id(name + "-id");
    open.mutable_manifest()->set_expected_size(int64_t(data.size()));
    auto out = ctl_->on_open(open);
    EXPECT_TRUE(out.at(0).has_accepted()) << out.at(0).DebugString();
    uint32_t file = out.at(0).accepted().file_number();
    for (size_t at = 0, seq = 0; at < data.size(); at += mib, ++seq) {
      v1::StreamChunk c;
      c.set_stream_id(id_);
      c.set_seq(seq);
      c.set_data(data.substr(at, mib));
      c.set_crc32c(crc32c(c.data().data(), c.data().size()));
      for (auto& f : ctl_->on_chunk(c))
        EXPECT_FALSE(f.has_result()) << f.result().error();
    }
    v1::StreamClose cl;
    cl.set_stream_id(id_);
    cl.set_total_bytes(data.size());
    cl.set_sha256(sha_of(data));
    ctl_->on_close(cl);
    bool done = false;
    while (!done && ctl_->wants_pump())
      for (auto& f : ctl_->pump(64 * mib))
        if (f.has_result()) {
          EXPECT_TRUE(f.result().ok()) << f.result().error();
          done = true;
        }
    EXPECT_TRUE(done);
    return file;
  }
  static std::string sha_of(const std::string& s) {
    sha256 h;
    h.update(s.data(), s.size());
    return h.hex_digest();
  }
  v1::DriveCommand read_cmd(const std::string& vol, uint32_t file) {
    v1::DriveCommand c;
    c.set_op(v1::DriveCommand::READ);
    c.set_volume_id(vol);
    c.set_file_number(file);
    return c;
  }

  std::string dir_;
  drive::virtual_drive* vd_ = nullptr;
  std::unique_ptr<drive_controller> ctl_;
  uint64_t id_ = 0;
};

TEST_F(drive_read_test, StreamsAnObjectBackWithinTheCreditGranted) {
  std::string a = tape::testing::random_bytes(5 * mib + 123, 1);
  std::string b = tape::testing::random_bytes(300000, 2);
  uint32_t fa = write("a.bin", a);
  write("b.bin", b);

  v1::DriveCommandReply reply;
  auto out = ctl_->on_read(read_cmd("READ-01", fa), &reply);
  ASSERT_TRUE(reply.ok()) << reply.error();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_open());
  EXPECT_EQ(out[0].open().manifest().object_id(), "a.bin-id");
  const uint64_t id = out[0].open().stream_id();
  EXPECT_TRUE(ctl_->busy());
  // No credit yet: nothing to send.
  EXPECT_FALSE(ctl_->wants_pump());
  EXPECT_EQ(ctl_->on_open(v1::StreamOpen()).at(0).result().code(),
            v1::DRIVE_BUSY);

  std::string got;
  uint64_t seq = 0;
  std::string close_sha;
  for (int round = 0; round < 100 && close_sha.empty(); ++round) {
    v1::StreamCredit c;
    c.set_stream_id(id);
    c.set_bytes(2 * mib);
    ctl_->on_credit(c);
    uint64_t before = got.size();
    for (auto& f : ctl_->pump(64 * mib)) {
      if (f.has_chunk()) {
        EXPECT_EQ(f.chunk().seq(), seq++);
        EXPECT_EQ(f.chunk().crc32c(),
                  crc32c(f.chunk().data().data(), f.chunk().data().size()));
        got += f.chunk().data();
      } else {
        ASSERT_TRUE(f.has_close()) << f.DebugString();
        EXPECT_EQ(f.close().total_bytes(), a.size());
        close_sha = f.close().sha256();
      }
    }
    // Memory stays bounded: never much past the credit (one record).
    EXPECT_LE(got.size() - before, 2 * mib + 64 * 1024);
  }
  EXPECT_EQ(got.size(), a.size());
  EXPECT_TRUE(got == a);  // not EXPECT_EQ: binary
  EXPECT_EQ(close_sha, sha_of(a));
  EXPECT_FALSE(ctl_->busy());

  // Back at the append point: the next object lands after b, not over it.
  std::string c = tape::testing::random_bytes(1000, 3);
  EXPECT_EQ(write("c.bin", c), fa + 2);
}

// Flips one payload byte in the cartridge file (found by its contents) and
// reads the object back: the drive checks the trailer's SHA-256 and aborts,
// naming the object, the tape and the tape file.
TEST_F(drive_read_test, ADamagedPayloadAbortsNamingObjectTapeAndFile) {
  std::string a = tape::testing::random_bytes(2 * mib, 7);
  uint32_t f = write("a.bin", a);
  std::string path = dir_ + "/slot/READ-01.vtape";
  FILE* fp = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(fp, nullptr);
  std::string all;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, fp)) > 0;)
    all.append(buf, n);
  size_t at = all.find(a.substr(mib, 64));
  ASSERT_NE(at, std::string::npos);
  std::fseek(fp, long(at), SEEK_SET);
  std::fputc(all[at] ^ 0x40, fp);
  std::fclose(fp);

  v1::DriveCommandReply r;
  auto out = ctl_->on_read(read_cmd("READ-01", f), &r);
  ASSERT_TRUE(r.ok()) << r.error();
  v1::StreamCredit c;
  c.set_stream_id(out[0].open().stream_id());
  c.set_bytes(64 * mib);
  ctl_->on_credit(c);
  std::optional<v1::StreamAbort> abort;
  while (ctl_->wants_pump() && !abort)
    for (auto& fr : ctl_->pump(64 * mib))
      if (fr.has_abort()) abort = fr.abort();
  ASSERT_TRUE(abort.has_value());
  EXPECT_EQ(abort->code(), v1::DIGEST_MISMATCH);
  EXPECT_NE(abort->reason().find("a.bin-id"), std::string::npos)
      << abort->reason();
  EXPECT_NE(abort->reason().find("tape READ-01 file " + std::to_string(f)),
            std::string::npos)
      << abort->reason();
  EXPECT_FALSE(ctl_->busy());
}

TEST_F(drive_read_test, RefusesTheWrongTapeAndANonObjectFile) {
  uint32_t f = write("a.bin", std::string(1000, 'x'));
  v1::DriveCommandReply r1;
  EXPECT_TRUE(ctl_->on_read(read_cmd("READ-02", f), &r1).empty());
  EXPECT_FALSE(r1.ok());
  EXPECT_NE(r1.error().find("holds tape READ-01, not READ-02"),
            std::string::npos)
      << r1.error();
  v1::DriveCommandReply r2;
  EXPECT_TRUE(ctl_->on_read(read_cmd("READ-01", 0), &r2).empty());
  EXPECT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("tape READ-01 file 0"), std::string::npos)
      << r2.error();
  EXPECT_FALSE(ctl_->busy());
}

TEST_F(drive_read_test, ALostReaderStopsTheReadAndTheDriveWritesOn) {
  uint32_t f = write("a.bin", tape::testing::random_bytes(3 * mib, 4));
  v1::DriveCommandReply r;
  auto out = ctl_->on_read(read_cmd("READ-01", f), &r);
  ASSERT_TRUE(r.ok());
  v1::StreamCredit c;
  c.set_stream_id(out[0].open().stream_id());
  c.set_bytes(mib);
  ctl_->on_credit(c);
  ctl_->pump(64 * mib);
  ctl_->on_peer_lost("test");
  EXPECT_FALSE(ctl_->busy());
  EXPECT_EQ(write("b.bin", std::string(10, 'y')), f + 1);
}

TEST_F(drive_read_test, LoadSwapsCartridgesForARestore) {
  uint32_t f = write("a.bin", std::string(5000, 'a'));
  v1::DriveCommand load;
  load.set_op(v1::DriveCommand::LOAD);
  load.set_volume_id("READ-02");
  auto r = ctl_->on_command(load);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.status().volume_id(), "READ-02");
  load.set_volume_id("READ-01");
  r = ctl_->on_command(load);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.status().volume_id(), "READ-01");
  v1::DriveCommandReply rr;
  ASSERT_EQ(ctl_->on_read(read_cmd("READ-01", f), &rr).size(), 1u)
      << rr.error();
  load.set_volume_id("READ-02");
  EXPECT_EQ(ctl_->on_command(load).code(), v1::DRIVE_BUSY);
}

}  // namespace
}  // namespace tapeline::tape_agent
