// Shared by the catalog tests: a fresh catalog file in a temp folder, the
// sqlite3 CLI as an oracle, and a helper that writes an object the way the
// coordinator will (add, writing, drive result, verified).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/common/checksum.h"
#include "tapeline/testing/support.h"

namespace tapeline::catalog::testing {

// A deterministic SHA-256-shaped string for `seed`.
inline std::string fake_sha(const std::string& seed) {
  return sha256_hex(seed.data(), seed.size());
}

struct catalog_test : tapeline::testing::temp_dir {
  std::string db_path;
  std::unique_ptr<catalog> cat;

  void SetUp() override {
    temp_dir::SetUp();
    db_path = path("catalog.db");
    reopen();
  }
  void TearDown() override {
    cat.reset();
    temp_dir::TearDown();
  }
  void reopen() {
    cat.reset();
    auto c = open(db_path);
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    cat = std::move(*c);
  }

  // Runs `sql` with the sqlite3 CLI on the catalog file; its output.
  std::string sqlite3(const std::string& sql) {
    std::string out;
    int rc = tapeline::testing::run(
        "sqlite3 -batch '" + db_path + "' \"" + sql + "\"", &out);
    EXPECT_EQ(rc, 0) << sql << ": " << out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void add_tape(const std::string& barcode,
                tape_state state = tape_state::full) {
    tape t;
    t.barcode = barcode;
    t.pool = "vdi";
    t.media_type = "LTO-5";
    t.state = state;
    t.record_size = 262144;
    ASSERT_TRUE(cat->put_tape(t).ok());
  }

  static object vdi(const std::string& id, const std::string& vm, uint32_t disk,
                    int64_t created, const std::string& parent = {}) {
    object o;
    o.id = id;
    o.kind = parent.empty() ? "vdi_full" : "vdi_delta";
    o.delta = !parent.empty();
    o.parent_id = parent;
    o.vm_name = vm;
    o.vm_uuid = "uuid-" + vm;
    o.vdi_uuid = "vdi-" + vm + "-" + std::to_string(disk);
    o.disk = disk;
    o.payload_format = "vhd";
    o.expected_size = 1000;
    o.created_at = created;
    return o;
  }

  // The whole write path of one object on one tape file (or two when
  // `span_to` names a second tape). Asserts every step.
  void write_restorable(const object& o, const std::string& barcode,
                        uint32_t file, const std::string& span_to = {}) {
    ASSERT_TRUE(cat->add_object(o).ok());
    ASSERT_TRUE(cat->mark_writing(o.id).ok());
    write_report r;
    r.object_id = o.id;
    r.payload_bytes = 1000;
    r.sha256 = fake_sha(o.id);
    if (span_to.empty()) {
      r.extents.push_back({o.id, barcode, file, 0, 0, 1000, 0, 1, false, true});
    } else {
      r.extents.push_back({o.id, barcode, file, 0, 0, 600, 0, 1, true, true});
      r.extents.push_back({o.id, span_to, 1, 1, 600, 400, 1, 1, false, true});
    }
    auto st = cat->record_write(r);
    ASSERT_TRUE(st.ok()) << st.to_string();
    st = cat->mark_restorable(o.id, fake_sha(o.id));
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
};

}  // namespace tapeline::catalog::testing
