// Fuzz target: random-access VHD reading (common/vhd/image.h), as
// tapeline-vhd and tapeline-extract read restored files: open, parent
// locators, a few blocks and, for small disks, the whole raw rendering.
//
// Invariant: render_raw writes exactly current_size bytes when it succeeds.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "tapeline/vhd/image.h"

using namespace tapeline;

namespace {

class counting_sink final : public vhd::byte_sink {
 public:
  status write(std::string_view bytes) override {
    n += bytes.size();
    return {};
  }
  uint64_t n = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vhd::memory_source src(
      std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.vhd");
  auto img = vhd::image::open(&src);
  if (!img) return 0;
  for (uint32_t i = 0; i < vhd::parent_locator_count; ++i)
    (void)img->locator_data(i);
  std::string bitmap, block;
  int read = 0;
  for (uint32_t i = 0; i < img->block_count() && read < 4; ++i) {
    if (!img->has_block(i)) continue;
    ++read;
    if (img->read_block(i, &bitmap, &block).ok())
      FUZZ_CHECK(block.size() == img->header().block_size,
                 "block %u: %zu bytes", i, block.size());
  }
  // Rendering a big sparse disk is slow, not wrong: only small ones.
  if (img->footer().current_size <= (16u << 20)) {
    counting_sink out;
    if (img->render_raw(&out).ok())
      FUZZ_CHECK(out.n == img->footer().current_size,
                 "rendered %llu bytes of a %llu-byte disk",
                 (unsigned long long)out.n,
                 (unsigned long long)img->footer().current_size);
  }
  return 0;
}
