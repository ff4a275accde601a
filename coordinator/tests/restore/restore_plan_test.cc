// plan_reads and progress_meter: pure pieces of a restore, no network.
#include <gtest/gtest.h>

#include "tapeline/restore/progress.h"
#include "tapeline/restore/restore_vdi.h"

namespace tapeline::restore {
namespace {

catalog::restore_step step(const std::string& id, uint64_t bytes,
                           std::vector<catalog::extent> ex) {
  catalog::restore_step s;
  s.obj.id = id;
  s.obj.vm_name = "vm01";
  s.obj.kind = "vdi_full";
  s.obj.payload_bytes = bytes;
  for (auto& e : ex) e.object_id = id;
  s.extents = std::move(ex);
  return s;
}

catalog::extent ext(const std::string& tape, uint32_t file, uint32_t part,
                    uint64_t off, uint64_t len) {
  catalog::extent e;
  e.barcode = tape;
  e.file_number = file;
  e.part = part;
  e.payload_offset = off;
  e.payload_length = len;
  return e;
}

TEST(plan_reads, ObjectsInChainOrderPartsInPartOrder) {
  catalog::restore_chain c;
  // The full spans two tapes; the catalog lists its parts out of order.
  c.steps.push_back(
      step("full", 300, {ext("T2", 1, 1, 200, 100), ext("T1", 5, 0, 0, 200)}));
  c.steps.push_back(step("d1", 50, {ext("T2", 2, 0, 0, 50)}));
  auto p = plan_reads(c);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].extent.barcode, "T1");
  EXPECT_EQ((*p)[0].object_index, 0u);
  EXPECT_EQ((*p)[1].extent.barcode, "T2");
  EXPECT_EQ((*p)[1].extent.part, 1u);
  EXPECT_EQ((*p)[2].object_index, 1u);
}

TEST(plan_reads, RefusesAGapNamingTheObjectAndTape) {
  catalog::restore_chain c;
  c.steps.push_back(
      step("full", 300, {ext("T1", 5, 0, 0, 200), ext("T2", 1, 1, 250, 50)}));
  auto p = plan_reads(c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("object full"), std::string::npos);
  EXPECT_NE(p.error().message().find("T2 file 1"), std::string::npos);
}

TEST(plan_reads, RefusesPartsShorterThanTheObject) {
  catalog::restore_chain c;
  c.steps.push_back(step("full", 300, {ext("T1", 5, 0, 0, 200)}));
  EXPECT_FALSE(plan_reads(c).ok());
  EXPECT_FALSE(plan_reads(catalog::restore_chain{}).ok());
}

TEST(progress_meter, RateAndEtaFromTheTimePassedIn) {
  progress_meter m(1000, 10.0);
  EXPECT_FALSE(m.eta(10.0).has_value());
  m.add(250, 12.0);
  EXPECT_DOUBLE_EQ(m.rate(12.0), 125.0);  // 250 bytes in 2 s
  ASSERT_TRUE(m.eta(12.0).has_value());
  EXPECT_DOUBLE_EQ(*m.eta(12.0), 6.0);  // 750 left at 125/s
  std::string line = m.line(12.0);
  EXPECT_NE(line.find("(25%)"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:06"), std::string::npos) << line;
}

TEST(progress_meter, DueAtMostOncePerInterval) {
  progress_meter m(0, 0.0);
  EXPECT_FALSE(m.due(0.5));
  EXPECT_TRUE(m.due(1.0));
  EXPECT_FALSE(m.due(1.5));
  EXPECT_TRUE(m.due(2.1));
  EXPECT_FALSE(m.eta(3.0).has_value());  // total unknown
}

}  // namespace
}  // namespace tapeline::restore
