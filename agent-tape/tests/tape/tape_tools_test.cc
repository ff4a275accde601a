// The tools file (docs/tape-format.md §2): tape file 1 holds tapeline-extract
// and README.txt, GNU tar and bsdtar extract it, objects start at file 2, and
// every reader (scan, catalog, read_object, spanning) skips it by its member
// names. /bin/true stands in for the binary; dr_doc_test runs the real one.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tape_test_util.h"
#include "tapeline/tape/tools_file.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape {
namespace {

using namespace testing;

constexpr uint32_t rs = 64 * 1024;
const char tool[] = "/bin/true";

writer_options with_tools(const std::string& binary = tool) {
  writer_options o;
  o.record_size = rs;
  o.now_unix = fixed_now;
  o.tools_binary = binary;
  return o;
}

std::string payload_of(volume_reader& r, uint32_t file) {
  std::string got;
  auto o = r.read_object(file, [&](const char* p, size_t n) {
    got.append(p, n);
    return status();
  });
  EXPECT_TRUE(o.ok()) << o.error().to_string();
  return got;
}

TEST(tape_tools, file_1_holds_the_tools_and_objects_start_at_file_2) {
  virtual_library lib;
  lib.load_new("TL0001");
  volume_writer w(&lib.drive(), with_tools());
  ASSERT_TRUE(w.label(make_label("TL0001", rs), false).ok());
  EXPECT_EQ(w.file_number(), 2u);
  const std::string a = random_bytes(3 * rs + 5, 1), b = random_bytes(77, 2);
  ASSERT_TRUE(
      write_object(w, make_manifest("a", "a.raw", a.size()), a, 5000, 0).ok());
  ASSERT_TRUE(
      write_object(w, make_manifest("b", "b.raw", -1), b, 5000, 50).ok());
  ASSERT_TRUE(w.finish_session().ok());

  const std::string d = lib.dir();
  std::string out;
  lib.dump(0, d + "/f0");
  ASSERT_EQ(run("tar -xO -f " + d + "/f0 TAPELINE.LABEL", &out), 0) << out;
  EXPECT_NE(out.find("\"tools_file\": 1"), std::string::npos) << out;

  // GNU tar and bsdtar: the binary byte for byte, executable; the README.
  lib.dump(1, d + "/f1");
  EXPECT_EQ(read_file(d + "/f1").size() % rs, 0u);
  ASSERT_EQ(run("tar -tvf " + d + "/f1", &out), 0) << out;
  EXPECT_EQ(out.rfind("-rwxr-xr-x 0/0", 0), 0u) << out;
  EXPECT_NE(out.find(" tapeline-extract\n-rw-r--r-- 0/0"), std::string::npos)
      << out;
  EXPECT_NE(out.find(" README.txt\n"), std::string::npos) << out;
  for (std::string t : {"tar", "bsdtar"}) {
    std::string x = d + "/" + t;
    ASSERT_EQ(
        run("mkdir " + x + " && " + t + " -xf " + d + "/f1 -C " + x, &out), 0)
        << out;
    EXPECT_TRUE(read_file(x + "/tapeline-extract") == read_file(tool)) << t;
    EXPECT_EQ(run(x + "/tapeline-extract"), 0) << t << ": not executable";
    EXPECT_TRUE(read_file(x + "/README.txt") == tools_readme()) << t;
  }
  lib.dump(2, d + "/f2");
  ASSERT_EQ(run("tar -tf " + d + "/f2", &out), 0) << out;
  EXPECT_EQ(out, "TAPELINE.OBJECT\na.raw\nTAPELINE.TRAILER\n");

  // Tapeline's readers skip it: catalog, scan, read_object.
  volume_reader r(&lib.drive());
  auto cat = r.read_catalog();
  ASSERT_TRUE(cat.ok()) << cat.error().to_string();
  ASSERT_EQ(cat->entries_size(), 2);
  EXPECT_EQ(cat->entries(0).file_number(), 2u);
  EXPECT_EQ(cat->entries(1).file_number(), 3u);
  auto s = r.scan();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->label.tools_file(), 1u);
  EXPECT_EQ(s->last_catalog_file, 4u);
  EXPECT_EQ(s->next_file, 5u);
  EXPECT_EQ(s->catalog.entries_size(), 2);
  EXPECT_TRUE(payload_of(r, 2) == a);
  EXPECT_TRUE(payload_of(r, 3) == b);
  auto t = r.read_object(1, nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("tools"), std::string::npos)
      << t.error().message();
}

// Crashed before the first catalog: the rebuild (§9) walks from file 1 and
// finds the object after the tools file.
TEST(tape_tools, scan_without_a_catalog_skips_the_tools_file) {
  virtual_library lib;
  lib.load_new("TL0002");
  volume_writer w(&lib.drive(), with_tools());
  ASSERT_TRUE(w.label(make_label("TL0002", rs), false).ok());
  const std::string a = random_bytes(1000, 3);
  ASSERT_TRUE(
      write_object(w, make_manifest("a", "a.raw", a.size()), a, 999, 0).ok());
  volume_reader r(&lib.drive());
  auto s = r.scan();
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->last_catalog_file, 0u);
  ASSERT_EQ(s->catalog.entries_size(), 1);
  EXPECT_EQ(s->catalog.entries(0).file_number(), 2u);
  EXPECT_TRUE(s->catalog.entries(0).complete());
  EXPECT_EQ(s->next_file, 3u);
  // Appending after a remount goes on at file 3.
  volume_writer w2(&lib.drive(), with_tools());
  ASSERT_TRUE(w2.mount().ok());
  EXPECT_EQ(w2.file_number(), 3u);
}

TEST(tape_tools, a_missing_binary_fails_the_label_and_leaves_the_tape_blank) {
  virtual_library lib;
  lib.load_new("TL0003");
  volume_writer w(&lib.drive(), with_tools("/nonexistent/tapeline-extract"));
  auto st = w.label(make_label("TL0003", rs), false);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent/tapeline-extract"),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("extract_binary"), std::string::npos);
  EXPECT_NE(st.message().find("TL0003"), std::string::npos);
  volume_reader r(&lib.drive());
  auto l = r.read_label();
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().error_code(), code::not_found);
}

// A spanned object continues in file 2 of the next tape, after its tools
// file; GNU tar joins the parts, and volume_reader follows them.
TEST(tape_tools, a_span_continues_after_the_next_tapes_tools_file) {
  virtual_library lib;
  std::vector<std::string> tapes{"TS0001"};
  lib.load_new("TS0001", 3ull << 20, 1ull << 20);
  volume_writer w(&lib.drive(), with_tools());
  ASSERT_TRUE(w.label(make_label("TS0001", rs), false).ok());
  const std::string data = random_bytes(3 * 1024 * 1024, 9);
  auto st = write_object(
      w, make_manifest("big", "vm/big.raw", data.size()), data, 300000, 0, [&] {
        std::string b = "TS000" + std::to_string(tapes.size() + 1);
        tapes.push_back(b);
        lib.load_new(b, 3ull << 20, 1ull << 20);
        return make_label(b, rs);
      });
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_TRUE(w.finish_session().ok());
  ASSERT_EQ(tapes.size(), 2u);
  auto parts = w.last_object_parts();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].file_number(), 2u);
  EXPECT_EQ(parts[1].file_number(), 2u);

  std::string d = lib.dir(), out, files;
  for (size_t i = 0; i < tapes.size(); ++i) {
    lib.load(tapes[i]);
    lib.dump(2, d + "/part" + std::to_string(i));
    files += " -f " + d + "/part" + std::to_string(i);
  }
  ASSERT_EQ(run("mkdir " + d + "/x && cd " + d + "/x && tar -x -M" + files +
                    " </dev/null",
                &out),
            0)
      << out;
  EXPECT_TRUE(read_file(d + "/x/vm/big.raw") == data);

  lib.load(tapes[0]);
  volume_reader r(&lib.drive());
  std::string got;
  auto o = r.read_object(
      2,
      [&](const char* p, size_t n) {
        got.append(p, n);
        return status();
      },
      [&](const v1::ObjectManifest&, uint32_t part) -> result<uint32_t> {
        lib.load(tapes[part]);
        volume_reader lr(&lib.drive());
        auto l = lr.read_label();
        if (!l) return l.error();
        return l->tools_file() + 1;
      });
  ASSERT_TRUE(o.ok()) << o.error().to_string();
  EXPECT_EQ(o->parts, 2u);
  EXPECT_TRUE(got == data);
}

}  // namespace
}  // namespace tapeline::tape
