// The tape agent's configuration file (docs/configuration.md, "Tape agent";
// example: deploy/examples/tape-agent.toml).
//
//   [agent]     listen, port, log_level, syslog, extract_binary
//   [tls]       certificate, key, cafile, passphrase (common/tls.h)
//   [[drive]]   name, backend, device | slot_dir + library_dir, media_type,
//               pool, record_size, buffer, speed_model, autoload,
//               extract_binary
//
// Loading checks syntax, types, ranges, unknown keys and the rules between
// keys (unique names and devices, keys that belong to the other backend). It
// touches no file but the configuration itself: validate the TLS files with
// tapeline::validate() and open the drives afterwards. Every error reads
// "FILE:LINE:COLUMN: key 'drive[1].record_size': ...".
#pragma once

#include <spdlog/common.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/common/config.h"
#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"
#include "tapeline/common/units.h"

namespace tapeline::tape_agent {

struct drive_config {
  std::string name;              // unique; [A-Za-z0-9_.-]+
  std::string backend;           // "st" or "virtual"
  std::string device;            // st: non-rewinding device, e.g. /dev/nst0
  std::string slot_dir;          // virtual: where the loaded cartridge lives
  std::string library_dir;       // virtual: the shelf of cartridges
  std::string media_type;        // "LTO-1" ... "LTO-9"
  std::string pool = "default";  // media pool of the tapes it labels
  uint64_t record_size = 256 * kib;  // 64K, 256K or 1M
  uint64_t buffer = 512 * mib;       // RAM buffer, at least 16M
  bool speed_model = false;          // virtual only: simulate LTO speed
  bool autoload = false;  // virtual only: at end of medium, load the next
                          // blank cartridge from library_dir
  // tapeline-extract to write as the tools file of every tape this drive
  // labels (docs/tape-format.md §2); "" for none; unset: [agent]'s.
  std::optional<std::string> extract_binary;
  config::location where;  // the [[drive]] header
};

struct agent_config {
  std::string file;  // the configuration file it came from
  std::string listen = "127.0.0.1";
  uint16_t port = 4711;
  spdlog::level::level_enum log_level = spdlog::level::info;
  bool syslog = false;  // also log to syslog
  // Unset: tapeline-extract next to the agent's own executable.
  std::optional<std::string> extract_binary;
  tls_options tls;
  // [coordinator]: report to it (HOST:PORT); empty: run on our own.
  std::string coordinator;
  // HOST:PORT hv agents use to reach this agent; empty: listen:port.
  std::string advertise;
  std::vector<drive_config> drives;  // at least one, in file order
};

// The tools binary drive `d` writes onto the tapes it labels: its own
// extract_binary, else [agent]'s, else `default_path`. "" means none.
std::string extract_binary_for(const agent_config& cfg, const drive_config& d,
                               const std::string& default_path);

// Reads and checks a tape agent configuration file.
result<agent_config> load_agent_config(const std::string& path);

// The same for text in memory; `file` names it in messages and anchors
// relative paths.
result<agent_config> parse_agent_config(std::string_view text,
                                        const std::string& file);

}  // namespace tapeline::tape_agent
