// Fuzz target: the forward-only VHD parser (common/vhd/stream_parser.h) as
// the hypervisor agent runs it on XAPI's export stream.
//
// Input: u8 feed size (bytes arrive in pieces of 1 + 16*that), then the
// stream. Invariants: each block handed out has a BAT index inside the
// table, a bitmap of bitmap_bytes(block_size) and block_size bytes of data.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tapeline/vhd/stream_parser.h"

using namespace tapeline;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::byte_reader in(data, size);
  const size_t step = 1 + 16 * size_t(in.u8());
  const bool validate_only = in.u8() & 1;
  vhd::stream_parser* self = nullptr;
  auto on_block = [&](uint32_t index, std::string_view bitmap,
                      std::string_view block) -> status {
    const auto& h = self->header();
    FUZZ_CHECK(index < self->bat().size(), "block %u outside a %zu-entry BAT",
               index, self->bat().size());
    FUZZ_CHECK(bitmap.size() == vhd::bitmap_bytes(h.block_size),
               "bitmap of %zu bytes", bitmap.size());
    FUZZ_CHECK(block.size() == h.block_size, "block of %zu bytes, not %u",
               block.size(), h.block_size);
    return {};
  };
  vhd::stream_parser p(validate_only
                           ? vhd::stream_parser::block_handler()
                           : vhd::stream_parser::block_handler(on_block),
                       "fuzz stream");
  self = &p;
  while (!in.empty())
    if (!p.feed(in.bytes(step)).ok()) return 0;
  (void)p.finish();
  return 0;
}
