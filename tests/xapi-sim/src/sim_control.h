// The simulator's own control methods, `sim.*` over /jsonrpc (never
// confused with XAPI's: XAPI has no class "sim"). Each takes one JSON
// object parameter and needs no session (docs/xapi.md §4):
//   sim.write   {vm?, vdi?, blocks, seed}  a "night": random whole blocks
//   sim.fill    {vdi, bytes?, seed}        incompressible bytes from 0
//   sim.sha256  {vdi}                      SHA-256 of the VDI's raw bytes
//   sim.read    {vdi, path}                the raw bytes into a file
//   sim.blocks  {vdi, base?}               allocated / delta block lists
//   sim.fault   {kind, count?, after_bytes?}; sim.faults; sim.clear_faults
//   sim.expire_sessions
// Thread-safe.
#pragma once

#include <string>

#include "context.h"
#include "model.h"

namespace xapi_sim {

rpc_result<json> sim_call(sim_context& ctx, const std::string& method,
                          const json& params);

// SHA-256 (hex) of the VDI's whole virtual disk, or writes it to `path`
// when not empty. Reads outside the lock.
rpc_result<std::string> read_vdi(sim_context& ctx, const std::string& vdi,
                                 const std::string& path);

}  // namespace xapi_sim
