// Differencing disks checked with libvhdi's vhdiinfo, and chain merges
// (full + deltas with partial bitmaps) compared with a raw image the test
// computes itself; the merged dynamic VHD is also checked by qemu.
#include <gtest/gtest.h>

#include "tapeline/vhd/chain.h"
#include "tapeline/vhd/stream_parser.h"
#include "vhd_test_util.h"

namespace tapeline::vhd {
namespace {

using namespace tapeline::vhd::testing;

constexpr uint64_t disk_size = 48ull << 20;  // 24 blocks; not CHS-exact
constexpr uint32_t blocks = 24;

struct vhd_chain : temp_dir {
  std::mt19937_64 rng{2026};
  layer_model full, d1, d2;
  std::string full_vhd, d1_vhd, d2_vhd;
  disk_params pf, p1, p2;
  std::string expected;  // the disk after d2, computed by the test
  std::unique_ptr<memory_source> sf, s1, s2;
  std::unique_ptr<image> f, a, b;  // full, delta 1, delta 2, opened

  // Opens the three images our writer made.
  void open_all() {
    sf = std::make_unique<memory_source>(full_vhd, "full.vhd");
    s1 = std::make_unique<memory_source>(d1_vhd, "delta1.vhd");
    s2 = std::make_unique<memory_source>(d2_vhd, "delta2.vhd");
    auto rf = image::open(sf.get()), ra = image::open(s1.get()),
         rb = image::open(s2.get());
    ASSERT_TRUE(rf.ok() && ra.ok() && rb.ok());
    f = std::make_unique<image>(std::move(*rf));
    a = std::make_unique<image>(std::move(*ra));
    b = std::make_unique<image>(std::move(*rb));
  }

  void SetUp() override {
    temp_dir::SetUp();
    full = random_full(rng, blocks, 8);
    d1 = random_delta(rng, blocks, 6);
    d2 = random_delta(rng, blocks, 6);
    // Later deltas overwrite parts of blocks earlier layers hold.
    auto first_full = full.blocks.begin()->first;
    d1.blocks[first_full] = random_delta(rng, 1, 1).blocks[0];
    d2.blocks[first_full] = random_delta(rng, 1, 1).blocks[0];
    d2.blocks[d1.blocks.rbegin()->first] = random_delta(rng, 1, 1).blocks[0];

    pf.size = p1.size = p2.size = disk_size;
    pf.unique_id = uuid_from(rng);
    p1.type = p2.type = disk_type::differencing;
    p1.unique_id = uuid_from(rng);
    p1.parent_id = pf.unique_id;
    p1.parent_name = "full.vhd";
    p1.parent_timestamp = 1000;
    p2.unique_id = uuid_from(rng);
    p2.parent_id = p1.unique_id;
    p2.parent_name = "delta1.vhd";
    full_vhd = write_vhd(pf, full);
    d1_vhd = write_vhd(p1, d1);
    d2_vhd = write_vhd(p2, d2);
    expected.assign(disk_size, '\0');
    apply_layer(full, &expected);
    apply_layer(d1, &expected);
    apply_layer(d2, &expected);
  }
};

TEST_F(vhd_chain, vhdiinfo_reads_our_differencing_disks) {
  save(path("delta1.vhd"), d1_vhd);
  std::string out;
  ASSERT_EQ(run("vhdiinfo " + path("delta1.vhd"), &out), 0) << out;
  EXPECT_NE(out.find("Differential"), std::string::npos) << out;
  EXPECT_NE(out.find(to_string(p1.unique_id)), std::string::npos) << out;
  EXPECT_NE(out.find(to_string(pf.unique_id)), std::string::npos) << out;
  EXPECT_NE(out.find("full.vhd"), std::string::npos) << out;
  EXPECT_NE(out.find("(" + std::to_string(disk_size) + " bytes)"),
            std::string::npos)
      << out;
}

TEST_F(vhd_chain, reader_sees_the_delta_header_and_locator) {
  memory_source src(d2_vhd, "delta2.vhd");
  auto img = image::open(&src);
  ASSERT_TRUE(img.ok()) << img.error().to_string();
  EXPECT_EQ(img->footer().type, disk_type::differencing);
  EXPECT_EQ(img->header().parent_id, p1.unique_id);
  EXPECT_EQ(utf8_from_utf16(img->header().parent_name), "delta1.vhd");
  auto loc = img->locator_data(0);
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(*loc, "file://delta1.vhd");
  // The stream parser reads the locator as it passes.
  stream_parser sp([](uint32_t, std::string_view,
                      std::string_view) { return status::ok_status(); },
                   "delta2");
  ASSERT_TRUE(sp.feed(d2_vhd).ok());
  ASSERT_TRUE(sp.finish().ok());
  EXPECT_EQ(sp.locator_data(0), "file://delta1.vhd");
  EXPECT_EQ(sp.blocks_seen(), d2.blocks.size());
}

TEST_F(vhd_chain, full_plus_two_deltas_merge_to_the_expected_raw) {
  ASSERT_NO_FATAL_FAILURE(open_all());
  chain c;
  c.vhd_base = f.get();
  c.deltas = {a.get(), b.get()};
  merge_options strict;
  strict.check_parent_ids = true;
  std::string raw;
  string_sink sink(&raw);
  status st = merge_to_raw(c, &sink, strict);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(raw.size(), expected.size());
  EXPECT_TRUE(raw == expected);

  // And as a dynamic VHD, which qemu converts to the same bytes.
  std::string merged;
  string_sink msink(&merged);
  disk_params pm;
  pm.unique_id = uuid_from(rng);
  st = merge_to_vhd(c, pm, &msink, strict);
  ASSERT_TRUE(st.ok()) << st.to_string();
  save(path("merged.vhd"), merged);
  save(path("expected.raw"), expected);
  std::string out;
  ASSERT_EQ(run("qemu-img compare --image-opts "
                "driver=vpc,force_size_calc=current_size,file.filename=" +
                    path("merged.vhd") +
                    " driver=raw,file.filename=" + path("expected.raw"),
                &out),
            0)
      << out;
  // Only blocks some layer holds are allocated.
  memory_source sm(merged, "merged.vhd");
  auto m = image::open(&sm);
  ASSERT_TRUE(m.ok());
  for (uint32_t i = 0; i < blocks; ++i)
    EXPECT_EQ(
        m->has_block(i),
        full.blocks.count(i) + d1.blocks.count(i) + d2.blocks.count(i) > 0)
        << i;
}

TEST_F(vhd_chain, a_raw_full_merges_with_its_deltas) {
  std::string base(disk_size, '\0');
  apply_layer(full, &base);
  memory_source sr(base, "full.raw");
  ASSERT_NO_FATAL_FAILURE(open_all());
  chain c;
  c.raw_base = &sr;
  c.deltas = {a.get(), b.get()};
  std::string raw;
  string_sink sink(&raw);
  ASSERT_TRUE(merge_to_raw(c, &sink).ok());
  EXPECT_TRUE(raw == expected);
}

TEST_F(vhd_chain, a_chain_out_of_order_is_refused) {
  ASSERT_NO_FATAL_FAILURE(open_all());
  chain c;
  c.vhd_base = f.get();
  c.deltas = {b.get(), a.get()};
  merge_options strict;
  strict.check_parent_ids = true;
  std::string raw;
  string_sink sink(&raw);
  status st = merge_to_raw(c, &sink, strict);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("delta 1 names parent"), std::string::npos)
      << st.message();
  // A dynamic disk is no delta.
  c.deltas = {f.get()};
  st = merge_to_raw(c, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not a differencing"), std::string::npos);
}

}  // namespace
}  // namespace tapeline::vhd
