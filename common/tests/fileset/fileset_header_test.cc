// tapefmt::encode_header() for file-set members (docs/fileset.md,
// "Members"), checked by extracting with GNU tar --xattrs --acls as root and
// by listing with bsdtar: the oracles read what we wrote.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tapeline/tapefmt/pax.h"
#include "tapeline/testing/support.h"

namespace tapeline::tapefmt {
namespace {

using tapeline::testing::run;

struct fileset_header : tapeline::testing::temp_dir {
  std::string tar;

  void add(member_header h, const std::string& data = "") {
    h.size = data.size();
    encode_header(h, &tar);
    tar += data;
    tar.append(block_padding(data.size()), '\0');
  }

  // Extracts the archive into dir/x with GNU tar as root; returns its
  // output (warnings included).
  std::string extract() {
    encode_end_of_archive(&tar);
    tapeline::testing::write_file(path("a.tar"), tar);
    std::string out;
    EXPECT_EQ(run("mkdir -p " + path("x") +
                      " && tar --xattrs "
                      "--xattrs-include='*' --acls -xpf " +
                      path("a.tar") + " -C " + path("x"),
                  &out),
              0)
        << out;
    return out;
  }

  struct stat lstat_of(const std::string& name) {
    struct stat st {};
    EXPECT_EQ(::lstat(path("x/" + name).c_str(), &st), 0) << name;
    return st;
  }
};

member_header file(const std::string& name) {
  member_header h;
  h.name = name;
  h.mtime_sec = 1767225600;
  h.uname = "root";
  h.gname = "root";
  return h;
}

TEST_F(fileset_header, long_and_non_ascii_names_round_trip) {
  std::string deep = "d/" + std::string(150, 'a') + "/" + std::string(200, 'b');
  std::string utf8 = "d/caf\xc3\xa9-\xe2\x82\xac";
  std::string raw_short = "d/raw\xff\xfe";
  std::string raw_long = "d/" + std::string(120, 'r') + "\xff";
  add(file(deep), "deep");
  add(file(utf8), "utf8");
  add(file(raw_short), "raw1");
  add(file(raw_long), "raw2");
  extract();
  EXPECT_EQ(tapeline::testing::read_file(path("x/" + deep)), "deep");
  EXPECT_EQ(tapeline::testing::read_file(path("x/" + utf8)), "utf8");
  EXPECT_EQ(tapeline::testing::read_file(path("x/" + raw_short)), "raw1");
  EXPECT_EQ(tapeline::testing::read_file(path("x/" + raw_long)), "raw2");
  std::string out;
  ASSERT_EQ(run("bsdtar -tf " + path("a.tar") + " | wc -l", &out), 0) << out;
  EXPECT_EQ(out, "4\n");
}

TEST_F(fileset_header, links_fifos_modes_and_times) {
  member_header d = file("t/");
  d.typeflag = '5';
  d.mode = 01777;
  add(d);
  member_header f = file("t/setuid");
  f.mode = 04755;
  f.mtime_sec = 1700000000;
  f.mtime_nsec = 123456789;
  add(f, "x");
  member_header old = file("t/old");
  old.mtime_sec = -2;  // 1969-12-31 23:59:58.25
  old.mtime_nsec = 250000000;
  add(old);
  member_header hl = file("t/hard");
  hl.typeflag = '1';
  hl.linkname = "t/setuid";
  add(hl);
  member_header sl = file("t/sym");
  sl.typeflag = '2';
  sl.linkname = std::string(300, 'z') + "/target";
  add(sl);
  member_header fifo = file("t/fifo");
  fifo.typeflag = '6';
  add(fifo);
  member_header big_uid = file("t/uid");
  big_uid.uid = 3000000;
  big_uid.gid = 3000001;
  big_uid.uname = big_uid.gname = "";
  add(big_uid);
  std::string out = extract();
  EXPECT_EQ(out.find("Ignoring"), std::string::npos) << out;

  struct stat st = lstat_of("t/setuid");
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_mtim.tv_sec, 1700000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(lstat_of("t/hard").st_ino, st.st_ino);
  st = lstat_of("t/old");
  EXPECT_EQ(st.st_mtim.tv_sec, -2);
  EXPECT_EQ(st.st_mtim.tv_nsec, 250000000);
  EXPECT_TRUE(S_ISFIFO(lstat_of("t/fifo").st_mode));
  EXPECT_EQ(lstat_of("t/uid").st_uid, 3000000u);
  EXPECT_EQ(lstat_of("t/uid").st_gid, 3000001u);
  char target[512] = {};
  ASSERT_GT(readlink(path("x/t/sym").c_str(), target, sizeof target - 1), 0);
  EXPECT_EQ(std::string(target), sl.linkname);
  EXPECT_EQ(lstat_of("t").st_mode & 07777, 01777u);
  ASSERT_EQ(run("bsdtar -tvf " + path("a.tar"), &out), 0) << out;
  EXPECT_NE(out.find("t/hard link to t/setuid"), std::string::npos) << out;
  EXPECT_NE(out.find("-> " + sl.linkname), std::string::npos) << out;
}

TEST_F(fileset_header, xattrs_and_acls_as_gnu_tar_reads_them) {
  member_header d = file("acl/");
  d.typeflag = '5';
  d.mode = 0755;
  d.extra = {
      {"SCHILY.acl.access", "user::rwx\ngroup::r-x\nother::r-x\n"},
      {"SCHILY.acl.default",
       "user::rwx\nuser:nobody:r-x\ngroup::r-x\nmask::r-x\nother::r-x\n"}};
  add(d);
  member_header f = file("acl/f");
  f.extra = {{"SCHILY.xattr.user.note", std::string("bin\0ary\n=", 9)},
             {"SCHILY.acl.access",
              "user::rw-\nuser:nobody:r--\ngroup::r--\ngroup:daemon:rw-\n"
              "mask::rw-\nother::r--\n"}};
  add(f, "data");
  std::string out = extract();
  EXPECT_EQ(out, "");
  ASSERT_EQ(
      run("getfattr --absolute-names -n user.note -e hex " + path("x/acl/f"),
          &out),
      0)
      << out;
  EXPECT_NE(out.find("user.note=0x62696e006172790a3d"), std::string::npos)
      << out;
  ASSERT_EQ(run("getfacl -cp " + path("x/acl/f"), &out), 0) << out;
  EXPECT_EQ(out,
            "user::rw-\nuser:nobody:r--\ngroup::r--\ngroup:daemon:rw-\n"
            "mask::rw-\nother::r--\n\n");
  ASSERT_EQ(run("getfacl -cpd " + path("x/acl"), &out), 0) << out;
  EXPECT_EQ(
      out, "user::rwx\nuser:nobody:r-x\ngroup::r-x\nmask::r-x\nother::r-x\n\n");
}

}  // namespace
}  // namespace tapeline::tapefmt
