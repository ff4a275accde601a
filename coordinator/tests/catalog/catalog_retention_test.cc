// Retention: expiry keeps what a retained delta needs, and a tape returns
// to scratch only when nothing retained (even transitively) is on it.
#include "catalog_fixture.h"

namespace tapeline::catalog::testing {
namespace {

constexpr int64_t day = 86400;

struct retention_test : catalog_test {
  // F (tape A) <- D1 (tape B) <- D2 (tape C); X alone on tape D.
  void SetUp() override {
    catalog_test::SetUp();
    for (auto b : {"A", "B", "C", "D"}) add_tape(b);
    write_restorable(vdi("F", "web", 0, 0), "A", 1);
    write_restorable(vdi("D1", "web", 0, 1 * day, "F"), "B", 1);
    write_restorable(vdi("D2", "web", 0, 2 * day, "D1"), "C", 1);
    write_restorable(vdi("X", "old", 0, 0), "D", 1);
    ASSERT_TRUE(cat->set_expiry("F", 10 * day).ok());
    ASSERT_TRUE(cat->set_expiry("D1", 10 * day).ok());
    ASSERT_TRUE(cat->set_expiry("D2", 30 * day).ok());
    ASSERT_TRUE(cat->set_expiry("X", 5 * day).ok());
  }
  std::vector<std::string> reclaimable(int64_t now) {
    std::vector<std::string> out;
    auto tapes = cat->reclaimable_tapes(now);
    EXPECT_TRUE(tapes.ok());
    for (auto& t : *tapes) out.push_back(t.barcode);
    return out;
  }
};

TEST_F(retention_test, ExpiryKeepsTheAncestorsOfARetainedDelta) {
  auto e = cat->expire_objects(15 * day);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, std::vector<std::string>{"X"});
  EXPECT_EQ(cat->get_object("F")->state, object_state::restorable);
  EXPECT_EQ(cat->get_object("D1")->state, object_state::restorable);
  e = cat->expire_objects(31 * day);
  EXPECT_EQ(*e, (std::vector<std::string>{"F", "D1", "D2"}));
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT group_concat(state) FROM objects"),
            "expired,expired,expired,expired");
}

TEST_F(retention_test, OnlyTapesWithNothingRetainedMayReturnToScratch) {
  EXPECT_TRUE(reclaimable(1 * day).empty());
  EXPECT_EQ(reclaimable(15 * day), std::vector<std::string>{"D"});
  EXPECT_EQ(reclaimable(31 * day),
            (std::vector<std::string>{"A", "B", "C", "D"}));
  // A pending object (being planned or written) keeps its tape too.
  ASSERT_TRUE(cat->add_object(vdi("P", "new", 0, 20 * day)).ok());
  write_report r{"P", 1000, fake_sha("P"), {{"P", "D", 2, 0, 0, 1000}}};
  ASSERT_TRUE(cat->mark_writing("P").ok());
  ASSERT_TRUE(cat->record_write(r).ok());
  EXPECT_EQ(reclaimable(31 * day), (std::vector<std::string>{"A", "B", "C"}));
}

TEST_F(retention_test, ReturnToScratchRefusesAndSaysWhy) {
  auto st = cat->return_to_scratch("A", 15 * day);
  EXPECT_EQ(st.error_code(), code::invalid_argument);
  EXPECT_NE(st.message().find("object F is needed by retained D2"),
            std::string::npos)
      << st.message();
  ASSERT_TRUE(cat->move_tape("D", tape_state::offsite, "bank", "bob", 0).ok());
  st = cat->return_to_scratch("D", 15 * day);
  EXPECT_NE(st.message().find("recall it"), std::string::npos) << st.message();
  ASSERT_TRUE(cat->move_tape("D", tape_state::full, "shelf", "bob", 0).ok());
  ASSERT_TRUE(cat->expire_objects(15 * day).ok());
  st = cat->return_to_scratch("D", 15 * day);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(cat->get_tape("D")->state, tape_state::scratch);
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT count(*) FROM extents WHERE barcode = 'D'"), "0");
  EXPECT_EQ(sqlite3("SELECT count(*) FROM extents"), "3");
}

}  // namespace
}  // namespace tapeline::catalog::testing
