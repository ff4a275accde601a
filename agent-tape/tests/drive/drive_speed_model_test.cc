// The LTO speed model on a fake clock: streaming, shoe-shine, backpressure.
#include <gtest/gtest.h>

#include "drive_test_util.h"
#include "tapeline/drive/speed_model.h"

namespace tapeline::drive {
namespace {

constexpr size_t rec = 256 << 10;

// Feeds `seconds` of data at `rate` bytes/s in `rec`-byte writes, honouring
// the model's waits. Returns the fake time spent.
double feed(speed_model& m, double& now, double rate, double seconds) {
  double start = now, end = now + seconds;
  while (now < end) {
    now += m.on_write(now, rec);
    now += rec / rate;
  }
  return now - start;
}

TEST(drive_speed_model, steady_100MBps_into_lto5_streams) {
  speed_model m(lto_speed("LTO-5"));
  double now = 0;
  feed(m, now, 100e6, 120);
  EXPECT_EQ(m.backhitches(), 0u);
  EXPECT_NEAR(m.tape_speed(), 100e6, 5e6);  // speed-matched
  EXPECT_NEAR(m.host_rate(), 100e6, 2e6);
}

TEST(drive_speed_model, slow_20MBps_feed_shoe_shines) {
  speed_model m(lto_speed("LTO-5"));
  double now = 0;
  feed(m, now, 20e6, 120);
  // Below the 40 MB/s floor the buffer runs dry again and again.
  EXPECT_GE(m.backhitches(), 5u);
}

TEST(drive_speed_model, fast_feed_is_paced_to_native) {
  auto o = lto_speed("LTO-5");
  speed_model m(o);
  double now = 0, total = 0;
  while (total < 20e9) {  // an infinitely fast host
    now += m.on_write(now, rec);
    total += rec;
  }
  double rate = total / now;
  EXPECT_LE(rate, o.native_rate * 1.03);  // only the buffer's head start
  EXPECT_GE(rate, o.native_rate * 0.97);
  EXPECT_EQ(m.backhitches(), 0u);
}

TEST(drive_speed_model, bursty_feed_averaging_100MBps_streams) {
  speed_model m(lto_speed("LTO-5"));
  double now = 0;
  for (int i = 0; i < 60; ++i) {
    feed(m, now, 200e6, 1.0);  // a burst at twice the average
    now += 1.0;                // then a pause as long
  }
  EXPECT_EQ(m.backhitches(), 0u);
}

TEST(drive_speed_model, flush_stops_without_a_backhitch) {
  speed_model m(lto_speed("LTO-4"));
  double now = 0;
  feed(m, now, 100e6, 5);
  double wait = m.on_flush(now);
  EXPECT_GT(wait, 0);  // the buffer had to reach the tape
  now += wait + 30;    // long idle after a filemark
  feed(m, now, 100e6, 5);
  EXPECT_EQ(m.backhitches(), 0u);
  now += 30;  // idle without a flush: the buffer runs dry
  feed(m, now, 100e6, 1);
  EXPECT_EQ(m.backhitches(), 1u);
}

TEST(drive_speed_model, virtual_drive_counts_backhitches) {
  testing::scratch_dirs dirs;
  cartridge_spec s{"SPD001"};
  ASSERT_TRUE(create_cartridge(dirs.library(), s).ok());
  auto o = testing::drive_options(dirs);
  o.speed = lto_speed("LTO-5");
  o.speed.drive_buffer = 1 << 20;  // a small buffer keeps the file small
  virtual_drive d(o);
  ASSERT_TRUE(d.load("SPD001").ok());
  std::vector<char> r(rec, 'x');
  auto& t = testing::fake_clock::t();
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(d.write_record(r.data(), r.size()).ok());
    t += rec / 10e6;  // 10 MB/s: far below the floor
  }
  EXPECT_GT(d.backhitches(), 5u);
  uint64_t before = d.backhitches();
  ASSERT_TRUE(d.write_filemarks(1).ok());
  t += 60;
  ASSERT_TRUE(d.write_record(r.data(), r.size()).ok());
  EXPECT_EQ(d.backhitches(), before);  // a filemark stops it deliberately
  double t0 = t;
  for (int i = 0; i < 40; ++i)  // fast host: paced by backpressure
    ASSERT_TRUE(d.write_record(r.data(), r.size()).ok());
  EXPECT_GT(t - t0, (40.0 * rec - (1 << 20)) / o.speed.native_rate * 0.9);
}

}  // namespace
}  // namespace tapeline::drive
