// Rebuild from real tapes: objects written onto virtual cartridges by
// tape::volume_writer (one spanning two cartridges at end of
// medium, one aborted), read back by tape::volume_reader (label +
// catalog of each tape) and ingested into a SQLite catalog file. Oracles:
// sha256sum for the payloads, the sqlite3 CLI for the database, and the bytes
// read back through the locations find() returns.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "catalog_fixture.h"
#include "tapeline/catalog/rebuild.h"
#include "tapeline/catalog_tape/read_tape.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_reader.h"
#include "tapeline/tape/volume_writer.h"

namespace tapeline::catalog::testing {
namespace {

namespace tp = ::tapeline::tape;
using tapeline::testing::run;
using tapeline::testing::write_file;

// Scaled-down cartridges, as in agent-tape's spanning test: early warning
// 1 MiB before the end of 3 MiB.
constexpr uint32_t rs = 64 * 1024;
constexpr uint64_t capacity = 3ull << 20;
constexpr uint64_t early_warning = 1ull << 20;
constexpr int64_t now = 1767225600;  // 2026-01-01

int64_t fixed_now() {
  return now;
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = char(g());
  return s;
}

v1::ObjectManifest manifest(const std::string& id, const std::string& vm,
                            int64_t created, size_t size,
                            const std::string& parent = {}) {
  v1::ObjectManifest m;
  m.set_object_id(id);
  m.set_kind(parent.empty() ? v1::VDI_FULL : v1::VDI_DELTA);
  m.set_name("vm/" + id + ".vhd");
  m.set_vm_name(vm);
  m.set_vm_uuid("uuid-" + vm);
  m.set_vdi_uuid("vdi-" + vm + "-0");
  m.set_disk(0);
  m.set_parent_object_id(parent);
  m.set_payload_format("vhd");
  m.set_expected_size(int64_t(size));
  m.set_created_unix(created);
  return m;
}

struct real_tape_test : catalog_test {
  std::unique_ptr<drive::virtual_drive> drv;
  std::unique_ptr<tp::volume_writer> w;
  std::vector<std::string> tapes;
  std::map<std::string, std::string> data;  // object id -> payload
  std::map<std::string, std::vector<v1::CatalogEntry>> parts;  // writer's

  void SetUp() override {
    catalog_test::SetUp();
    ASSERT_EQ(run("mkdir -p " + path("shelf") + " " + path("slot")), 0);
    drive::virtual_drive_options o;
    o.name = "test";
    o.slot_dir = path("slot");
    o.library_dir = path("shelf");
    drv = std::make_unique<drive::virtual_drive>(o);
  }
  void TearDown() override {
    w.reset();
    drv.reset();
    catalog_test::TearDown();
  }

  void load(const std::string& barcode) {
    auto inf = drv->info();
    if (inf.ok() && inf->loaded) {
      ASSERT_TRUE(drv->eject().ok());
    }
    auto st = drv->load(barcode);
    ASSERT_TRUE(st.ok()) << st.to_string();
    ASSERT_TRUE(drv->open().ok());
  }
  // A blank cartridge, loaded; its label, as the drive actor makes it.
  v1::TapeLabel new_tape() {
    std::string b = "RT000" + std::to_string(tapes.size() + 1);
    tapes.push_back(b);
    drive::cartridge_spec s;
    s.barcode = b;
    s.capacity_bytes = capacity;
    s.early_warning_bytes = early_warning;
    EXPECT_TRUE(drive::create_cartridge(path("shelf"), s).ok());
    load(b);
    v1::TapeLabel l;
    l.set_volume_id(b);
    l.set_pool("vdi");
    l.set_media_type("LTO-5");
    l.set_media_set("set-1");
    l.set_media_set_seq(uint32_t(tapes.size()));
    l.set_label_uuid("label-" + b);
    l.set_record_size(rs);
    return l;
  }

  status handle(result<tp::progress> p) {
    while (p.ok() && *p == tp::progress::need_volume)
      p = w->continue_on_new_volume(new_tape());
    return p.ok() ? status() : p.error();
  }

  // Writes the whole object in 100 KiB appends, spanning when told to.
  void write(const v1::ObjectManifest& m, uint64_t seed) {
    std::string d = random_bytes(size_t(m.expected_size()), seed);
    ASSERT_TRUE(w->begin_object(m).ok());
    for (size_t off = 0; off < d.size(); off += 100 * 1024) {
      size_t n = std::min<size_t>(100 * 1024, d.size() - off);
      auto st = handle(w->append(d.data() + off, n));
      ASSERT_TRUE(st.ok()) << st.to_string();
    }
    v1::ObjectTrailer t;
    t.set_object_id(m.object_id());
    t.set_payload_bytes(d.size());
    t.set_sha256(sha256_hex(d.data(), d.size()));
    auto st = handle(w->finish_object(t));
    ASSERT_TRUE(st.ok()) << st.to_string();
    parts[m.object_id()] = w->last_object_parts();
    data[m.object_id()] = d;
  }

  // The sha256sum CLI's digest of `bytes`.
  std::string sha256sum(const std::string& bytes) {
    write_file(path("payload"), bytes);
    std::string out;
    EXPECT_EQ(run("sha256sum " + path("payload"), &out), 0) << out;
    return out.substr(0, 64);
  }

  // Tape 1: web-full, db-full (aborted), web-delta, end of session 1, then
  // app-full, which crosses early warning and goes on on tape 2, followed
  // there by app-delta; end of session 2.
  void write_tapes() {
    w = std::make_unique<tp::volume_writer>(
        drv.get(), tp::writer_options{rs, "tapeline test", fixed_now});
    ASSERT_TRUE(w->label(new_tape(), false).ok());
    write(manifest("web-full", "web", 1000, 800 * 1024), 1);
    ASSERT_TRUE(w->begin_object(manifest("db-full", "db", 1100, 1 << 20)).ok());
    std::string part = random_bytes(300 * 1024, 2);
    ASSERT_TRUE(handle(w->append(part.data(), part.size())).ok());
    ASSERT_TRUE(w->abort_object("sender went away").ok());
    parts["db-full"] = w->last_object_parts();
    write(manifest("web-delta", "web", 2000, 200 * 1024, "web-full"), 3);
    ASSERT_TRUE(w->finish_session().ok());
    write(manifest("app-full", "app", 3000, 2 << 20), 4);
    write(manifest("app-delta", "app", 4000, 100 * 1024, "app-full"), 5);
    ASSERT_TRUE(w->finish_session().ok());
    ASSERT_EQ(tapes, (std::vector<std::string>{"RT0001", "RT0002"}));
    w.reset();
  }

  // Loads `barcode`, reads it back and ingests it.
  void ingest(const std::string& barcode) {
    load(barcode);
    auto st = ingest_loaded_tape(*cat, drv.get(), now);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }

  std::string dump() {
    cat.reset();
    std::string d = sqlite3(".dump");
    reopen();
    return d;
  }
};

TEST_F(real_tape_test, what_the_writer_put_on_the_tapes) {
  ASSERT_NO_FATAL_FAILURE(write_tapes());
  // The layout the rest of this file relies on.
  ASSERT_EQ(parts["web-full"].size(), 1u);
  EXPECT_EQ(parts["web-full"][0].file_number(), 1u);
  ASSERT_EQ(parts["db-full"].size(), 1u);
  EXPECT_EQ(parts["db-full"][0].file_number(), 2u);
  EXPECT_FALSE(parts["db-full"][0].complete());
  ASSERT_EQ(parts["web-delta"].size(), 1u);
  EXPECT_EQ(parts["web-delta"][0].file_number(), 3u);
  ASSERT_EQ(parts["app-full"].size(), 2u);
  EXPECT_EQ(parts["app-full"][0].file_number(), 5u);  // after catalog file 4
  EXPECT_TRUE(parts["app-full"][0].continues());
  EXPECT_EQ(parts["app-full"][1].file_number(), 1u);
  EXPECT_EQ(parts["app-delta"][0].file_number(), 2u);

  // Each tape's last catalog file is cumulative (§7): tape 1's end-of-medium
  // catalog still lists session 1's objects.
  load("RT0001");
  auto r1 = read_tape_for_rebuild(drv.get());
  ASSERT_TRUE(r1.ok()) << r1.error().to_string();
  ASSERT_EQ(r1->catalogs.size(), 1u);
  EXPECT_TRUE(r1->catalogs[0].end_of_medium());
  EXPECT_EQ(r1->catalogs[0].entries_size(), 4);
  EXPECT_EQ(r1->label.volume_id(), "RT0001");
}

TEST_F(real_tape_test, rebuild_from_both_tapes) {
  ASSERT_NO_FATAL_FAILURE(write_tapes());
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  ASSERT_NO_FATAL_FAILURE(ingest("RT0002"));

  EXPECT_EQ(sqlite3("SELECT barcode, pool, media_type, state, label_uuid, "
                    "media_set, media_set_seq, record_size FROM tapes "
                    "ORDER BY barcode"),
            "RT0001|vdi|LTO-5|full|label-RT0001|set-1|1|65536\n"
            "RT0002|vdi|LTO-5|full|label-RT0002|set-1|2|65536");
  EXPECT_EQ(sqlite3("SELECT id, state FROM objects ORDER BY id"),
            "app-delta|restorable\napp-full|restorable\n"
            "db-full|failed\nweb-delta|restorable\nweb-full|restorable");

  // Sizes and digests are the payloads' (sha256sum), not merely the tape's.
  for (const char* id : {"web-full", "web-delta", "app-full", "app-delta"}) {
    auto o = cat->get_object(id);
    ASSERT_TRUE(o.ok()) << id;
    EXPECT_EQ(o->sha256, sha256sum(data[id])) << id;
    EXPECT_EQ(o->source_sha256, o->sha256) << id;
    ASSERT_TRUE(o->payload_bytes.has_value()) << id;
    EXPECT_EQ(*o->payload_bytes, data[id].size()) << id;
    EXPECT_EQ(o->kind, std::string(id).find("delta") != std::string::npos
                           ? "vdi_delta"
                           : "vdi_full");
  }
  auto db = cat->get_object("db-full");
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->error, "aborted on tape RT0001 file 2");
  EXPECT_TRUE(db->sha256.empty());
  EXPECT_FALSE(db->payload_bytes.has_value());

  // The spanned object is joined across both tapes, as the writer split it.
  auto ex = cat->extents_of("app-full");
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 2u);
  const auto& wp = parts["app-full"];
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*ex)[i].barcode, tapes[i]);
    EXPECT_EQ((*ex)[i].part, i);
    EXPECT_EQ((*ex)[i].file_number, wp[i].file_number());
    EXPECT_EQ((*ex)[i].payload_offset, wp[i].payload_offset());
    EXPECT_EQ((*ex)[i].payload_length, wp[i].payload_length());
    EXPECT_TRUE((*ex)[i].complete);
    EXPECT_EQ((*ex)[i].continues, i == 0);
  }
  EXPECT_EQ((*ex)[0].payload_length + (*ex)[1].payload_length,
            data["app-full"].size());

  // The aborted object cannot be found for a restore.
  auto none = cat->find({"db", std::nullopt, std::nullopt});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_code(), code::not_found);

  // find() names the right tapes and files, and they hold the bytes.
  auto check_chain = [&](const std::string& vm,
                         const std::vector<std::string>& ids) {
    auto f = cat->find({vm, std::nullopt, std::nullopt});
    ASSERT_TRUE(f.ok()) << vm << ": " << f.error().to_string();
    ASSERT_EQ(f->size(), 1u);
    const auto& chain = f->front();
    EXPECT_TRUE(chain.note.empty()) << chain.note;
    ASSERT_EQ(chain.steps.size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto& step = chain.steps[i];
      EXPECT_EQ(step.obj.id, ids[i]);
      const auto& wp = parts[ids[i]];
      ASSERT_EQ(step.extents.size(), wp.size());
      for (size_t p = 0; p < wp.size(); ++p)
        EXPECT_EQ(step.extents[p].file_number, wp[p].file_number());
      ASSERT_NO_FATAL_FAILURE(load(step.extents[0].barcode));
      tp::volume_reader r(drv.get());
      std::string got;
      auto o = r.read_object(
          step.extents[0].file_number,
          [&](const char* p, size_t n) {
            got.append(p, n);
            return status();
          },
          [&](const v1::ObjectManifest&, uint32_t part) -> result<uint32_t> {
            const auto& x = step.extents.at(part);
            load(x.barcode);
            return x.file_number;
          });
      ASSERT_TRUE(o.ok()) << ids[i] << ": " << o.error().to_string();
      EXPECT_EQ(o->parts, wp.size());
      EXPECT_TRUE(got == data[ids[i]]) << ids[i];
    }
  };
  check_chain("web", {"web-full", "web-delta"});
  check_chain("app", {"app-full", "app-delta"});
  ASSERT_EQ(drv->info()->loaded, true);
}

TEST_F(real_tape_test, reingesting_is_idempotent) {
  ASSERT_NO_FATAL_FAILURE(write_tapes());
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  ASSERT_NO_FATAL_FAILURE(ingest("RT0002"));
  std::string first = dump();
  ASSERT_NE(first.find("INSERT INTO extents"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(ingest("RT0002"));
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  EXPECT_EQ(dump(), first);
}

TEST_F(real_tape_test, second_tape_alone_leaves_the_spanned_object_pending) {
  ASSERT_NO_FATAL_FAILURE(write_tapes());
  ASSERT_NO_FATAL_FAILURE(ingest("RT0002"));
  EXPECT_EQ(sqlite3("SELECT id, state FROM objects ORDER BY id"),
            "app-delta|restorable\napp-full|pending");
  auto f = cat->find({"app", std::nullopt, std::nullopt});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().error_code(), code::not_found);
  // Then the first tape completes it, as if ingested in the other order.
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  EXPECT_EQ(sqlite3("SELECT id, state FROM objects ORDER BY id"),
            "app-delta|restorable\napp-full|restorable\n"
            "db-full|failed\nweb-delta|restorable\nweb-full|restorable");
  EXPECT_EQ(sqlite3("SELECT object_id, part, barcode, file_number, "
                    "payload_offset, payload_length, continues, complete "
                    "FROM extents ORDER BY object_id, part"),
            "app-delta|0|RT0002|2|0|102400|0|1\n"
            "app-full|0|RT0001|5|0|" +
                std::to_string(parts["app-full"][0].payload_length()) +
                "|1|1\n"
                "app-full|1|RT0002|1|" +
                std::to_string(parts["app-full"][1].payload_offset()) + "|" +
                std::to_string(parts["app-full"][1].payload_length()) +
                "|0|1\n"
                "db-full|0|RT0001|2|0|307200|0|0\n"
                "web-delta|0|RT0001|3|0|204800|0|1\n"
                "web-full|0|RT0001|1|0|819200|0|1");
}

TEST_F(real_tape_test, tape_without_a_catalog_file_is_rebuilt_by_scanning) {
  // The writer died before its first session ended: no catalog file, and
  // the last object has no trailer nor filemark.
  w = std::make_unique<tp::volume_writer>(
      drv.get(), tp::writer_options{rs, "tapeline test", fixed_now});
  ASSERT_TRUE(w->label(new_tape(), false).ok());
  write(manifest("web-full", "web", 1000, 300 * 1024), 1);
  ASSERT_TRUE(w->begin_object(manifest("db-full", "db", 1100, 1 << 20)).ok());
  std::string part = random_bytes(200 * 1024, 2);
  ASSERT_TRUE(handle(w->append(part.data(), part.size())).ok());
  w.reset();
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  // db-full is failed, not pending: a part found after the last catalog
  // file cannot continue (spanning always writes an end-of-medium catalog
  // after it), so scan() says it does not.
  EXPECT_EQ(sqlite3("SELECT id, state FROM objects ORDER BY id"),
            "db-full|failed\nweb-full|restorable");
  auto f = cat->find({"db", std::nullopt, std::nullopt});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().error_code(), code::not_found);
  auto o = cat->get_object("web-full");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->sha256, sha256sum(data["web-full"]));
}

TEST_F(real_tape_test, object_aborted_at_end_of_medium) {
  // The sender goes away just when the object must go on on a new tape:
  // the caller aborts instead of loading one.
  w = std::make_unique<tp::volume_writer>(
      drv.get(), tp::writer_options{rs, "tapeline test", fixed_now});
  ASSERT_TRUE(w->label(new_tape(), false).ok());
  write(manifest("web-full", "web", 1000, 800 * 1024), 1);
  auto m = manifest("app-full", "app", 3000, 4 << 20);
  ASSERT_TRUE(w->begin_object(m).ok());
  std::string d = random_bytes(4 << 20, 4);
  bool stopped = false;
  for (size_t off = 0; off < d.size() && !stopped; off += 100 * 1024) {
    auto p = w->append(d.data() + off, 100 * 1024);
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    stopped = *p == tp::progress::need_volume;
  }
  ASSERT_TRUE(stopped);
  ASSERT_TRUE(w->abort_object("sender went away").ok());
  w.reset();
  ASSERT_NO_FATAL_FAILURE(ingest("RT0001"));
  // Tape 1 was sealed with an end-of-medium catalog saying app-full goes on
  // on the next tape before the abort, which left no trace on any tape: a
  // rebuild cannot tell it from an object whose next tape is missing. It
  // stays pending, never restorable.
  EXPECT_EQ(sqlite3("SELECT id, state FROM objects ORDER BY id"),
            "app-full|pending\nweb-full|restorable");
  EXPECT_EQ(sqlite3("SELECT object_id, part, file_number, continues, complete "
                    "FROM extents ORDER BY object_id, part"),
            "app-full|0|2|1|1\nweb-full|0|1|0|1");
  auto f = cat->find({"app", std::nullopt, std::nullopt});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().error_code(), code::not_found);
}

}  // namespace
}  // namespace tapeline::catalog::testing
