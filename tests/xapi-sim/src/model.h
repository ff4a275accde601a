// The pool's objects and what XAPI does to them: creating the pool at init,
// VDI and VM snapshots, destroys, and writes into a VDI's leaf layer.
// Records carry XAPI's field names (ocaml/idl/datamodel*.ml).
//
// Every function REQUIRES: st.mu held. Errors are XAPI error codes
// (rpc_error) so the JSON-RPC layer can send them as they are.
#pragma once

#include <string>
#include <vector>

#include "state.h"

namespace xapi_sim {

// An XAPI error: code plus parameters, e.g. {"HANDLE_INVALID", {"VM", ref}}.
struct rpc_error {
  std::string code;
  std::vector<std::string> params;
};
template <class T>
struct rpc_result {
  rpc_result(T v) : value(std::move(v)), ok(true) {}  // NOLINT
  rpc_result(rpc_error e) : error(std::move(e)) {}    // NOLINT
  T value{};
  rpc_error error;
  bool ok = false;
};

tapeline::status populate_pool(state& st, const init_options& o);

// A new VDI on the pool's SR with an empty leaf layer.
rpc_result<std::string> create_vdi(state& st, const std::string& name,
                                   uint64_t size);
// VDI.snapshot: the snapshot VDI gets the current leaf, the VDI a new one.
rpc_result<std::string> snapshot_vdi(state& st, const std::string& vdi);
// VM.snapshot (xapi_vm_snapshot.ml, xapi_vm_clone.ml): a template VM with
// is_a_snapshot, snapshot_of, snapshot_time, copies of the VBDs (disks onto
// snapshot VDIs, CDs as they are) and VIFs.
rpc_result<std::string> snapshot_vm(state& st, const std::string& vm,
                                    const std::string& name);
// VM.destroy: the VM, its VBDs and VIFs; never its VDIs.
rpc_result<bool> destroy_vm(state& st, const std::string& vm);
rpc_result<bool> destroy_vbd(state& st, const std::string& vbd);
// VDI.destroy: the VDI and its VBDs; layers nobody reads any more go.
rpc_result<bool> destroy_vdi(state& st, const std::string& vdi);

// The VDI's chain, leaf first.
chain vdi_chain(state& st, const std::string& vdi);
// The layer writes to `vdi` go to: its leaf, or a new leaf when the leaf is
// shared (frozen by a snapshot).
tapeline::result<std::string> writable_leaf(state& st, const std::string& vdi);
// Marks block b written in `leaf`, copying the block up first when
// `partial` and the leaf does not hold it yet.
tapeline::status prepare_block(state& st, const std::string& vdi,
                               const std::string& leaf, uint32_t b,
                               bool partial);
// Recomputes physical_utilisation of every VDI from its leaf.
void refresh_utilisation(state& st);

// A VDI ref from a ref or a uuid (Importexport.vdi_of_req), or "".
std::string resolve_vdi(state& st, const std::string& ref_or_uuid);
// A VM ref from a ref, uuid or name_label, or "".
std::string resolve_vm(state& st, const std::string& key);

}  // namespace xapi_sim
