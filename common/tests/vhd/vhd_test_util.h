// Helpers shared by the VHD tests: a seeded sparse disk model, temp files and
// running the oracles (qemu-img, qemu-io, vhdiinfo).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "tapeline/testing/support.h"
#include "tapeline/vhd/stream_writer.h"

namespace tapeline::vhd::testing {

using tapeline::testing::run;
using tapeline::testing::temp_dir;

inline std::string slurp(const std::string& path) {
  return tapeline::testing::read_file(path);
}

inline void save(const std::string& path, const std::string& bytes) {
  tapeline::testing::write_file(path, bytes);
}

// One layer of a disk as the test builds it: block index -> bitmap + data.
struct layer_model {
  std::map<uint32_t, std::pair<std::string, std::string>> blocks;
};

inline uuid uuid_from(std::mt19937_64& rng) {
  uuid id;
  for (auto& b : id) b = uint8_t(rng());
  id[6] = uint8_t((id[6] & 0x0F) | 0x40);
  id[8] = uint8_t((id[8] & 0x3F) | 0x80);
  return id;
}

inline std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = char(v >> (8 * k));
  }
  return s;
}

// A full layer: `count` random blocks of `total`, every sector present.
inline layer_model random_full(std::mt19937_64& rng, uint32_t total,
                               uint32_t count) {
  layer_model m;
  while (m.blocks.size() < count) {
    uint32_t i = uint32_t(rng() % total);
    m.blocks[i] = {full_bitmap(), random_bytes(rng, default_block_size)};
  }
  return m;
}

// A delta layer: `count` random blocks, each holding a few random runs of
// sectors. Sectors outside the runs hold garbage that a correct reader must
// ignore, since their bitmap bit is clear.
inline layer_model random_delta(std::mt19937_64& rng, uint32_t total,
                                uint32_t count) {
  layer_model m;
  const uint32_t sectors = default_block_size / sector_size;
  while (m.blocks.size() < count) {
    uint32_t i = uint32_t(rng() % total);
    std::string bitmap(bitmap_bytes(default_block_size), '\0');
    for (int run = 0; run < 3; ++run) {
      uint32_t start = uint32_t(rng() % sectors);
      uint32_t len = 1 + uint32_t(rng() % 300);
      for (uint32_t s = start; s < sectors && s < start + len; ++s)
        bitmap_set(&bitmap, s);
    }
    m.blocks[i] = {bitmap, random_bytes(rng, default_block_size)};
  }
  return m;
}

// Applies a layer to a flat raw image, sector by sector, by the bitmap.
// Written independently of the library's merge on purpose.
inline void apply_layer(const layer_model& m, std::string* raw) {
  for (const auto& [index, bd] : m.blocks) {
    for (uint32_t s = 0; s < default_block_size / sector_size; ++s) {
      uint8_t byte = uint8_t(bd.first[s / 8]);
      if (!(byte & (0x80 >> (s % 8)))) continue;
      uint64_t at = uint64_t(index) * default_block_size + uint64_t(s) * 512;
      if (at >= raw->size()) continue;
      raw->replace(at, 512, bd.second.substr(size_t(s) * 512, 512));
    }
  }
}

// Writes a layer through stream_writer into a string.
inline std::string write_vhd(const disk_params& p, const layer_model& m) {
  std::string out;
  string_sink sink(&out);
  std::vector<uint32_t> idx;
  for (const auto& kv : m.blocks) idx.push_back(kv.first);
  auto w = stream_writer::start(p, idx, &sink);
  EXPECT_TRUE(w.ok()) << w.error().to_string();
  if (!w.ok()) return out;
  for (const auto& [i, bd] : m.blocks) {
    status st = w->add_block(i, bd.first, bd.second);
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  status st = w->finish();
  EXPECT_TRUE(st.ok()) << st.to_string();
  return out;
}

}  // namespace tapeline::vhd::testing
