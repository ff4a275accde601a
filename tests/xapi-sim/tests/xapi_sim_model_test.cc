// The simulated pool's behaviour that the integration test sees only from
// outside: snapshots copy no data, frozen layers keep their bytes through
// later writes, destroys follow XAPI, fills are generated, and the state
// folder reopens as it was.
#include <sys/stat.h>

#include <dirent.h>
#include <gtest/gtest.h>

#include "model.h"
#include "sim_control.h"
#include "state.h"
#include "tapeline/testing/support.h"
#include "workload.h"

namespace xapi_sim {
namespace {

constexpr uint64_t kMiB = 1 << 20;

struct SimModel : tapeline::testing::temp_dir {
  std::unique_ptr<state> st;
  sim_context ctx;
  std::string vm, disk;

  void SetUp() override {
    temp_dir::SetUp();
    init_options o;
    o.vms = 1;
    o.disks_per_vm = 1;
    o.disk_size = 8 * kMiB;   // 4 blocks
    o.fill_bytes = 5 * kMiB;  // 2 generated blocks + a partial one
    o.seed = 9;
    auto s = state::create(path("st"), o);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    st = std::move(s).value();
    ctx.st = st.get();
    vm = resolve_vm(*st, "vm01");
    ASSERT_FALSE(vm.empty());
    for (const auto& [ref, rec] : st->table("VDI").items()) disk = ref;
  }
  std::string sha(const std::string& vdi) {
    auto r = read_vdi(ctx, vdi, "");
    EXPECT_TRUE(r.ok) << r.error.code;
    return r.value;
  }
  std::string disk_of(const std::string& snapshot_vm) {
    for (const auto& vbd : st->find("VM", snapshot_vm)->at("VBDs")) {
      const json& b = *st->find("VBD", vbd);
      if (b["type"] == "Disk") return b["VDI"];
    }
    return {};
  }
  // Layer files and the bytes they occupy on disk.
  std::pair<int, uint64_t> layer_files_usage() {
    int n = 0;
    uint64_t bytes = 0;
    DIR* d = opendir(path("st/layers").c_str());
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      struct stat sb;
      stat((path("st/layers/") + e->d_name).c_str(), &sb);
      ++n;
      bytes += uint64_t(sb.st_blocks) * 512;
    }
    closedir(d);
    return {n, bytes};
  }
};

TEST_F(SimModel, FillIsGeneratedWholeBlocksAndARealTail) {
  std::lock_guard<std::mutex> lk(st->mu);
  const chain c = vdi_chain(*st, disk);
  ASSERT_EQ(c.size(), 2u);  // file leaf over a generated layer
  EXPECT_TRUE(st->layers.get(c[1]).generated);
  EXPECT_EQ(allocated_blocks(st->layers, c, 8 * kMiB),
            (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(owner_of(st->layers, c, 2), c[0]);  // the partial third block
}

TEST_F(SimModel, FilledBytesAreRandomUpToFillAndZeroAfter) {
  ASSERT_TRUE(read_vdi(ctx, disk, path("d.raw")).ok);
  const std::string raw = tapeline::testing::read_file(path("d.raw"));
  ASSERT_EQ(raw.size(), 8 * kMiB);
  EXPECT_EQ(raw.find_first_not_of('\0', 5 * kMiB), std::string::npos);
  // Incompressible: no 4 KiB page of the filled part repeats the first.
  for (uint64_t off = 4096; off < 5 * kMiB; off += 4096)
    ASSERT_NE(raw.compare(off, 4096, raw, 0, 4096), 0) << off;
}

TEST_F(SimModel, SnapshotCopiesNoDataAndKeepsItsBytesThroughANight) {
  const std::string before = sha(disk);
  const auto usage0 = layer_files_usage();
  std::string snap;
  {
    std::lock_guard<std::mutex> lk(st->mu);
    auto r = snapshot_vm(*st, vm, "night1");
    ASSERT_TRUE(r.ok) << r.error.code;
    snap = r.value;
  }
  const auto usage1 = layer_files_usage();
  EXPECT_EQ(usage1.first, usage0.first + 1);  // the live disk's new leaf
  EXPECT_EQ(usage1.second, usage0.second);    // and it is empty
  const std::string snap_disk = disk_of(snap);
  EXPECT_EQ(sha(snap_disk), before);
  std::vector<uint32_t> written;
  {
    std::lock_guard<std::mutex> lk(st->mu);
    auto w = write_blocks(*st, disk, 2, 77);
    ASSERT_TRUE(w.ok());
    written = *w;
    EXPECT_EQ(delta_blocks(st->layers, vdi_chain(*st, disk),
                           vdi_chain(*st, snap_disk), 8 * kMiB),
              written);
  }
  EXPECT_NE(sha(disk), before);
  EXPECT_EQ(sha(snap_disk), before);
}

TEST_F(SimModel, DestroysFollowXapi) {
  std::lock_guard<std::mutex> lk(st->mu);
  auto snap = snapshot_vm(*st, vm, "s");
  ASSERT_TRUE(snap.ok);
  const std::string snap_disk = disk_of(snap.value);
  // A running VM cannot be destroyed, nor its attached disk.
  EXPECT_EQ(destroy_vm(*st, vm).error.code, "VM_BAD_POWER_STATE");
  EXPECT_EQ(destroy_vdi(*st, disk).error.code, "VDI_IN_USE");
  // VM.destroy of the snapshot keeps its VDIs.
  ASSERT_TRUE(destroy_vm(*st, snap.value).ok);
  EXPECT_NE(st->find("VDI", snap_disk), nullptr);
  EXPECT_TRUE(st->find("VM", vm)->at("snapshots").empty());
  // VDI.destroy of the snapshot VDI: the frozen layer still backs the
  // live disk, so it stays.
  const chain live = vdi_chain(*st, disk);
  ASSERT_TRUE(destroy_vdi(*st, snap_disk).ok);
  EXPECT_EQ(vdi_chain(*st, disk), live);
  EXPECT_TRUE(st->find("VDI", disk)->at("snapshots").empty());
}

TEST_F(SimModel, StateReopensAsSaved) {
  std::string snap_disk;
  {
    std::lock_guard<std::mutex> lk(st->mu);
    auto snap = snapshot_vm(*st, vm, "s");
    ASSERT_TRUE(snap.ok);
    snap_disk = disk_of(snap.value);
    ASSERT_TRUE(write_blocks(*st, disk, 1, 5).ok());
  }
  const std::string live = sha(disk), frozen = sha(snap_disk);
  auto again = state::open(path("st"));
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  st = std::move(again).value();
  ctx.st = st.get();
  EXPECT_EQ(sha(disk), live);
  EXPECT_EQ(sha(snap_disk), frozen);
  EXPECT_TRUE(st->table("session").empty());
}

}  // namespace
}  // namespace xapi_sim
