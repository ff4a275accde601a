// VHD structures, the random-access reader and the stream parser on images
// our writer made, including damaged ones (docs/vhd.md).
#include <gtest/gtest.h>

#include "tapeline/vhd/format.h"
#include "tapeline/vhd/image.h"
#include "tapeline/vhd/stream_parser.h"
#include "tapeline/vhd/stream_writer.h"
#include "vhd_test_util.h"

namespace tapeline::vhd {
namespace {

using namespace tapeline::vhd::testing;

constexpr uint64_t disk_size = 24ull * 1024 * 1024;  // 12 blocks

std::string small_disk(layer_model* m, disk_params* p) {
  std::mt19937_64 rng(7);
  *m = random_full(rng, 12, 4);
  p->size = disk_size;
  p->unique_id = uuid_from(rng);
  p->timestamp = 123456;
  return write_vhd(*p, *m);
}

TEST(vhd_format, footer_and_header_round_trip) {
  footer f;
  f.current_size = f.original_size = 67125248;
  f.geometry = geometry_for_size(f.current_size);
  f.data_offset = 512;
  f.unique_id[3] = 9;
  std::string b = encode_footer(f);
  ASSERT_EQ(b.size(), footer_size);
  auto g = decode_footer(b, 0);
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->current_size, f.current_size);
  EXPECT_EQ(g->unique_id, f.unique_id);
  EXPECT_TRUE(g->geometry == f.geometry);
  EXPECT_EQ(g->type, disk_type::dynamic);

  dynamic_header h;
  h.table_offset = 2048;
  h.max_table_entries = 33;
  h.parent_name = utf16_from_utf8("base-é.vhd");
  h.locators[0] = {platform_macx, 512, 20, 1536};
  auto k = decode_header(encode_header(h), 512);
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  EXPECT_EQ(k->max_table_entries, 33u);
  EXPECT_EQ(utf8_from_utf16(k->parent_name), "base-é.vhd");
  EXPECT_EQ(k->locators[0].data_offset, 1536u);
}

TEST(vhd_format, geometry_follows_the_spec_appendix) {
  // qemu-img create -f vpc 64M rounds to 964/8/17 (67125248 bytes).
  chs g = geometry_for_size(67125248);
  EXPECT_EQ(g.cylinders, 964);
  EXPECT_EQ(g.heads, 8);
  EXPECT_EQ(g.sectors_per_track, 17);
  g = geometry_for_size(200ull << 30);  // beyond 65535*16*255 sectors
  EXPECT_EQ(g.cylinders, 65535);
  EXPECT_EQ(g.heads, 16);
  EXPECT_EQ(g.sectors_per_track, 255);
}

TEST(vhd_format, reader_returns_what_the_writer_wrote) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  memory_source src(vhd, "small.vhd");
  auto img = image::open(&src);
  ASSERT_TRUE(img.ok()) << img.error().to_string();
  EXPECT_EQ(img->footer().current_size, disk_size);
  EXPECT_EQ(img->footer().timestamp, 123456u);
  EXPECT_EQ(img->block_count(), 12u);
  std::string bm, data;
  for (uint32_t i = 0; i < 12; ++i) {
    ASSERT_EQ(img->has_block(i), m.blocks.count(i) == 1) << i;
    if (!img->has_block(i)) continue;
    ASSERT_TRUE(img->read_block(i, &bm, &data).ok());
    EXPECT_EQ(bm, m.blocks[i].first);
    EXPECT_TRUE(data == m.blocks[i].second) << "block " << i;
  }
}

TEST(vhd_format, bad_footer_checksum_names_field_and_offset) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  vhd[vhd.size() - 512 + 100] ^= 1;  // reserved byte of the trailing footer
  memory_source src(vhd, "bad.vhd");
  auto img = image::open(&src);
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.error().error_code(), code::corrupt);
  const std::string& msg = img.error().message();
  EXPECT_NE(msg.find("bad.vhd"), std::string::npos) << msg;
  EXPECT_NE(msg.find("footer at byte " + std::to_string(vhd.size() - 512)),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("checksum"), std::string::npos) << msg;
}

TEST(vhd_format, bad_header_checksum_is_refused) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  vhd[512 + 40] ^= 0x10;  // parent id byte of the dynamic header
  memory_source src(vhd, "bad.vhd");
  auto img = image::open(&src);
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.error().message().find("dynamic header at byte 512"),
            std::string::npos)
      << img.error().message();
  EXPECT_NE(img.error().message().find("checksum"), std::string::npos);

  // The stream parser says the same.
  stream_parser sp([](uint32_t, std::string_view,
                      std::string_view) { return status::ok_status(); },
                   "stream");
  status st = sp.feed(vhd);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("dynamic header at byte 512"), std::string::npos)
      << st.message();
}

TEST(vhd_format, bat_entry_past_the_end_is_refused) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  uint32_t first = m.blocks.begin()->first;
  size_t at = 2048 + 4 * first;
  vhd[at] = 0x00;
  vhd[at + 1] = 0x7f;  // sector 0x7fxxxx: far past 8 MiB
  memory_source src(vhd, "bad.vhd");
  auto img = image::open(&src);
  ASSERT_FALSE(img.ok());
  const std::string& msg = img.error().message();
  EXPECT_NE(msg.find("BAT entry " + std::to_string(first)), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("past the end"), std::string::npos) << msg;

  // In a stream the block is simply never reached: the stream ends early.
  stream_parser sp([](uint32_t, std::string_view,
                      std::string_view) { return status::ok_status(); },
                   "stream");
  ASSERT_TRUE(sp.feed(vhd).ok());
  status st = sp.finish();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("ended at byte"), std::string::npos)
      << st.message();
}

TEST(vhd_format, stream_parser_takes_any_chunking) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  for (size_t chunk : {size_t(1) << 20, size_t(511), size_t(65536) + 7}) {
    std::map<uint32_t, std::pair<std::string, std::string>> got;
    std::vector<uint32_t> order;
    stream_parser sp(
        [&](uint32_t i, std::string_view bm, std::string_view data) {
          got[i] = {std::string(bm), std::string(data)};
          order.push_back(i);
          return status::ok_status();
        },
        "stream");
    for (size_t at = 0; at < vhd.size(); at += chunk)
      ASSERT_TRUE(sp.feed(std::string_view(vhd).substr(at, chunk)).ok());
    status st = sp.finish();
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(got, m.blocks) << "chunk " << chunk;
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
    EXPECT_EQ(sp.footer().current_size, disk_size);
  }
}

TEST(vhd_format, stream_parser_skips_gaps_like_a_batmap) {
  // XAPI may put a batmap between the BAT and the first block, and other
  // writers leave space before the final footer: shift every block by two
  // sectors of junk and pad before the footer.
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  const size_t bat_end = 2048 + bat_bytes(12);
  std::vector<uint32_t> bat =
      decode_bat(std::string_view(vhd).substr(2048, bat_bytes(12)), 12);
  for (uint32_t& e : bat)
    if (e != bat_unused) e += 2;
  std::string moved = vhd.substr(0, 2048) + encode_bat(bat) +
                      std::string(1024, 'j') +
                      vhd.substr(bat_end, vhd.size() - bat_end - 512) +
                      std::string(512, '\0') + vhd.substr(vhd.size() - 512);
  std::map<uint32_t, std::pair<std::string, std::string>> got;
  stream_parser sp(
      [&](uint32_t i, std::string_view bm, std::string_view data) {
        got[i] = {std::string(bm), std::string(data)};
        return status::ok_status();
      },
      "stream");
  ASSERT_TRUE(sp.feed(moved).ok());
  status st = sp.finish();
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(got, m.blocks);
  memory_source src(moved, "moved.vhd");
  EXPECT_TRUE(image::open(&src).ok());
}

TEST(vhd_format, stream_parser_refuses_truncation_and_footer_mismatch) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  auto ignore = [](uint32_t, std::string_view, std::string_view) {
    return status::ok_status();
  };
  {
    stream_parser sp(ignore, "cut stream");
    ASSERT_TRUE(
        sp.feed(std::string_view(vhd).substr(0, vhd.size() - 300)).ok());
    status st = sp.finish();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("cut stream"), std::string::npos);
  }
  {
    std::string other = vhd;
    other[other.size() - 512 + 100] ^= 1;  // trailing footer damaged
    stream_parser sp(ignore, "stream");
    ASSERT_TRUE(sp.feed(other).ok());
    status st = sp.finish();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("checksum"), std::string::npos) << st.message();
  }
  {
    std::string bad = vhd;
    bad[3] = 'X';  // footer copy cookie
    stream_parser sp(ignore, "stream");
    status st = sp.feed(bad);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("conectix"), std::string::npos) << st.message();
    EXPECT_FALSE(sp.feed("more").ok());
  }
}

TEST(vhd_format, a_handler_error_stops_the_stream) {
  layer_model m;
  disk_params p;
  std::string vhd = small_disk(&m, &p);
  stream_parser sp(
      [](uint32_t, std::string_view, std::string_view) {
        return make_error(code::io_error, "tape full");
      },
      "stream");
  status st = sp.feed(vhd);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error_code(), code::io_error);
}

TEST(vhd_format, writer_refuses_blocks_out_of_order) {
  std::string out;
  string_sink sink(&out);
  disk_params p;
  p.size = disk_size;
  EXPECT_FALSE(stream_writer::start(p, {3, 2}, &sink).ok());
  EXPECT_FALSE(stream_writer::start(p, {12}, &sink).ok());
  auto w = stream_writer::start(p, {1, 5}, &sink);
  ASSERT_TRUE(w.ok());
  std::string data(default_block_size, 'x');
  EXPECT_FALSE(w->add_block(5, full_bitmap(), data).ok());
  EXPECT_TRUE(w->add_block(1, full_bitmap(), data).ok());
  EXPECT_FALSE(w->finish().ok());
}

}  // namespace
}  // namespace tapeline::vhd
