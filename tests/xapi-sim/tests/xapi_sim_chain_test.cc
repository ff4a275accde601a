// The layer chain and the choice of blocks for full and delta exports,
// checked against the rule of ocaml-vhd's include_block (docs/xapi.md §3).
#include "chain.h"

#include <gtest/gtest.h>

namespace xapi_sim {
namespace {

constexpr uint64_t kSize = 16 * block_size;  // 16 blocks

// Builds: root (blocks 0,1) <- night1 (blocks 1,5) <- leaf (block 9).
layer_set three_layers() {
  layer_set ls;
  ls.add("root", "", kSize);
  ls.mark("root", 0);
  ls.mark("root", 1);
  ls.add("night1", "root", kSize);
  ls.mark("night1", 1);
  ls.mark("night1", 5);
  ls.add("leaf", "night1", kSize);
  ls.mark("leaf", 9);
  return ls;
}

TEST(SimChain, WalksFromLeafToRoot) {
  layer_set ls = three_layers();
  EXPECT_EQ(ls.chain_of("leaf"), (chain{"leaf", "night1", "root"}));
  EXPECT_EQ(ls.chain_of("root"), (chain{"root"}));
}

TEST(SimChain, BlockReadsFromTheNearestLayer) {
  layer_set ls = three_layers();
  const chain c = ls.chain_of("leaf");
  EXPECT_EQ(owner_of(ls, c, 0), "root");
  EXPECT_EQ(owner_of(ls, c, 1), "night1");  // overwritten on night 1
  EXPECT_EQ(owner_of(ls, c, 9), "leaf");
  EXPECT_EQ(owner_of(ls, c, 3), "");  // never written: zeros
}

TEST(SimChain, FullExportCarriesEveryBlockOfTheChain) {
  layer_set ls = three_layers();
  EXPECT_EQ(allocated_blocks(ls, ls.chain_of("leaf"), kSize),
            (std::vector<uint32_t>{0, 1, 5, 9}));
}

TEST(SimChain, DeltaAgainstAnAncestorCarriesTheNewerLayers) {
  layer_set ls = three_layers();
  // Snapshot 1 froze "root"; snapshot 2 froze "night1".
  EXPECT_EQ(delta_blocks(ls, ls.chain_of("night1"), ls.chain_of("root"), kSize),
            (std::vector<uint32_t>{1, 5}));
  EXPECT_EQ(delta_blocks(ls, ls.chain_of("leaf"), ls.chain_of("root"), kSize),
            (std::vector<uint32_t>{1, 5, 9}));
  EXPECT_TRUE(delta_blocks(ls, ls.chain_of("leaf"), ls.chain_of("leaf"), kSize)
                  .empty());
}

TEST(SimChain, DeltaBetweenBranchesIsTheSymmetricDifference) {
  layer_set ls = three_layers();
  // A sibling branch off night1 (e.g. a VDI.snapshot later written to).
  ls.add("branch", "night1", kSize);
  ls.mark("branch", 12);
  // From "leaf" relative to "branch": revert branch's block 12, add leaf's 9.
  EXPECT_EQ(delta_blocks(ls, ls.chain_of("leaf"), ls.chain_of("branch"), kSize),
            (std::vector<uint32_t>{9, 12}));
  // A newer base than the VDI (base's layers are not in the VDI's chain).
  EXPECT_EQ(delta_blocks(ls, ls.chain_of("root"), ls.chain_of("night1"), kSize),
            (std::vector<uint32_t>{1, 5}));
}

TEST(SimChain, ReferencesAndUnreachableLayers) {
  layer_set ls = three_layers();
  EXPECT_EQ(ls.references("night1", {"leaf", "night1"}), 2);  // child + VDI
  EXPECT_EQ(ls.references("leaf", {"leaf"}), 1);
  EXPECT_EQ(ls.unreachable({"night1"}), (std::vector<std::string>{"leaf"}));
}

TEST(SimChain, JsonRoundTripKeepsBlocksAndParents) {
  layer_set ls = three_layers();
  ls.add("odd", "", 3 * block_size + 512);  // 4 blocks, the last partial
  ls.mark("odd", 3);
  auto back = layer_set::from_json(ls.to_json());
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  for (const auto& [id, l] : ls.all()) {
    EXPECT_EQ(back->get(id).parent, l.parent) << id;
    EXPECT_EQ(back->get(id).blocks, l.blocks) << id;
  }
  EXPECT_FALSE(layer_set::from_json(
                   {{"x", {{"size", 4 * block_size}, {"blocks", "zz"}}}})
                   .ok());
}

TEST(SimChain, BlockCountRoundsUp) {
  EXPECT_EQ(block_count(0), 0u);
  EXPECT_EQ(block_count(block_size), 1u);
  EXPECT_EQ(block_count(block_size + 1), 2u);
}

}  // namespace
}  // namespace xapi_sim
