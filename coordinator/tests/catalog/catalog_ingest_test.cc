// Rebuild: tapes' labels and catalog files (as volume_reader decodes them)
// recreate tapes, objects and extents; idempotent; spanned objects joined.
#include "catalog_fixture.h"
#include "tapeline/catalog/rebuild.h"

namespace tapeline::catalog::testing {
namespace {

v1::TapeLabel label(const std::string& barcode, uint32_t seq) {
  v1::TapeLabel l;
  l.set_magic("TAPELINE-LABEL");
  l.set_format_version(1);
  l.set_volume_id(barcode);
  l.set_pool("vdi");
  l.set_media_type("LTO-5");
  l.set_media_set("set-1");
  l.set_media_set_seq(seq);
  l.set_record_size(262144);
  l.set_created_unix(1000);
  l.set_label_uuid("label-" + barcode);
  return l;
}

v1::CatalogEntry* entry(v1::TapeCatalog* c, const std::string& id,
                        uint32_t file, uint32_t part, uint64_t off,
                        uint64_t len, bool continues, bool complete) {
  auto* e = c->add_entries();
  auto* m = e->mutable_manifest();
  m->set_object_id(id);
  m->set_kind(v1::VDI_FULL);
  m->set_vm_name("web");
  m->set_vm_uuid("uuid-web");
  m->set_disk(0);
  m->set_expected_size(1000);
  m->set_created_unix(file * 100);
  e->set_file_number(file);
  e->set_part(part);
  e->set_payload_offset(off);
  e->set_payload_length(len);
  e->set_continues(continues);
  e->set_complete(complete);
  e->set_first_block(file * 10);
  e->set_records(5);
  if (complete) {
    e->set_sha256(fake_sha(id));
    e->set_payload_bytes(1000);
  }
  return e;
}

v1::TapeCatalog catalog_of(const std::string& barcode, uint32_t session) {
  v1::TapeCatalog c;
  c.set_magic("TAPELINE-CATALOG");
  c.set_format_version(1);
  c.set_volume_id(barcode);
  c.set_label_uuid("label-" + barcode);
  c.set_session(session);
  return c;
}

struct ingest_test : catalog_test {
  v1::TapeCatalog a = catalog_of("LTO5-0001", 1);
  v1::TapeCatalog b = catalog_of("LTO5-0002", 1);
  void SetUp() override {
    catalog_test::SetUp();
    entry(&a, "o1", 1, 0, 0, 1000, false, true);
    entry(&a, "o2", 2, 0, 0, 700, true, false)->set_next_volume("LTO5-0002");
    entry(&b, "o2", 1, 1, 700, 300, false, true);
    entry(&b, "o3", 2, 0, 0, 10, false, false);  // aborted
  }
  std::string dump() {
    cat.reset();
    std::string d = sqlite3(
        "SELECT * FROM tapes; SELECT * FROM objects ORDER BY id; "
        "SELECT * FROM extents ORDER BY object_id, part");
    reopen();
    return d;
  }
};

TEST_F(ingest_test, RecreatesTapesObjectsAndExtents) {
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {a}, 5000).ok());
  EXPECT_EQ(cat->get_object("o1")->state, object_state::restorable);
  EXPECT_EQ(cat->get_object("o1")->sha256, fake_sha("o1"));
  // o2's second part is on a tape not read yet.
  EXPECT_EQ(cat->get_object("o2")->state, object_state::pending);
  auto t = cat->get_tape("LTO5-0001");
  EXPECT_EQ(t->state, tape_state::full);
  EXPECT_EQ(t->label_uuid, "label-LTO5-0001");
  EXPECT_EQ(t->bytes_used, 25u * 262144);

  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0002", 2), {b}, 5000).ok());
  auto o2 = cat->get_object("o2");
  EXPECT_EQ(o2->state, object_state::restorable);
  auto ex = cat->extents_of("o2");
  ASSERT_EQ(ex->size(), 2u);
  EXPECT_EQ((*ex)[0].barcode, "LTO5-0001");
  EXPECT_EQ((*ex)[1].barcode, "LTO5-0002");
  EXPECT_EQ(cat->get_object("o3")->state, object_state::failed);
  EXPECT_NE(cat->get_object("o3")->error.find("aborted on tape LTO5-0002"),
            std::string::npos);
  auto r = cat->find({"web", 0u, std::nullopt});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->front().steps.front().obj.id, "o2");
}

TEST_F(ingest_test, ListsTheExtentsOnATapeInFileOrder) {
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {a}, 5000).ok());
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0002", 2), {b}, 5000).ok());
  auto on1 = cat->extents_on_tape("LTO5-0001");
  ASSERT_TRUE(on1.ok()) << on1.error().to_string();
  ASSERT_FALSE(on1->empty());
  for (size_t i = 0; i < on1->size(); ++i) {
    EXPECT_EQ((*on1)[i].barcode, "LTO5-0001");
    if (i > 0) {
      EXPECT_LT((*on1)[i - 1].file_number, (*on1)[i].file_number);
    }
  }
  // o2 spans both tapes: part 0 here, part 1 on the next.
  auto o2 = cat->extents_of("o2");
  size_t here = 0;
  for (const auto& e : *o2) here += e.barcode == "LTO5-0001";
  size_t listed = 0;
  for (const auto& e : *on1) listed += e.object_id == "o2";
  EXPECT_EQ(listed, here);
  EXPECT_TRUE(cat->extents_on_tape("LTO5-9999")->empty());
}

TEST_F(ingest_test, IsIdempotentInAnyOrder) {
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0002", 2), {b}, 5000).ok());
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {a}, 5000).ok());
  std::string once = dump();
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {a}, 5000).ok());
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0002", 2), {b}, 5000).ok());
  EXPECT_EQ(dump(), once);
  EXPECT_NE(once.find("o2|vdi_full|web|uuid-web"), std::string::npos) << once;
}

TEST_F(ingest_test, KeepsWhatTheOperatorSetOnAKnownTape) {
  add_tape("LTO5-0001", tape_state::offsite);
  ASSERT_TRUE(
      cat->move_tape("LTO5-0001", tape_state::offsite, "bank", "al", 1).ok());
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {a}, 5000).ok());
  EXPECT_EQ(cat->get_tape("LTO5-0001")->location, "bank");
  EXPECT_EQ(cat->get_tape("LTO5-0001")->state, tape_state::offsite);
}

TEST_F(ingest_test, ALaterSessionSupersedesAnEarlierOne) {
  auto s2 = catalog_of("LTO5-0001", 2);
  entry(&s2, "o1", 1, 0, 0, 1000, false, true);
  entry(&s2, "o4", 3, 0, 0, 1000, false, true);
  ASSERT_TRUE(ingest_tape(*cat, label("LTO5-0001", 1), {s2, a}, 5000).ok());
  EXPECT_EQ(cat->get_object("o4")->state, object_state::restorable);
  EXPECT_EQ(cat->get_object("o2").error().error_code(), code::not_found);
}

TEST_F(ingest_test, RefusesForeignOrNewerTapes) {
  auto l = label("LTO5-0001", 1);
  l.set_format_version(2);
  auto st = ingest_tape(*cat, l, {a}, 0);
  EXPECT_NE(st.message().find("newer Tapeline"), std::string::npos);
  l = label("LTO5-0001", 1);
  l.set_magic("NOPE");
  EXPECT_FALSE(ingest_tape(*cat, l, {a}, 0).ok());
  st = ingest_tape(*cat, label("LTO5-0001", 1), {b}, 0);
  EXPECT_EQ(st.error_code(), code::invalid_argument);
  EXPECT_NE(st.message().find("a catalog of tape LTO5-0002"),
            std::string::npos);
  EXPECT_TRUE(cat->list_tapes()->empty());
}

}  // namespace
}  // namespace tapeline::catalog::testing
