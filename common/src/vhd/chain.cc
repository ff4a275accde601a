// Chain merge (docs/vhd.md §7).
#include "tapeline/vhd/chain.h"

#include <algorithm>
#include <cstring>

namespace tapeline::vhd {
namespace {

uint32_t chain_block_size(const chain& c) {
  return c.vhd_base ? c.vhd_base->header().block_size : default_block_size;
}

bool any_layer_has(const chain& c, uint32_t i) {
  if (c.raw_base || c.vhd_base->has_block(i)) return true;
  for (image* d : c.deltas)
    if (d->has_block(i)) return true;
  return false;
}

// Block i of the merged disk. Returns false (and leaves data zero) when no
// layer holds it. data is block_size bytes; bitmap says which sectors some
// layer holds.
result<bool> merged_block(const chain& c, uint32_t i, uint32_t bs,
                          std::string* bitmap, std::string* data) {
  const uint32_t bm_len = bitmap_bytes(bs);
  bitmap->assign(bm_len, '\0');
  data->assign(bs, '\0');
  bool present = false;
  std::string lbm, ldata;
  if (c.raw_base) {
    uint64_t at = uint64_t(i) * bs;
    uint64_t n = std::min<uint64_t>(bs, c.raw_base->size() - at);
    TL_RETURN_IF_ERROR(c.raw_base->read_at(at, size_t(n), &ldata));
    std::memcpy(&(*data)[0], ldata.data(), ldata.size());
    bitmap->assign(bm_len, '\xff');
    present = true;
  } else if (c.vhd_base->has_block(i)) {
    TL_RETURN_IF_ERROR(c.vhd_base->read_block(i, bitmap, data));
    zero_absent_sectors(*bitmap, data);
    present = true;
  }
  for (image* d : c.deltas) {
    if (!d->has_block(i)) continue;
    TL_RETURN_IF_ERROR(d->read_block(i, &lbm, &ldata));
    present = true;
    if (bitmap_full(lbm, bs)) {
      data->swap(ldata);
      bitmap->assign(bm_len, '\xff');
      continue;
    }
    for (uint32_t s = 0; s < bs / sector_size; ++s) {
      if (!bitmap_test(lbm, s)) continue;
      std::memcpy(&(*data)[size_t(s) * sector_size],
                  &ldata[size_t(s) * sector_size], sector_size);
      bitmap_set(bitmap, s);
    }
  }
  return present;
}

}  // namespace

uint64_t chain_size(const chain& c) {
  return c.vhd_base ? c.vhd_base->footer().current_size : c.raw_base->size();
}

status check_chain(const chain& c, const merge_options& opt) {
  if ((c.vhd_base == nullptr) == (c.raw_base == nullptr))
    return make_error(code::invalid_argument,
                      "vhd chain needs exactly one base: a VHD or a raw image");
  const uint64_t size = chain_size(c);
  const uint32_t bs = chain_block_size(c);
  if (c.vhd_base && c.vhd_base->footer().type != disk_type::dynamic)
    return make_error(code::invalid_argument,
                      "vhd chain base is a " +
                          std::string(to_string(c.vhd_base->footer().type)) +
                          " disk; it must be dynamic (or a raw image)");
  if (c.raw_base && size % sector_size != 0)
    return make_error(code::invalid_argument,
                      c.raw_base->name() + ": raw base size " +
                          std::to_string(size) + " is not a multiple of 512");
  const uuid* below = c.vhd_base ? &c.vhd_base->footer().unique_id : nullptr;
  for (size_t k = 0; k < c.deltas.size(); ++k) {
    const image& d = *c.deltas[k];
    std::string which = "vhd chain delta " + std::to_string(k + 1);
    if (d.footer().type != disk_type::differencing)
      return make_error(code::invalid_argument,
                        which + " is a " +
                            std::string(to_string(d.footer().type)) +
                            " disk, not a differencing one");
    if (d.footer().current_size != size)
      return make_error(code::invalid_argument,
                        which + " has size " +
                            std::to_string(d.footer().current_size) +
                            " but its base has " + std::to_string(size));
    if (d.header().block_size != bs)
      return make_error(code::invalid_argument,
                        which + " has block size " +
                            std::to_string(d.header().block_size) +
                            " but its base has " + std::to_string(bs));
    if (opt.check_parent_ids && below && d.header().parent_id != *below)
      return make_error(code::invalid_argument,
                        which + " names parent " +
                            to_string(d.header().parent_id) +
                            " but the layer below is " + to_string(*below) +
                            "; the chain is out of order or mixed");
    below = &d.footer().unique_id;
  }
  return status::ok_status();
}

status merge_to_raw(const chain& c, byte_sink* out, const merge_options& opt) {
  TL_RETURN_IF_ERROR(check_chain(c, opt));
  const uint32_t bs = chain_block_size(c);
  std::string bitmap, data;
  uint64_t left = chain_size(c);
  for (uint32_t i = 0; left > 0; ++i) {
    auto present = merged_block(c, i, bs, &bitmap, &data);
    if (!present.ok()) return present.error();
    size_t n = size_t(std::min<uint64_t>(left, bs));
    TL_RETURN_IF_ERROR(out->write(std::string_view(data).substr(0, n)));
    left -= n;
  }
  return status::ok_status();
}

status merge_to_vhd(const chain& c, disk_params params, byte_sink* out,
                    const merge_options& opt) {
  TL_RETURN_IF_ERROR(check_chain(c, opt));
  const uint32_t bs = chain_block_size(c);
  if (bs != default_block_size)
    return make_error(code::invalid_argument,
                      "vhd merge to VHD needs 2 MiB blocks; the chain has " +
                          std::to_string(bs));
  params.size = chain_size(c);
  params.type = disk_type::dynamic;
  const uint32_t count = uint32_t((params.size + bs - 1) / bs);
  std::vector<uint32_t> blocks;
  for (uint32_t i = 0; i < count; ++i)
    if (any_layer_has(c, i)) blocks.push_back(i);
  auto w = stream_writer::start(params, blocks, out);
  if (!w.ok()) return w.error();
  std::string bitmap, data;
  for (uint32_t i : blocks) {
    auto present = merged_block(c, i, bs, &bitmap, &data);
    if (!present.ok()) return present.error();
    TL_RETURN_IF_ERROR(w->add_block(i, bitmap, data));
  }
  return w->finish();
}

}  // namespace tapeline::vhd
