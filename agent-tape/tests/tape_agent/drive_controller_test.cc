// drive_controller without actors: pacing against a fake clock, on a real
// virtual drive in a temporary folder.
#include "tapeline/tape_agent/drive_controller.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::tape_agent {
namespace {

constexpr uint64_t mib = 1ull << 20;

class pacing_test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tapeline-ctl-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_EQ(
        std::system(("mkdir -p " + dir_ + "/shelf " + dir_ + "/slot").c_str()),
        0);
    drive::cartridge_spec spec;
    spec.barcode = "PACE-01";
    spec.capacity_bytes = 1ull << 30;
    ASSERT_TRUE(drive::create_cartridge(dir_ + "/shelf", spec).ok());
    drive::virtual_drive_options vo;
    vo.name = "pace";
    vo.slot_dir = dir_ + "/slot";
    vo.library_dir = dir_ + "/shelf";
    auto d = std::make_unique<drive::virtual_drive>(vo);
    ASSERT_TRUE(d->load("PACE-01").ok());
    drive_options o;
    o.name = "pace";
    o.record_size = 64 * 1024;
    o.buffer_bytes = 64 * mib;
    o.pacing = GetParam();
    o.clock = [this] { return now_; };
    ctl_ = std::make_unique<drive_controller>(o, std::move(d), nullptr);
    ASSERT_TRUE(ctl_->start().ok());
    v1::StreamOpen open;
    open.set_stream_id(1);
    open.mutable_manifest()->set_name("paced.bin");
    open.mutable_manifest()->set_expected_size(int64_t(40 * mib));
    auto out = ctl_->on_open(open);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(out[0].has_accepted());
  }
  void TearDown() override {
    ctl_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  void chunk() {
    v1::StreamChunk c;
    c.set_stream_id(1);
    c.set_seq(seq_++);
    c.set_data(std::string(mib, char(seq_)));
    c.set_crc32c(crc32c(c.data().data(), c.data().size()));
    sha_.update(c.data().data(), c.data().size());
    auto out = ctl_->on_chunk(c);
    // The only answer to a good chunk: a receipt every 8 MiB received.
    for (const auto& f : out) {
      ASSERT_TRUE(f.has_credit()) << f.DebugString();
      EXPECT_EQ(f.credit().bytes(), 0u);
      EXPECT_EQ(f.credit().received_bytes(), seq_ * mib);
      receipts_.push_back(f.credit().received_bytes());
    }
  }
  uint64_t buffered() { return ctl_->status_report().buffer_used(); }

  std::string dir_;
  double now_ = 100.0;
  uint64_t seq_ = 0;
  sha256 sha_;
  std::vector<uint64_t> receipts_;
  std::unique_ptr<drive_controller> ctl_;
};

TEST_P(pacing_test, writes_no_faster_than_input_until_half_full) {
  const bool pacing = GetParam();
  chunk();  // t = 100.0: 1 MiB
  now_ = 100.6;
  ctl_->pump(32 * mib);  // rate 1 MiB / 0.6 s: writes that 1 MiB
  EXPECT_EQ(buffered(), 0u);
  now_ = 101.0;
  for (int i = 0; i < 16; ++i) chunk();  // a burst: 17 MiB in 1 s so far
  ctl_->pump(32 * mib);
  if (pacing) {
    // 17 MiB/s for the 0.4 s since the last pump: about 6.8 MiB, rounded
    // up to whole chunks.
    EXPECT_GE(buffered(), 9 * mib);
    EXPECT_LE(buffered(), 10 * mib);
    ctl_->pump(32 * mib);  // no time passed: nothing more allowed
    EXPECT_TRUE(ctl_->throttled());
    EXPECT_GE(buffered(), 9 * mib);
  } else {
    EXPECT_EQ(buffered(), 0u);
    EXPECT_FALSE(ctl_->throttled());
  }
  // Past half of the 64 MiB buffer the pacer lets everything through.
  for (int i = 0; i < 23; ++i) chunk();  // 40 MiB sent; > 32 MiB buffered
  ctl_->pump(64 * mib);
  EXPECT_EQ(buffered(), 0u);
  v1::StreamClose close;
  close.set_stream_id(1);
  close.set_total_bytes(40 * mib);
  close.set_sha256(sha_.hex_digest());
  EXPECT_TRUE(ctl_->on_close(close).empty());
  auto out = ctl_->pump(64 * mib);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_result());
  EXPECT_TRUE(out[0].result().ok()) << out[0].result().error();
  EXPECT_EQ(out[0].result().payload_bytes(), 40 * mib);
  std::vector<uint64_t> every_2mib;  // a receipt per 2 MiB received
  for (uint64_t b = 2 * mib; b <= 40 * mib; b += 2 * mib)
    every_2mib.push_back(b);
  EXPECT_EQ(receipts_, every_2mib);
}

INSTANTIATE_TEST_SUITE_P(pacing, pacing_test, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "on" : "off";
                         });

}  // namespace
}  // namespace tapeline::tape_agent
