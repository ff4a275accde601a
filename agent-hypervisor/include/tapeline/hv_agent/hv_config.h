// The hypervisor agent's configuration file (docs/configuration.md,
// "Hypervisor agent"; example: deploy/examples/hv-agent.toml).
//
//   [agent]        name, log_level, syslog, state_dir
//   [xapi]         url, credentials, cafile, verify_tls
//   [coordinator]  address (host:port)
//   [tls]          certificate, key, cafile, passphrase (common/tls.h)
//   [snapshots]    retention, tag
//   [export]       format, chunk, window
//
// Loading checks syntax, types, ranges and unknown keys, and touches no file
// but the configuration itself: the credentials file is read (and its mode
// checked) by xapi::read_credentials() when the agent starts, the TLS files by
// tapeline::validate(). Errors read "FILE:LINE:COLUMN: key 'xapi.url': ...".
#pragma once

#include <spdlog/common.h>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"
#include "tapeline/common/units.h"

namespace tapeline::hv_agent {

struct hv_config {
  std::string file;  // the configuration file it came from
  std::string
      name;  // this host's name in logs and manifests; default: hostname
  spdlog::level::level_enum log_level = spdlog::level::info;
  bool syslog = false;
  // Where `run` keeps its outbox of job reports not yet acknowledged by
  // the coordinator (survives restarts of either side).
  std::string state_dir = "/var/lib/tapeline/hv-agent";

  // XAPI: "unix:///var/lib/xcp/xapi" (dom0's local socket, the default) or
  // "https://HOST[:PORT]".
  std::string xapi_url = "unix:///var/lib/xcp/xapi";
  std::string credentials;  // file holding the XAPI user and password; 0600
  std::string xapi_cafile;  // https only: the pool's CA; empty = system CAs
  bool verify_tls = true;   // https only

  std::string coordinator;  // "HOST:PORT"; empty until a coordinator exists
  tls_options tls;          // mutual TLS to the coordinator and tape agents

  // Snapshots the agent made are kept on the host as delta bases for this
  // long, then deleted by the janitor.
  std::chrono::milliseconds snapshot_retention = std::chrono::hours(24 * 14);
  // other_config key prefix that marks the agent's own snapshots.
  std::string snapshot_tag = "tapeline";

  std::string export_format = "vhd";  // of full exports: "vhd" or "raw"
  uint64_t chunk_bytes = mib;         // payload per stream frame
  uint64_t window_bytes = 4 * mib;    // most bytes on their way to a drive
  uint64_t read_ahead = 0;  // export bytes received ahead on a thread; 0: off
};

result<hv_config> load_hv_config(const std::string& path);

// The same for text in memory; `file` names it in messages and anchors
// relative paths.
result<hv_config> parse_hv_config(std::string_view text,
                                  const std::string& file);

}  // namespace tapeline::hv_agent
