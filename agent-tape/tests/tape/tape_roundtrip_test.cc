// Round trip through GNU tar and bsdtar (docs/tape-format.md §2-§5): objects
// of awkward sizes on a virtual cartridge, dumped tape file by tape file and
// extracted by the two tars, byte for byte.
#include <gtest/gtest.h>

#include "tape_test_util.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape {
namespace {

using namespace testing;

struct sample {
  std::string name;
  std::string data;
  bool segmented = false;
};

std::vector<sample> samples(size_t rs) {
  std::vector<size_t> sizes = {0,      1,  511,    512,
                               rs - 1, rs, rs + 1, 3 * rs + 777};
  std::vector<sample> out;
  for (size_t i = 0; i < sizes.size(); ++i)
    out.push_back({"vm/disk-" + std::to_string(sizes[i]) + ".raw",
                   random_bytes(sizes[i], i + 1)});
  out.push_back({"vm/stream.tar.zst", random_bytes(2 * rs + 1234, 99), true});
  return out;
}

class tape_roundtrip : public ::testing::TestWithParam<uint32_t> {};

TEST_P(tape_roundtrip, gnu_tar_and_bsdtar_extract_every_object) {
  const uint32_t rs = GetParam();
  virtual_library lib;
  lib.load_new("RT0001");
  writer_options o;
  o.record_size = rs;
  o.now_unix = fixed_now;
  volume_writer w(&lib.drive(), o);
  ASSERT_TRUE(w.label(make_label("RT0001", rs), false).ok());
  auto list = samples(rs);
  for (size_t i = 0; i < list.size(); ++i) {
    auto m =
        make_manifest("obj-" + std::to_string(i), list[i].name,
                      list[i].segmented ? -1 : int64_t(list[i].data.size()));
    auto st = write_object(w, m, list[i].data, 100000, rs / 2 + 3);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  ASSERT_TRUE(w.finish_session().ok());

  const std::string d = lib.dir();
  lib.dump(0, d + "/f0");
  std::string out;
  ASSERT_EQ(run("tar -xO -f " + d + "/f0 TAPELINE.LABEL", &out), 0) << out;
  EXPECT_NE(out.find("\"volume_id\": \"RT0001\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"magic\": \"TAPELINE-LABEL\""), std::string::npos);

  for (size_t i = 0; i < list.size(); ++i) {
    const auto& s = list[i];
    std::string f = d + "/f" + std::to_string(i + 1);
    lib.dump(i + 1, f);
    ASSERT_EQ(read_file(f).size() % rs, 0u);
    std::string g = d + "/gnu" + std::to_string(i),
                b = d + "/bsd" + std::to_string(i);
    ASSERT_EQ(run("mkdir -p " + g + " " + b), 0);
    ASSERT_EQ(run("tar -tf " + f, &out), 0) << out;
    EXPECT_EQ(out.find("warning"), std::string::npos) << out;
    EXPECT_EQ(out.rfind("TAPELINE.OBJECT\n", 0), 0u) << out;
    EXPECT_NE(out.find("TAPELINE.TRAILER\n"), std::string::npos) << out;
    ASSERT_EQ(run("tar -xf " + f + " -C " + g, &out), 0) << out;
    EXPECT_TRUE(out.empty()) << out;
    ASSERT_EQ(run("bsdtar -tf " + f, &out), 0) << out;
    ASSERT_EQ(run("bsdtar -xf " + f + " -C " + b, &out), 0) << out;
    if (s.segmented) {
      ASSERT_EQ(run("tar -xO -f " + f + " --wildcards '" + s.name +
                    ".seg*' > " + d + "/joined"),
                0);
      EXPECT_TRUE(read_file(d + "/joined") == s.data) << s.name;
      EXPECT_TRUE(read_file(b + "/" + s.name + ".seg000000") ==
                  s.data.substr(0, rs / 2 + 3));
    } else {
      EXPECT_TRUE(read_file(g + "/" + s.name) == s.data)
          << "GNU tar " << s.name;
      EXPECT_TRUE(read_file(b + "/" + s.name) == s.data) << "bsdtar " << s.name;
    }
    ASSERT_EQ(run("tar -xO -f " + f + " TAPELINE.TRAILER", &out), 0);
    EXPECT_NE(out.find(sha256_hex(s.data.data(), s.data.size())),
              std::string::npos);
  }

  // Tapeline's own reader: every object, and the catalog.
  volume_reader r(&lib.drive());
  for (size_t i = 0; i < list.size(); ++i) {
    std::string got;
    auto o = r.read_object(i + 1, [&](const char* p, size_t n) {
      got.append(p, n);
      return status();
    });
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    EXPECT_TRUE(got == list[i].data) << list[i].name;
  }
  auto cat = r.read_catalog();
  ASSERT_TRUE(cat.ok()) << cat.error().to_string();
  ASSERT_EQ(cat->entries_size(), int(list.size()));
  EXPECT_TRUE(cat->entries(8).complete());
  EXPECT_EQ(cat->entries(8).file_number(), 9u);
  lib.dump(list.size() + 1, d + "/cat");
  ASSERT_EQ(run("tar -xO -f " + d + "/cat TAPELINE.CATALOG", &out), 0);
  EXPECT_NE(out.find("TAPELINE-CATALOG"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(record_sizes, tape_roundtrip,
                         ::testing::Values(64u * 1024, 256u * 1024,
                                           1024u * 1024));

}  // namespace
}  // namespace tapeline::tape
