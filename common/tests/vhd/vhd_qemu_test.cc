// Dynamic VHDs checked against qemu (qemu calls VHD "vpc"): our writer's
// images pass `qemu-img check` and convert to the raw bytes we expect, and
// images qemu made are read back by our reader and stream parser.
#include <gtest/gtest.h>

#include "tapeline/vhd/image.h"
#include "tapeline/vhd/stream_parser.h"
#include "vhd_test_util.h"

namespace tapeline::vhd {
namespace {

using namespace tapeline::vhd::testing;

struct vhd_qemu : temp_dir {};

// Writes a seeded sparse disk of `size` bytes, checks it with qemu and
// compares qemu's raw conversion with the model.
void check_random_disk(const temp_dir& t, uint64_t seed, uint64_t size) {
  std::mt19937_64 rng(seed);
  uint32_t total =
      uint32_t((size + default_block_size - 1) / default_block_size);
  layer_model m = random_full(rng, total, total / 3);
  m.blocks[total - 1] = {full_bitmap(),
                         random_bytes(rng, default_block_size)};  // the tail
  disk_params p;
  p.size = size;
  p.unique_id = uuid_from(rng);
  std::string vhd = write_vhd(p, m);
  std::string expected(size, '\0');
  apply_layer(m, &expected);

  std::string f = t.path("d.vhd"), raw = t.path("expected.raw"), out;
  save(f, vhd);
  save(raw, expected);
  // qemu 7.2's vpc driver has no check (exit 63, "does not support
  // checks"); opening the image verifies the footer checksum instead.
  int rc = run("qemu-img check -f vpc " + f, &out);
  bool unsupported =
      rc == 63 && out.find("does not support checks") != std::string::npos;
  if (!unsupported) {
    EXPECT_EQ(rc, 0) << out;
  }
  // qemu takes the size from the CHS geometry unless the creator is one it
  // knows to mean current_size ("tpln" is not), so when the size is not
  // CHS-exact it must be told: force_size_calc=current_size.
  chs g = geometry_for_size(size);
  bool chs_exact =
      uint64_t(g.cylinders) * g.heads * g.sectors_per_track * sector_size ==
      size;
  std::string opened = chs_exact ? "-f vpc " + f
                                 : "--image-opts driver=vpc,force_size_calc="
                                   "current_size,file.filename=" +
                                       f;
  ASSERT_EQ(run("qemu-img info --output=json " + opened, &out), 0) << out;
  EXPECT_NE(out.find("\"virtual-size\": " + std::to_string(size)),
            std::string::npos)
      << out;
  ASSERT_EQ(
      run("qemu-img convert " + opened + " -O raw " + t.path("q.raw"), &out), 0)
      << out;
  EXPECT_TRUE(slurp(t.path("q.raw")) == expected) << "seed " << seed;
  std::string cmp =
      chs_exact ? "qemu-img compare -f vpc -F raw " + f + " " + raw
                : "qemu-img compare --image-opts driver=vpc,force_size_calc="
                  "current_size,file.filename=" +
                      f + " driver=raw,file.filename=" + raw;
  EXPECT_EQ(run(cmp, &out), 0) << out;

  // libvhdi reads the same footer.
  ASSERT_EQ(run("vhdiinfo " + f, &out), 0) << out;
  EXPECT_NE(out.find("Dynamic"), std::string::npos) << out;
  EXPECT_NE(out.find("(" + std::to_string(size) + " bytes)"), std::string::npos)
      << out;
  EXPECT_NE(out.find(to_string(p.unique_id)), std::string::npos) << out;

  // Our own rendering agrees too.
  memory_source src(vhd, "d.vhd");
  auto img = image::open(&src);
  ASSERT_TRUE(img.ok()) << img.error().to_string();
  std::string mine;
  string_sink sink(&mine);
  ASSERT_TRUE(img->render_raw(&sink).ok());
  EXPECT_TRUE(mine == expected);
}

TEST_F(vhd_qemu, our_dynamic_disks_open_and_convert_in_qemu_and_libvhdi) {
  check_random_disk(*this, 1, 40ull << 20);  // not CHS-exact
  check_random_disk(*this, 2, 67125248);     // CHS-exact, not whole blocks
}

// Renders a stream into raw bytes through the stream parser alone.
std::string render_stream(const std::string& vhd, size_t chunk) {
  std::string raw;
  stream_parser sp(
      [&](uint32_t i, std::string_view bm, std::string_view data) {
        std::string d(data);
        zero_absent_sectors(bm, &d);
        uint64_t at = uint64_t(i) * d.size();
        if (raw.size() < at + d.size()) raw.resize(at + d.size(), '\0');
        raw.replace(at, d.size(), d);
        return status::ok_status();
      },
      "stream");
  for (size_t at = 0; at < vhd.size(); at += chunk) {
    status st = sp.feed(std::string_view(vhd).substr(at, chunk));
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  status st = sp.finish();
  EXPECT_TRUE(st.ok()) << st.to_string();
  raw.resize(sp.footer().current_size, '\0');
  return raw;
}

TEST_F(vhd_qemu, a_disk_qemu_wrote_reads_the_same_as_qemu_converts_it) {
  std::string f = path("q.vhd"), out;
  ASSERT_EQ(
      run("qemu-img create -q -f vpc -o subformat=dynamic " + f + " 64M", &out),
      0)
      << out;
  // Two blocks, the later one allocated first: qemu appends in write order.
  ASSERT_EQ(
      run("qemu-io -c 'write -P 0xcd 40M 4k' -c 'write -P 0xab 1M 64k' " + f,
          &out),
      0)
      << out;
  ASSERT_EQ(
      run("qemu-img convert -f vpc -O raw " + f + " " + path("q.raw"), &out), 0)
      << out;
  std::string want = slurp(path("q.raw"));
  std::string vhd = slurp(f);

  memory_source src(vhd, "q.vhd");
  auto img = image::open(&src);
  ASSERT_TRUE(img.ok()) << img.error().to_string();
  EXPECT_EQ(img->footer().current_size, want.size());
  std::string mine;
  string_sink sink(&mine);
  ASSERT_TRUE(img->render_raw(&sink).ok());
  EXPECT_TRUE(mine == want);
  EXPECT_EQ(mine[(1 << 20) + 100], char(0xab));
  EXPECT_EQ(mine[(40 << 20) + 100], char(0xcd));

  EXPECT_TRUE(render_stream(vhd, 100000) == want);
}

TEST_F(vhd_qemu, stream_parsed_disk_rewritten_matches_qemu) {
  // Parse our own stream, re-emit it block by block through the writer, and
  // let qemu compare the copy with the original.
  std::mt19937_64 rng(11);
  layer_model m = random_full(rng, 16, 6);
  disk_params p;
  p.size = 32ull << 20;
  p.unique_id = uuid_from(rng);
  std::string vhd = write_vhd(p, m);
  EXPECT_TRUE(render_stream(vhd, 4096).size() == p.size);

  std::string copy;
  string_sink sink(&copy);
  std::unique_ptr<stream_writer> w;
  stream_parser sp(
      [&](uint32_t i, std::string_view bm, std::string_view data) {
        if (!w) {
          std::vector<uint32_t> idx;
          for (uint32_t k = 0; k < sp.bat().size(); ++k)
            if (sp.bat()[k] != bat_unused) idx.push_back(k);
          auto s = stream_writer::start(p, idx, &sink);
          if (!s.ok()) return s.error();
          w = std::make_unique<stream_writer>(std::move(*s));
        }
        return w->add_block(i, bm, data);
      },
      "stream");
  ASSERT_TRUE(sp.feed(vhd).ok());
  ASSERT_TRUE(sp.finish().ok());
  ASSERT_TRUE(w->finish().ok());
  EXPECT_TRUE(copy == vhd);  // same params, same bytes
  save(path("a.vhd"), vhd);
  save(path("b.vhd"), copy);
  std::string out;
  EXPECT_EQ(run("qemu-img compare -f vpc -F vpc " + path("a.vhd") + " " +
                    path("b.vhd"),
                &out),
            0)
      << out;
}

}  // namespace
}  // namespace tapeline::vhd
