// Sizes and durations as operators write them in configuration files and
// read them in messages (docs/configuration.md, "Units").
//
// Sizes: a whole or decimal number with an optional suffix, case-insensitive.
//   K M G T P, KiB MiB GiB TiB PiB  binary: powers of 1024 ("256K", "64KiB")
//   KB MB GB TB PB                  decimal: powers of 1000 ("1.5TB")
//   B or no suffix                  bytes
// A fraction is rounded down to a whole byte ("1.5T" = 1649267441664).
// Durations: one or more number+unit pairs, e.g. "30s", "1h30m", "14d";
// units ms, s, m, h, d, w. A bare number is refused (is "30" s or min?).
//
// All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"

namespace tapeline {

constexpr uint64_t kib = 1ull << 10;
constexpr uint64_t mib = 1ull << 20;
constexpr uint64_t gib = 1ull << 30;
constexpr uint64_t tib = 1ull << 40;

// Parses a size. Errors (code::invalid_argument) say what was expected.
result<uint64_t> parse_size(std::string_view text);

// The shortest exact configuration spelling: 262144 -> "256K",
// 1048576 -> "1M", 1000 -> "1000". parse_size(format_size_exact(n)) == n.
std::string format_size_exact(uint64_t bytes);

// For humans, binary units with at most one decimal: "256 KiB", "1.5 TiB",
// "512 B".
std::string format_bytes(uint64_t bytes);

// Parses a duration such as "90s", "1h30m", "14d".
result<std::chrono::milliseconds> parse_duration(std::string_view text);

// For humans and configuration: "1h30m", "14d", "250ms", "0s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace tapeline
