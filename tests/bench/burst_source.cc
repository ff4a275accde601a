// burst_source: writes N bytes of incompressible data to stdout in bursts,
// for the shoe-shine benchmark. Each cycle writes `burst` bytes at `peak`
// bytes/s, then pauses so that the long-run average is `avg` bytes/s.
//
//   burst_source TOTAL_BYTES AVG_BYTES_PER_S PEAK_BYTES_PER_S BURST_BYTES
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: burst_source TOTAL AVG_BPS PEAK_BPS BURST\n");
    return 2;
  }
  const uint64_t total = std::strtoull(argv[1], nullptr, 10);
  const double avg = std::strtod(argv[2], nullptr);
  const double peak = std::strtod(argv[3], nullptr);
  const uint64_t burst = std::strtoull(argv[4], nullptr, 10);
  std::vector<uint64_t> block(1 << 17);  // 1 MiB
  std::mt19937_64 rng(42);
  using clk = std::chrono::steady_clock;
  const auto start = clk::now();
  uint64_t sent = 0;
  while (sent < total) {
    uint64_t in_burst = 0;
    const auto burst_start = clk::now();
    while (in_burst < burst && sent < total) {
      for (auto& w : block) w = rng();
      size_t n = std::min<uint64_t>(block.size() * 8, total - sent);
      const char* p = reinterpret_cast<const char*>(block.data());
      size_t off = 0;
      while (off < n) {
        ssize_t w = ::write(1, p + off, n - off);
        if (w <= 0) return 1;
        off += static_cast<size_t>(w);
      }
      sent += n;
      in_burst += n;
      // Pace the burst at the peak rate.
      auto due =
          burst_start + std::chrono::duration_cast<clk::duration>(
                            std::chrono::duration<double>(in_burst / peak));
      std::this_thread::sleep_until(due);
    }
    // Pause until the average rate is met.
    auto due = start + std::chrono::duration_cast<clk::duration>(
                           std::chrono::duration<double>(sent / avg));
    std::this_thread::sleep_until(due);
  }
  return 0;
}
