// find(): the restore chain of a disk as of a time, and the proof (SQLite's
// own EXPLAIN QUERY PLAN, through the sqlite3 CLI) that it only searches
// indexes, never scans a table.
#include "catalog_fixture.h"
#include "tapeline/catalog/sqlite_catalog.h"

namespace tapeline::catalog::testing {
namespace {

constexpr int64_t day = 86400;

struct find_test : catalog_test {
  // Two disks of VM "web": fulls on days 0 and 7, deltas on the others.
  void SetUp() override {
    catalog_test::SetUp();
    add_tape("LTO5-0001");
    add_tape("LTO5-0002");
    add_tape("LTO5-0003");
    for (uint32_t disk = 0; disk < 2; ++disk) {
      std::string prev;
      for (int d = 0; d < 14; ++d) {
        std::string id =
            "web-" + std::to_string(disk) + "-" + std::to_string(d);
        auto o = vdi(id, "web", disk, d * day, d % 7 == 0 ? "" : prev);
        std::string tape = d < 7 ? "LTO5-0001" : "LTO5-0002";
        uint32_t file = 1 + d * 2 + disk;
        if (d == 7 && disk == 0)
          write_restorable(o, tape, file, "LTO5-0003");  // spans two tapes
        else
          write_restorable(o, tape, file);
        prev = id;
      }
    }
  }
  static std::vector<std::string> ids(const restore_chain& c) {
    std::vector<std::string> out;
    for (auto& s : c.steps) out.push_back(s.obj.id);
    return out;
  }
};

TEST_F(find_test, TheChainAsOfATimeIsTheFullThenItsDeltas) {
  auto r = cat->find({"web", 0u, 3 * day + 5});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(ids(r->front()), (std::vector<std::string>{"web-0-0", "web-0-1",
                                                       "web-0-2", "web-0-3"}));
  EXPECT_EQ(r->front().vm_uuid, "uuid-web");
  EXPECT_TRUE(r->front().offsite_tapes.empty());
  EXPECT_EQ(r->front().steps[2].extents.at(0).file_number, 5u);
}

TEST_F(find_test, WithoutATimeTheNewestChainWithSpannedExtentsInOrder) {
  auto r = cat->find({"uuid-web", 0u, std::nullopt});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  auto& c = r->front();
  ASSERT_EQ(c.steps.size(), 7u);
  EXPECT_EQ(c.steps[0].obj.id, "web-0-7");
  EXPECT_EQ(c.steps[6].obj.id, "web-0-13");
  ASSERT_EQ(c.steps[0].extents.size(), 2u);
  EXPECT_EQ(c.steps[0].extents[0].barcode, "LTO5-0002");
  EXPECT_EQ(c.steps[0].extents[1].barcode, "LTO5-0003");
  EXPECT_EQ(c.steps[0].extents[1].part, 1u);
}

TEST_F(find_test, AllDisksWhenNoDiskIsGiven) {
  auto r = cat->find({"web", std::nullopt, 9 * day});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].disk, 0u);
  EXPECT_EQ((*r)[1].disk, 1u);
  EXPECT_EQ(ids((*r)[1]),
            (std::vector<std::string>{"web-1-7", "web-1-8", "web-1-9"}));
}

TEST_F(find_test, NamesTheTapesThatAreOffSite) {
  ASSERT_TRUE(cat->move_tape("LTO5-0003", tape_state::offsite, "bank safe",
                             "alice", 20 * day)
                  .ok());
  auto r = cat->find({"web", 0u, std::nullopt});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().offsite_tapes, std::vector<std::string>{"LTO5-0003"});
  r = cat->find({"web", 1u, std::nullopt});
  EXPECT_TRUE(r->front().offsite_tapes.empty());
}

TEST_F(find_test, TheChainStopsBeforeABrokenLink) {
  // Day 14's delta failed; day 15's delta was taken against it.
  auto d14 = vdi("web-0-14", "web", 0, 14 * day, "web-0-13");
  ASSERT_TRUE(cat->add_object(d14).ok());
  ASSERT_TRUE(cat->mark_failed("web-0-14", "EIO").ok());
  write_restorable(vdi("web-0-15", "web", 0, 15 * day, "web-0-14"), "LTO5-0002",
                   40);
  auto r = cat->find({"web", 0u, std::nullopt});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().steps.back().obj.id, "web-0-13");
  EXPECT_NE(r->front().note.find("web-0-15 needs web-0-14"), std::string::npos)
      << r->front().note;
}

TEST_F(find_test, RefusesWhatItCannotRestore) {
  auto r = cat->find({"web", 0u, -1});
  EXPECT_EQ(r.error().error_code(), code::not_found);
  EXPECT_NE(r.error().message().find("at or before"), std::string::npos);
  EXPECT_EQ(cat->find({"nobody", {}, {}}).error().error_code(),
            code::not_found);
  EXPECT_EQ(cat->find({"web", 5u, {}}).error().error_code(), code::not_found);
  // Two VMs called "db": a name is not enough.
  write_restorable(vdi("a", "db", 0, 0), "LTO5-0001", 60);
  auto other = vdi("b", "db", 0, 0);
  other.vm_uuid = "uuid-db-2";
  write_restorable(other, "LTO5-0001", 61);
  r = cat->find({"db", {}, {}});
  EXPECT_EQ(r.error().error_code(), code::invalid_argument);
  EXPECT_NE(r.error().message().find("uuid-db-2"), std::string::npos);
  EXPECT_TRUE(cat->find({"uuid-db-2", {}, {}}).ok());
}

TEST_F(find_test, EveryStatementSearchesAnIndexAndNeverSortsOrScans) {
  cat.reset();
  sqlite3("ANALYZE");
  for (const auto& sql : sqlite_find_statements()) {
    std::string plan = sqlite3("EXPLAIN QUERY PLAN " + sql);
    SCOPED_TRACE(sql + "\n" + plan);
    EXPECT_EQ(plan.find("SCAN"), std::string::npos);
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos);
    EXPECT_NE(plan.find("SEARCH"), std::string::npos);
    if (sql.find("FROM objects") != std::string::npos) {
      bool indexed = plan.find("INDEX objects_restore") != std::string::npos ||
                     plan.find("INDEX objects_by_name") != std::string::npos;
      EXPECT_TRUE(indexed);
    } else {
      EXPECT_NE(plan.find("SEARCH e USING PRIMARY KEY (object_id=?)"),
                std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tapeline::catalog::testing
