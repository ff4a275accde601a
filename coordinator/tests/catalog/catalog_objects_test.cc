// The write path and the restorable rule: an object is restorable only when
// its extents are durable, cover the payload, and its SHA-256 is verified.
#include "catalog_fixture.h"
#include "tapeline/catalog/restorable.h"

namespace tapeline::catalog::testing {
namespace {

struct objects_test : catalog_test {
  void SetUp() override {
    catalog_test::SetUp();
    add_tape("LTO5-0001");
    add_tape("LTO5-0002");
    ASSERT_TRUE(cat->add_object(vdi("o1", "web", 0, 100)).ok());
    ASSERT_TRUE(cat->mark_writing("o1").ok());
  }
  write_report report(std::vector<extent> ex, uint64_t bytes = 1000) {
    write_report r;
    r.object_id = "o1";
    r.payload_bytes = bytes;
    r.sha256 = fake_sha("o1");
    r.extents = std::move(ex);
    return r;
  }
  static extent part(const std::string& tape, uint32_t file, uint32_t n,
                     uint64_t off, uint64_t len, bool continues,
                     bool complete = true) {
    return {"o1", tape, file, n, off, len, 0, 1, continues, complete};
  }
  std::string refusal(const write_report& r) {
    EXPECT_TRUE(cat->record_write(r).ok());
    auto st = cat->mark_restorable("o1", fake_sha("o1"));
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(cat->get_object("o1")->state, object_state::writing);
    return st.message();
  }
};

TEST_F(objects_test, WholeAndVerifiedBecomesRestorable) {
  ASSERT_TRUE(
      cat->record_write(report({part("LTO5-0001", 1, 0, 0, 600, true),
                                part("LTO5-0002", 1, 1, 600, 400, false)}))
          .ok());
  EXPECT_EQ(cat->get_object("o1")->state, object_state::writing);
  auto st = cat->mark_restorable("o1", fake_sha("o1"));
  ASSERT_TRUE(st.ok()) << st.to_string();
  auto o = cat->get_object("o1");
  EXPECT_EQ(o->state, object_state::restorable);
  EXPECT_EQ(o->source_sha256, fake_sha("o1"));
  EXPECT_EQ(*o->payload_bytes, 1000u);
  EXPECT_EQ(cat->extents_of("o1")->size(), 2u);
  // Idempotent: the same verification again changes nothing.
  EXPECT_TRUE(cat->mark_restorable("o1", fake_sha("o1")).ok());
  cat.reset();
  EXPECT_EQ(sqlite3("SELECT state, sha256 = source_sha256 FROM objects"),
            "restorable|1");
  EXPECT_EQ(sqlite3("SELECT group_concat(barcode || ':' || part) FROM "
                    "(SELECT * FROM extents ORDER BY part)"),
            "LTO5-0001:0,LTO5-0002:1");
}

TEST_F(objects_test, NotBeforeTheDriveReported) {
  auto st = cat->mark_restorable("o1", fake_sha("o1"));
  EXPECT_EQ(st.error_code(), code::invalid_argument);
  EXPECT_NE(st.message().find("no drive has reported"), std::string::npos);
}

TEST_F(objects_test, NotWithAGapBetweenParts) {
  auto m = refusal(report({part("LTO5-0001", 1, 0, 0, 500, true),
                           part("LTO5-0002", 1, 1, 600, 400, false)}));
  EXPECT_NE(m.find("starts at payload byte 600, expected 500"),
            std::string::npos)
      << m;
}

TEST_F(objects_test, NotWithAMissingPart) {
  auto m = refusal(report({part("LTO5-0002", 1, 1, 600, 400, false)}));
  EXPECT_NE(m.find("part 0 is missing"), std::string::npos) << m;
}

TEST_F(objects_test, NotWhenThePayloadIsShort) {
  auto m = refusal(report({part("LTO5-0001", 1, 0, 0, 900, false)}));
  EXPECT_NE(m.find("cover 900 of 1000"), std::string::npos) << m;
}

TEST_F(objects_test, NotWhenAPartIsIncomplete) {
  auto m = refusal(report({part("LTO5-0001", 1, 0, 0, 1000, false, false)}));
  EXPECT_NE(m.find("not complete"), std::string::npos) << m;
}

TEST_F(objects_test, NotWhenTheLastPartContinues) {
  auto m = refusal(report({part("LTO5-0001", 1, 0, 0, 1000, true)}));
  EXPECT_NE(m.find("continues"), std::string::npos) << m;
}

TEST_F(objects_test, NotWhenTheSizeDiffersFromTheManifest) {
  auto m = refusal(report({part("LTO5-0001", 1, 0, 0, 999, false)}, 999));
  EXPECT_NE(m.find("announced 1000"), std::string::npos) << m;
}

TEST_F(objects_test, NotWhenTheChecksumsDiffer) {
  ASSERT_TRUE(
      cat->record_write(report({part("LTO5-0001", 1, 0, 0, 1000, false)}))
          .ok());
  auto st = cat->mark_restorable("o1", fake_sha("something else"));
  EXPECT_EQ(st.error_code(), code::corrupt);
  EXPECT_NE(st.message().find("the source computed"), std::string::npos);
  EXPECT_EQ(cat->get_object("o1")->state, object_state::writing);
  ASSERT_TRUE(cat->mark_failed("o1", st.message()).ok());
  EXPECT_EQ(cat->get_object("o1")->state, object_state::failed);
  EXPECT_FALSE(cat->mark_restorable("o1", fake_sha("o1")).ok());
}

TEST_F(objects_test, ExtentsOnAnUnknownTapeAreRefusedWhole) {
  auto st =
      cat->record_write(report({part("LTO5-0001", 1, 0, 0, 600, true),
                                part("LTO5-9999", 1, 1, 600, 400, false)}));
  EXPECT_EQ(st.error_code(), code::not_found);
  EXPECT_NE(st.message().find("LTO5-9999"), std::string::npos);
  EXPECT_TRUE(cat->extents_of("o1")->empty());
  EXPECT_FALSE(cat->get_object("o1")->payload_bytes.has_value());
}

TEST_F(objects_test, StatesOnlyMoveForward) {
  EXPECT_EQ(cat->mark_writing("o1").error_code(), code::invalid_argument);
  EXPECT_EQ(cat->add_object(vdi("o1", "web", 0, 1)).error_code(),
            code::invalid_argument);  // duplicate id
  EXPECT_EQ(cat->mark_writing("nope").error_code(), code::not_found);
}

TEST(check_coverage_test, AcceptsPartsInAnyOrder) {
  object o;
  o.id = "x";
  o.payload_bytes = 10;
  o.sha256 = fake_sha("x");
  std::vector<extent> ex = {{"x", "B", 1, 1, 4, 6, 0, 1, false, true},
                            {"x", "A", 3, 0, 0, 4, 0, 1, true, true}};
  EXPECT_TRUE(check_coverage(o, ex).ok());
  ex[0].part = 2;
  EXPECT_FALSE(check_coverage(o, ex).ok());
  o.payload_bytes = 0;
  EXPECT_FALSE(check_coverage(o, {}).ok());  // even empty needs an extent
}

}  // namespace
}  // namespace tapeline::catalog::testing
