#include "chain.h"

#include <algorithm>
#include <set>

#include "keystream.h"

namespace xapi_sim {

uint32_t block_count(uint64_t virtual_size) {
  return static_cast<uint32_t>((virtual_size + block_size - 1) / block_size);
}

uint32_t layer::allocated() const {
  return static_cast<uint32_t>(std::count(blocks.begin(), blocks.end(), true));
}

const layer& layer_set::add(const std::string& id, const std::string& parent,
                            uint64_t size) {
  layer l;
  l.id = id;
  l.parent = parent;
  l.size = size;
  l.blocks.assign(block_count(size), false);
  return layers_[id] = std::move(l);
}

const layer& layer_set::add_generated(const std::string& id,
                                      const std::string& parent, uint64_t size,
                                      uint64_t seed, uint32_t blocks) {
  layer& l = layers_[id] = add(id, parent, size);
  l.generated = true;
  l.seed = seed;
  for (uint32_t b = 0; b < blocks && b < l.blocks.size(); ++b)
    l.blocks[b] = true;
  return l;
}

void generate_block(uint64_t seed, uint32_t b, char* out, size_t n) {
  keystream(seed, b, out, n);
}

void layer_set::mark(const std::string& id, uint32_t block) {
  auto& l = layers_.at(id);
  if (block >= l.blocks.size()) l.blocks.resize(block + 1, false);
  l.blocks[block] = true;
}

chain layer_set::chain_of(const std::string& leaf) const {
  chain c;
  for (std::string id = leaf; !id.empty();) {
    auto it = layers_.find(id);
    if (it == layers_.end()) break;
    c.push_back(id);
    id = it->second.parent;
  }
  return c;
}

int layer_set::references(const std::string& id,
                          const std::vector<std::string>& vdi_leaves) const {
  int n =
      static_cast<int>(std::count(vdi_leaves.begin(), vdi_leaves.end(), id));
  for (const auto& [_, l] : layers_)
    if (l.parent == id) ++n;
  return n;
}

std::vector<std::string> layer_set::unreachable(
    const std::vector<std::string>& vdi_leaves) const {
  std::set<std::string> live;
  for (const auto& leaf : vdi_leaves)
    for (const auto& id : chain_of(leaf)) live.insert(id);
  std::vector<std::string> out;
  for (const auto& [id, _] : layers_)
    if (!live.count(id)) out.push_back(id);
  return out;
}

namespace {

std::string encode_bits(const std::vector<bool>& bits) {
  static const char* hex = "0123456789abcdef";
  std::string out((bits.size() + 3) / 4, '0');
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i]) {
      int v = (out[i / 4] <= '9') ? out[i / 4] - '0' : out[i / 4] - 'a' + 10;
      out[i / 4] = hex[v | (8 >> (i % 4))];
    }
  return out;
}

bool decode_bits(const std::string& s, size_t n, std::vector<bool>* bits) {
  bits->assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (i / 4 >= s.size()) return false;
    char ch = s[i / 4];
    int v = (ch >= '0' && ch <= '9')   ? ch - '0'
            : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                                       : -1;
    if (v < 0) return false;
    (*bits)[i] = v & (8 >> (i % 4));
  }
  return true;
}

bool holds(const layer& l, uint32_t block) {
  return block < l.blocks.size() && l.blocks[block];
}

}  // namespace

nlohmann::json layer_set::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [id, l] : layers_) {
    j[id] = {{"parent", l.parent},
             {"size", l.size},
             {"blocks", encode_bits(l.blocks)}};
    if (l.generated) j[id]["generated_seed"] = l.seed;
  }
  return j;
}

tapeline::result<layer_set> layer_set::from_json(const nlohmann::json& j) {
  layer_set ls;
  if (!j.is_object())
    return tapeline::make_error(tapeline::code::corrupt,
                                "layers: expected a JSON object");
  for (const auto& [id, v] : j.items()) {
    layer l;
    l.id = id;
    l.parent = v.value("parent", "");
    l.size = v.value("size", uint64_t{0});
    l.generated = v.contains("generated_seed");
    l.seed = v.value("generated_seed", uint64_t{0});
    if (!decode_bits(v.value("blocks", ""), block_count(l.size), &l.blocks))
      return tapeline::make_error(tapeline::code::corrupt,
                                  "layer " + id + ": bad block bitmap");
    ls.layers_[id] = std::move(l);
  }
  return ls;
}

std::string owner_of(const layer_set& ls, const chain& c, uint32_t block) {
  for (const auto& id : c)
    if (holds(ls.get(id), block)) return id;
  return {};
}

namespace {

std::vector<uint32_t> blocks_in_any(const layer_set& ls,
                                    const std::vector<std::string>& layers,
                                    uint64_t virtual_size) {
  std::vector<uint32_t> out;
  const uint32_t n = block_count(virtual_size);
  for (uint32_t b = 0; b < n; ++b)
    for (const auto& id : layers)
      if (holds(ls.get(id), b)) {
        out.push_back(b);
        break;
      }
  return out;
}

}  // namespace

std::vector<uint32_t> allocated_blocks(const layer_set& ls, const chain& c,
                                       uint64_t virtual_size) {
  return blocks_in_any(ls, c, virtual_size);
}

std::vector<uint32_t> delta_blocks(const layer_set& ls, const chain& c,
                                   const chain& base, uint64_t virtual_size) {
  std::set<std::string> a(c.begin(), c.end()), b(base.begin(), base.end());
  std::vector<std::string> diff;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(),
                                std::back_inserter(diff));
  return blocks_in_any(ls, diff, virtual_size);
}

}  // namespace xapi_sim
