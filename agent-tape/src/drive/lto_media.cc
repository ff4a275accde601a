// Nominal LTO figures (native, uncompressed), from the LTO generation specs.
#include <algorithm>

#include "cartridge_file.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {
namespace {

struct lto_figures {
  const char* name;
  double capacity;     // bytes
  double native_rate;  // bytes/s
  double min_rate;     // slowest speed-matching rate, bytes/s
};

constexpr lto_figures generations[] = {
    {"LTO-1", 100e9, 20e6, 10e6},   {"LTO-2", 200e9, 40e6, 13e6},
    {"LTO-3", 400e9, 80e6, 27e6},   {"LTO-4", 800e9, 120e6, 40e6},
    {"LTO-5", 1.5e12, 140e6, 40e6}, {"LTO-6", 2.5e12, 160e6, 40e6},
    {"LTO-7", 6e12, 300e6, 100e6},  {"LTO-8", 12e12, 360e6, 112e6},
    {"LTO-9", 18e12, 400e6, 177e6},
};

const lto_figures& figures(const std::string& media_type) {
  for (const auto& g : generations)
    if (media_type == g.name) return g;
  return generations[4];  // LTO-5
}

}  // namespace

speed_model_options lto_speed(const std::string& media_type) {
  const auto& g = figures(media_type);
  speed_model_options o;
  o.enabled = true;
  o.native_rate = g.native_rate;
  o.min_rate = g.min_rate;
  return o;
}

uint64_t lto_capacity(const std::string& media_type) {
  return static_cast<uint64_t>(figures(media_type).capacity);
}

cartridge_spec resolve_spec(cartridge_spec spec) {
  if (spec.capacity_bytes == 0)
    spec.capacity_bytes = lto_capacity(spec.media_type);
  if (spec.early_warning_bytes == 0) {
    uint64_t ew = std::max<uint64_t>(spec.capacity_bytes / 100, 4ull << 20);
    spec.early_warning_bytes = std::min(ew, spec.capacity_bytes / 4);
  }
  return spec;
}

}  // namespace tapeline::drive
