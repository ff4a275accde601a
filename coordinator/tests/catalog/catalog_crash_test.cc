// A crash at any point leaves the catalog consistent: a child process
// writes an object and _exit()s before its Nth SQL statement; the parent
// reopens the file and checks that the object is in one of the states the
// write ordering allows (docs/catalog.md "Write ordering"), never half.
#include <sys/wait.h>
#include <unistd.h>

#include "catalog_fixture.h"

namespace tapeline::catalog::testing {
namespace {

struct crash_test : catalog_test {
  // Runs `work` in a child that dies before statement number `crash_at`
  // (counted from when `work` starts). Returns true if the child crashed.
  template <class Work>
  bool run_child(int crash_at, Work work) {
    cat.reset();  // no connection may cross fork()
    pid_t pid = fork();
    if (pid == 0) {
      int count = 0;
      bool armed = false;
      open_options o;
      o.before_statement = [&](const std::string&) {
        if (armed && ++count == crash_at) _exit(77);
      };
      auto c = open(db_path, o);
      if (!c.ok()) _exit(2);
      armed = true;
      _exit(work(**c) ? 0 : 3);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    EXPECT_TRUE(WIFEXITED(ws));
    int rc = WEXITSTATUS(ws);
    EXPECT_TRUE(rc == 0 || rc == 77) << "child exit " << rc;
    reopen();  // integrity checks run here
    EXPECT_EQ(sqlite3("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(sqlite3("PRAGMA foreign_key_check"), "");
    return rc == 77;
  }
};

bool write_object(catalog& c) {
  write_report r;
  r.object_id = "o1";
  r.payload_bytes = 1000;
  r.sha256 = fake_sha("o1");
  r.extents = {{"o1", "LTO5-0001", 1, 0, 0, 600, 0, 1, true, true},
               {"o1", "LTO5-0002", 1, 1, 600, 400, 0, 1, false, true}};
  return c.record_write(r).ok() && c.mark_restorable("o1", fake_sha("o1")).ok();
}

TEST_F(crash_test, WritingAnObjectIsAllOrNothingAtEveryStatement) {
  add_tape("LTO5-0001");
  add_tape("LTO5-0002");
  ASSERT_TRUE(cat->add_object(vdi("o1", "web", 0, 100)).ok());
  ASSERT_TRUE(cat->mark_writing("o1").ok());
  cat.reset();
  std::string pristine = tapeline::testing::read_file(db_path);
  int before_write = 0, after_write = 0, restorable = 0;
  for (int k = 1; k < 100; ++k) {
    cat.reset();
    tapeline::testing::write_file(db_path, pristine);
    ::unlink((db_path + "-wal").c_str());
    ::unlink((db_path + "-shm").c_str());
    bool crashed = run_child(k, write_object);
    auto o = cat->get_object("o1");
    ASSERT_TRUE(o.ok());
    auto ex = cat->extents_of("o1");
    if (o->state == object_state::restorable) {
      ++restorable;
      EXPECT_EQ(ex->size(), 2u);
    } else {
      ASSERT_EQ(o->state, object_state::writing) << "crash at " << k;
      if (o->payload_bytes) {
        ++after_write;
        EXPECT_EQ(ex->size(), 2u) << "crash at " << k;
        EXPECT_EQ(o->sha256, fake_sha("o1"));
      } else {
        ++before_write;
        EXPECT_TRUE(ex->empty()) << "crash at " << k;
      }
      // The interrupted work can simply be done again.
      ASSERT_TRUE(write_object(*cat)) << "crash at " << k;
      EXPECT_EQ(cat->get_object("o1")->state, object_state::restorable);
    }
    if (!crashed) break;  // k passed the last statement
  }
  EXPECT_GT(before_write, 2);  // crashes inside the first transaction
  EXPECT_GT(after_write, 2);   // crashes inside the second
  EXPECT_EQ(restorable, 1);    // only the run that finished
}

TEST_F(crash_test, AMigrationInterruptedAnywhereIsRedoneWhole) {
  cat.reset();
  for (int k = 1; k < 60; ++k) {
    ::unlink(db_path.c_str());
    ::unlink((db_path + "-wal").c_str());
    ::unlink((db_path + "-shm").c_str());
    pid_t pid = fork();
    if (pid == 0) {
      int count = 0;
      open_options o;
      o.before_statement = [&](const std::string&) {
        if (++count == k) _exit(77);
      };
      _exit(open(db_path, o).ok() ? 0 : 3);
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    int rc = WEXITSTATUS(ws);
    ASSERT_TRUE(rc == 0 || rc == 77) << "child exit " << rc;
    reopen();
    EXPECT_EQ(*cat->schema_version(), 3) << "crash at " << k;
    cat.reset();
    EXPECT_EQ(sqlite3("PRAGMA integrity_check"), "ok");
    if (rc == 0) {
      EXPECT_GT(k, 5);  // earlier runs did die inside the migration
      return;
    }
  }
  FAIL() << "open() never completed";
}

}  // namespace
}  // namespace tapeline::catalog::testing
