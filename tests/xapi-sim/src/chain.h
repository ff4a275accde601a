// The simulated SR's storage model, as a VHD SR keeps it: a VDI is a chain
// of layers, leaf first; each layer holds some 2 MiB blocks. A snapshot
// freezes the leaf (the snapshot VDI points at it) and the live VDI gets a
// new empty leaf on top, so nothing is copied. A block reads from the first
// layer of the chain that holds it, or as zeros.
//
// Pure: no I/O (the bytes live in layer files, see layer_files.h).
// layer_set is a value; not thread-safe (the db's mutex guards it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tapeline/common/status.h"

namespace xapi_sim {

constexpr uint64_t block_size = 2ull << 20;  // the VHD SR's block size

// Blocks needed for a disk of `virtual_size` bytes (the last may be partial).
uint32_t block_count(uint64_t virtual_size);

struct layer {
  std::string id;      // a uuid; also names the layer's file
  std::string parent;  // "" at the root of a chain
  uint64_t size = 0;   // the virtual size it was made for
  std::vector<bool> blocks;
  // A generated layer has no file: block b's bytes are generate_block(
  // seed, b). Fills use them, so filling 4 GiB costs no disk writes. Such a
  // layer is frozen from birth (a file leaf always sits on top of it).
  bool generated = false;
  uint64_t seed = 0;
  uint32_t allocated() const;
};

// The bytes of block b of a generated layer (n <= block_size).
void generate_block(uint64_t seed, uint32_t b, char* out, size_t n);

using chain = std::vector<std::string>;  // layer ids, leaf first

class layer_set {
 public:
  // A new empty layer on top of `parent` ("" for none). REQUIRES: parent
  // exists when not empty.
  const layer& add(const std::string& id, const std::string& parent,
                   uint64_t size);
  // A generated layer holding blocks [0, blocks).
  const layer& add_generated(const std::string& id, const std::string& parent,
                             uint64_t size, uint64_t seed, uint32_t blocks);
  bool contains(const std::string& id) const { return layers_.count(id); }
  // REQUIRES: contains(id).
  const layer& get(const std::string& id) const { return layers_.at(id); }
  void mark(const std::string& id, uint32_t block);
  void erase(const std::string& id) { layers_.erase(id); }
  const std::map<std::string, layer>& all() const { return layers_; }

  // The chain from `leaf` down to its root.
  chain chain_of(const std::string& leaf) const;
  // Number of layers (leaves of VDIs and parents of layers) that refer to
  // `id`, given the VDIs' leaves.
  int references(const std::string& id,
                 const std::vector<std::string>& vdi_leaves) const;
  // Layers reachable from none of `vdi_leaves`.
  std::vector<std::string> unreachable(
      const std::vector<std::string>& vdi_leaves) const;

  nlohmann::json to_json() const;
  static tapeline::result<layer_set> from_json(const nlohmann::json& j);

 private:
  std::map<std::string, layer> layers_;
};

// The layer of `c` that holds `block`, or "" when none does (zeros).
std::string owner_of(const layer_set& ls, const chain& c, uint32_t block);

// Blocks held by any layer of `c`, ascending: what a full VHD export
// carries (ocaml-vhd vhd_format/f.ml, include_block with from = None:
// in_any_bat).
std::vector<uint32_t> allocated_blocks(const layer_set& ls, const chain& c,
                                       uint64_t virtual_size);

// Blocks a delta export of `c` relative to `base` carries, ascending:
// those held by any layer in the symmetric difference of the two chains
// (ocaml-vhd vhd_format/f.ml, include_block with from = Some _: "revert
// changes specific to the from branch, include changes specific to t").
std::vector<uint32_t> delta_blocks(const layer_set& ls, const chain& c,
                                   const chain& base, uint64_t virtual_size);

}  // namespace xapi_sim
