// The file-set source end to end: a tree on disk, streamed, then extracted
// by GNU tar (via zstd -d) and compared with find, getfattr and getfacl;
// and changes made between read() calls (docs/fileset.md).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "tapeline/fileset/source.h"
#include "tapeline/testing/support.h"

namespace tapeline::fileset {
namespace {

using tapeline::testing::run;

struct fileset_source : tapeline::testing::temp_dir {
  // Streams `o` to dir/out (all of it, in `chunk`-byte reads).
  report stream(options o, size_t chunk = 100000) {
    auto s = source::open(o);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    std::string out;
    std::vector<char> buf(chunk);
    for (;;) {
      auto n = (*s)->read(buf.data(), buf.size());
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) break;
      out.append(buf.data(), *n);
    }
    tapeline::testing::write_file(path("out"), out);
    return (*s)->progress();
  }

  std::string sh(const std::string& cmd) {
    std::string out;
    EXPECT_EQ(run(cmd, &out), 0) << cmd << "\n" << out;
    return out;
  }

  // find + getfattr + getfacl of the tree at `p`, relative to it.
  std::string listing(const std::string& p) {
    return sh("cd '" + p +
              "' && find . -printf '%p %y %m %U %G %T@ %s %l %n\\n' | sort && "
              "getfattr -R -h -d -m - . | sort && getfacl -R -P . | sort");
  }
};

TEST_F(fileset_source, tree_round_trips_through_gnu_tar_with_metadata) {
  std::string s = path("src");
  sh("mkdir -p " + s + "/sub/deeper " + s + "/empty && cd " + s +
     " && echo hello > a && ln a hard && ln -s a sym && ln -s /nowhere dangle"
     " && mkfifo fifo && mknod chr c 1 3 && chmod 4755 a && chmod 1777 sub"
     " && head -c 300000 /dev/urandom > sub/deeper/random"
     " && truncate -s 5M sub/sparse && echo tail >> sub/sparse"
     " && touch -d '1999-12-31 23:59:59.123456789' sub/old"
     " && setfattr -n user.who -v me a && setfattr -n trusted.t -v 1 sub"
     " && setfacl -m u:nobody:r,g:daemon:rw a"
     " && setfacl -d -m u:nobody:rx sub && setfacl -m u:daemon:rwx sub"
     " && chown 1234:5678 sub/deeper/random"
     " && touch -d '2001-02-03 04:05:06.7' sub/deeper sub");
  options o;
  o.roots = {{s, ""}};
  report r = stream(o);
  EXPECT_TRUE(r.finished);
  EXPECT_TRUE(r.clean());
  EXPECT_EQ(r.files, 4u);  // a, random, sparse, old
  EXPECT_EQ(r.hardlinks, 1u);
  EXPECT_EQ(r.symlinks, 2u);
  EXPECT_EQ(r.specials, 2u);
  EXPECT_EQ(r.dirs, 4u);
  sh("mkdir " + path("x") + " && zstd -dq < " + path("out") +
     " | tar --xattrs --xattrs-include='*' --acls -xpf - -C " + path("x"));
  EXPECT_EQ(listing(path("x/src")), listing(s));
  // Contents: diff says only that FIFOs and devices are not files.
  std::string diff;
  run("diff -r --no-dereference " + s + " " + path("x/src"), &diff);
  EXPECT_EQ(sh("printf '%s' '" + diff +
               "' | grep -cv ' is a [a-z ]*"
               "while file .* is a ' || true"),
            "0\n")
      << diff;
  EXPECT_NE(listing(s).find("user:nobody:r-x"), std::string::npos);
  sh("zstd -dq < " + path("out") + " | bsdtar -tf - > " + path("list"));
  EXPECT_EQ(sh("wc -l < " + path("list")), "13\n");
}

TEST_F(fileset_source, member_names_excludes_and_sockets) {
  sh("mkdir -p " + path("t/keep") + " " + path("t/skipdir") + " && touch " +
     path("t/keep/a.txt") + " " + path("t/keep/b.tmp") + " " +
     path("t/skipdir/c"));
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::string sp = path("t/keep/sock");
  std::strncpy(sa.sun_path, sp.c_str(), sizeof sa.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  close(fd);
  options o;
  o.roots = {{path("t") + "/", "backup/tree"}};
  o.excludes = {"*.tmp", "backup/tree/skipdir"};
  o.compress = false;
  report r = stream(o);
  EXPECT_EQ(r.skipped.count, 1u);
  ASSERT_EQ(r.skipped.first.size(), 1u);
  EXPECT_NE(r.skipped.first[0].find("sock"), std::string::npos);
  EXPECT_EQ(sh("tar -tf " + path("out")),
            "backup/tree/\nbackup/tree/keep/\nbackup/tree/keep/a.txt\n");
}

TEST_F(fileset_source, missing_root_is_refused_before_any_byte) {
  options o;
  o.roots = {{path("nope"), ""}};
  auto s = source::open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().error_code(), code::not_found);
  EXPECT_NE(s.error().message().find(path("nope")), std::string::npos);
}

// Reads until the source is inside the data of `member`, in small steps.
void read_into(source& s, const std::string& member, std::string* out) {
  std::vector<char> buf(65536);
  while (s.current() != member || s.progress().bytes_read == 0) {
    auto n = s.read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    ASSERT_GT(*n, 0u) << "stream ended before " << member;
    out->append(buf.data(), *n);
  }
}

void read_rest(source& s, std::string* out) {
  std::vector<char> buf(65536);
  for (;;) {
    auto n = s.read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    if (*n == 0) return;
    out->append(buf.data(), *n);
  }
}

TEST_F(fileset_source, changes_during_the_read_are_reported_not_fatal) {
  std::string t = path("t");
  sh("mkdir " + t + " && head -c 8000000 /dev/urandom > " + t +
     "/a_shrinks && head -c 4000000 /dev/urandom > " + t +
     "/b_grows && echo bye > " + t + "/c_vanishes && echo ok > " + t +
     "/d_stays && cp " + t + "/a_shrinks " + path("a.orig") + " && cp " + t +
     "/b_grows " + path("b.orig"));
  options o;
  o.roots = {{t, ""}};
  o.compress = false;
  auto s = source::open(o);
  ASSERT_TRUE(s.ok());
  std::string out;
  read_into(**s, "t/a_shrinks", &out);
  sh("truncate -s 1000000 " + t + "/a_shrinks && rm " + t + "/c_vanishes");
  read_into(**s, "t/b_grows", &out);
  sh("head -c 100000 /dev/urandom >> " + t + "/b_grows");
  read_rest(**s, &out);
  const report& r = (*s)->progress();
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.changed.count, 2u);
  ASSERT_EQ(r.changed.first.size(), 2u);
  EXPECT_NE(r.changed.first[0].find("a_shrinks: shrank"), std::string::npos);
  EXPECT_NE(r.changed.first[1].find("b_grows: grew"), std::string::npos);
  EXPECT_EQ(r.vanished.count, 1u);
  EXPECT_NE(r.vanished.first.at(0).find("c_vanishes"), std::string::npos);
  EXPECT_FALSE(r.clean());

  // The archive still extracts: a_shrinks keeps its size (zeros after the
  // cut), b_grows its first 4000000 bytes, d_stays is whole.
  tapeline::testing::write_file(path("out"), out);
  sh("mkdir " + path("x") + " && tar -xf " + path("out") + " -C " + path("x"));
  sh("cmp -n 1000000 " + path("a.orig") + " " + path("x/t/a_shrinks"));
  EXPECT_EQ(sh("stat -c %s " + path("x/t/a_shrinks")), "8000000\n");
  EXPECT_EQ(sh("tail -c 7000000 " + path("x/t/a_shrinks") +
               " | tr -d '\\0' | "
               "wc -c"),
            "0\n");
  sh("cmp " + path("b.orig") + " " + path("x/t/b_grows"));
  EXPECT_EQ(sh("cat " + path("x/t/d_stays")), "ok\n");
  EXPECT_NE(to_json(r).find("\"vanished\""), std::string::npos);
}

}  // namespace
}  // namespace tapeline::fileset
