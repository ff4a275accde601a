// pax/ustar encoding (docs/tape-format.md §3) checked against GNU tar and
// bsdtar, and the streaming reader's errors on damaged input.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tapeline/tapefmt/pax.h"
#include "tapeline/tapefmt/tape_file_reader.h"
#include "tapeline/testing/support.h"

namespace tapeline::tapefmt {
namespace {

using tapeline::testing::run;

struct tapefmt_pax : tapeline::testing::temp_dir {
  std::string save(const std::string& bytes) {
    std::ofstream(dir + "/a.tar", std::ios::binary) << bytes;
    return dir + "/a.tar";
  }
};

void add_member(const std::string& name, const std::string& data,
                std::string* out) {
  encode_member_header(name, data.size(), 1767225600, out);
  *out += data;
  out->append(block_padding(data.size()), '\0');
}

TEST_F(tapefmt_pax, long_names_and_mtime_survive_gnu_tar_and_bsdtar) {
  std::string longname(150, 'x');
  longname = "dir/" + longname + "/file.bin";
  std::string tar;
  add_member(longname, "hello", &tar);
  add_member("short", std::string(1000, 'z'), &tar);
  encode_end_of_archive(&tar);
  std::string f = save(tar), out;
  ASSERT_EQ(run("tar -tvf " + f + " --utc", &out), 0) << out;
  EXPECT_NE(out.find(longname), std::string::npos) << out;
  EXPECT_NE(out.find("2026-01-01 00:00"), std::string::npos) << out;
  EXPECT_EQ(out.find("warning"), std::string::npos) << out;
  ASSERT_EQ(run("bsdtar -tf " + f, &out), 0) << out;
  EXPECT_EQ(out, longname + "\nshort\n");
  ASSERT_EQ(run("tar -xOf " + f + " short | wc -c", &out), 0);
  EXPECT_EQ(out, "1000\n");
}

TEST_F(tapefmt_pax, big_sizes_go_to_a_pax_record) {
  std::string h;
  uint64_t big = (9ull << 30) + 5;
  encode_member_header("huge.raw", big, 0, &h);
  ASSERT_EQ(h.size(), 3 * block_size);
  auto x = decode_ustar(h.data());
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->typeflag, 'x');
  auto recs =
      decode_pax_records(std::string_view(h).substr(block_size, x->size));
  ASSERT_TRUE(recs.ok());
  ASSERT_NE(find_record(*recs, "size"), nullptr);
  EXPECT_EQ(*find_record(*recs, "size"), std::to_string(big));
  auto u = decode_ustar(h.data() + 2 * block_size);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->name, "huge.raw");
}

TEST_F(tapefmt_pax, checksum_errors_are_detected) {
  std::string h;
  encode_member_header("a", 1, 0, &h);
  h[2 * block_size + 3] ^= 1;
  auto u = decode_ustar(h.data() + 2 * block_size);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().error_code(), code::corrupt);
}

TEST_F(tapefmt_pax, truncated_object_file_names_member_and_offset) {
  std::string file;
  add_member("TAPELINE.OBJECT",
             R"({"object_id":"o1","name":"p.raw","expected_size":"4096"})",
             &file);
  encode_member_header("p.raw", 4096, 0, &file);
  file += std::string(1000, 'q');  // ends inside the payload
  memory_source src(file);
  tape_file_reader r("tape T file 3");
  auto k = r.open(&src);
  ASSERT_TRUE(k.ok()) << k.error().to_string();
  EXPECT_EQ(*k, tape_file_kind::object);
  EXPECT_EQ(r.manifest().object_id(), "o1");
  auto e = r.read_payload(nullptr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, object_end::ended_in_data);
  EXPECT_EQ(r.payload_bytes(), 1000u);

  std::string bad = file.substr(0, block_size * 5 + 100);  // in a header
  memory_source src2(bad);
  tape_file_reader r2("tape T file 3");
  ASSERT_TRUE(r2.open(&src2).ok());
  auto e2 = r2.read_payload(nullptr);
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.error().message().find("tape T file 3"), std::string::npos);
  EXPECT_NE(e2.error().message().find("byte offset"), std::string::npos)
      << e2.error().message();
}

TEST_F(tapefmt_pax, foreign_first_member_is_skipped_not_an_error) {
  std::string file;
  add_member("notes.txt", "written by someone else\n", &file);
  encode_end_of_archive(&file);
  memory_source src(file);
  tape_file_reader r("t");
  auto k = r.open(&src);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, tape_file_kind::foreign);
}

// The tools file (§2) is recognised by its first member's name, wherever it
// stands on the tape.
TEST_F(tapefmt_pax, tools_file_is_recognised_by_its_first_member) {
  std::string file;
  add_member("tapeline-extract",
             "\x7f"
             "ELF",
             &file);
  add_member("README.txt", "how to\n", &file);
  encode_end_of_archive(&file);
  memory_source src(file);
  tape_file_reader r("t");
  auto k = r.open(&src);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, tape_file_kind::tools);
  EXPECT_STREQ(to_string(*k), "tools");
}

}  // namespace
}  // namespace tapeline::tapefmt
