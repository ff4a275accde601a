// Opening the catalog: WAL, foreign keys, migrations, and refusing newer or
// damaged files. The sqlite3 CLI is the oracle.
#include <fcntl.h>
#include <unistd.h>

#include "catalog_fixture.h"

namespace tapeline::catalog::testing {
namespace {

using open_test = catalog_test;

TEST_F(open_test, CreatesAWalDatabaseAtTheLatestSchema) {
  auto v = cat->schema_version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 3);
  cat.reset();
  EXPECT_EQ(sqlite3("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sqlite3("SELECT group_concat(version) FROM schema_version"),
            "1,2,3");
  EXPECT_EQ(sqlite3("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(sqlite3("PRAGMA foreign_key_check"), "");
  EXPECT_EQ(sqlite3("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                    "AND name IN ('tapes','objects','extents','jobs',"
                    "'job_objects','schedules','notifications','deliveries',"
                    "'settings')"),
            "9");
}

TEST_F(open_test, ReopeningAppliesNoMigrationTwiceAndKeepsData) {
  ASSERT_TRUE(cat->put_setting("site", "kent").ok());
  reopen();
  reopen();
  EXPECT_EQ(*cat->get_setting("site"), "kent");
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT count(*) FROM schema_version"), "3");
}

TEST_F(open_test, ForeignKeysAreEnforced) {
  job j;
  j.kind = "backup";
  j.object_ids = {"no-such-object"};
  auto id = cat->add_job(j);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().error_code(), code::invalid_argument);
  EXPECT_NE(id.error().message().find("FOREIGN KEY"), std::string::npos)
      << id.error().message();
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT count(*) FROM jobs"), "0");  // rolled back whole
}

TEST_F(open_test, RefusesADatabaseFromANewerTapeline) {
  cat.reset();
  sqlite3("INSERT INTO schema_version VALUES (99, 'future', 0)");
  auto c = open(db_path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::unavailable);
  const auto& m = c.error().message();
  EXPECT_NE(m.find("schema version 99"), std::string::npos) << m;
  EXPECT_NE(m.find("newer Tapeline"), std::string::npos) << m;
  EXPECT_NE(m.find(db_path), std::string::npos) << m;
}

TEST_F(open_test, RefusesAFileThatIsNotADatabase) {
  cat.reset();
  tapeline::testing::write_file(db_path, std::string(8192, 'x'));
  ::unlink((db_path + "-wal").c_str());
  auto c = open(db_path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::corrupt) << c.error().to_string();
  EXPECT_NE(c.error().message().find("rebuild"), std::string::npos);
}

TEST_F(open_test, RefusesACorruptedDatabase) {
  add_tape("LTO5-0001");
  for (int i = 0; i < 300; ++i)
    write_restorable(vdi("obj-" + std::to_string(i), "vm", 0, i), "LTO5-0001",
                     i + 1);
  cat.reset();  // checkpoints the WAL into the main file
  std::string before = tapeline::testing::read_file(db_path);
  ASSERT_GT(before.size(), 16u * 4096);
  // Scribble over the middle of the file: index and table pages.
  int fd = ::open(db_path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  std::string junk(3 * 4096, '\x5a');
  ASSERT_EQ(::pwrite(fd, junk.data(), junk.size(), 6 * 4096),
            ssize_t(junk.size()));
  ::close(fd);
  std::string oracle;
  tapeline::testing::run("sqlite3 '" + db_path + "' 'PRAGMA quick_check'",
                         &oracle);
  EXPECT_NE(oracle, "ok\n");  // sqlite3 agrees the file is damaged
  auto c = open(db_path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::corrupt) << c.error().to_string();
  EXPECT_NE(c.error().message().find(db_path), std::string::npos);
}

TEST_F(open_test, RefusesDanglingReferences) {
  add_tape("LTO5-0001");
  cat.reset();
  // The CLI does not enforce foreign keys unless asked: plant a lie.
  sqlite3(
      "INSERT INTO extents(object_id, part, barcode, file_number, "
      "payload_offset, payload_length) VALUES ('ghost', 0, 'LTO5-0001', 1, "
      "0, 10)");
  auto c = open(db_path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().error_code(), code::corrupt);
  EXPECT_NE(c.error().message().find("foreign key check"), std::string::npos)
      << c.error().message();
}

}  // namespace
}  // namespace tapeline::catalog::testing
