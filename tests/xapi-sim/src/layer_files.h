// The bytes of the simulated SR: one sparse file per layer,
// STATE/layers/<layer-id>.img, block b at offset b * 2 MiB.
//
// chain_view is a snapshot of which layer holds each block of a VDI, taken
// under the database lock; chain_reader then reads the blocks without the
// lock (layers are never rewritten once frozen, and an unlinked layer stays
// readable through the descriptors the reader holds). Not thread-safe per
// object; each export builds its own reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain.h"
#include "tapeline/common/status.h"

namespace xapi_sim {

class layer_files {
 public:
  explicit layer_files(std::string dir) : dir_(std::move(dir)) {}
  std::string path(const std::string& id) const;
  tapeline::status create(const std::string& id, uint64_t size) const;
  void remove(const std::string& id) const;
  // Writes `n` bytes at `offset` of the layer's file.
  tapeline::status write(const std::string& id, uint64_t offset,
                         const void* data, size_t n) const;
  // Copies block `block` (whole, clipped to `size`) from `from` to `to`.
  tapeline::status copy_block(const std::string& from, const std::string& to,
                              uint32_t block, uint64_t size) const;

 private:
  std::string dir_;
};

struct chain_view {
  uint64_t size = 0;                // the VDI's virtual size
  std::vector<std::string> layers;  // the files the view reads
  std::vector<int> owner;           // per block: index into layers, or -1
  std::vector<bool> generated;      // per layer: no file, bytes generated
  std::vector<uint64_t> seeds;      // per layer: generate_block's seed
};

chain_view make_view(const layer_set& ls, const chain& c, uint64_t size);

class chain_reader {
 public:
  ~chain_reader();
  static tapeline::result<std::unique_ptr<chain_reader>> open(
      const layer_files& files, chain_view view);
  const chain_view& view() const { return view_; }
  // Bytes of block `b` (2 MiB, or less for the disk's last block).
  uint64_t block_bytes(uint32_t b) const;
  // The descriptor holding block b, or -1 when it reads as zeros or is
  // generated; the block sits at b * block_size in that file.
  int fd_of(uint32_t b) const;
  // True when no layer holds block b.
  bool is_zero(uint32_t b) const { return view_.owner[b] < 0; }
  // Reads block b into out (block_bytes(b) bytes).
  tapeline::status read_block(uint32_t b, char* out) const;

 private:
  chain_reader() = default;
  chain_view view_;
  std::vector<int> fds_;
};

}  // namespace xapi_sim
