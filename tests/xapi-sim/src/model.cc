#include "model.h"

#include <algorithm>
#include <cctype>
#include <memory>

#include "records.h"
#include "workload.h"

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;
using tapeline::status;

namespace {

json empty_map() {
  return json::object();
}
json empty_set() {
  return json::array();
}

std::string lower(const json& v) {
  std::string s = v.get<std::string>();
  for (auto& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

void set_remove(json& set, const std::string& v) {
  auto it = std::find(set.begin(), set.end(), v);
  if (it != set.end()) set.erase(it);
}

std::vector<std::string> vdi_leaves(state& st) {
  std::vector<std::string> out;
  for (const auto& [_, leaf] : st.vdi_leaf) out.push_back(leaf);
  return out;
}

void collect_garbage(state& st) {
  for (const auto& id : st.layers.unreachable(vdi_leaves(st))) {
    st.layers.erase(id);
    st.files().remove(id);
  }
}
}  // namespace

chain vdi_chain(state& st, const std::string& vdi) {
  auto it = st.vdi_leaf.find(vdi);
  return it == st.vdi_leaf.end() ? chain{} : st.layers.chain_of(it->second);
}

tapeline::result<std::string> writable_leaf(state& st, const std::string& vdi) {
  const std::string leaf = st.vdi_leaf.at(vdi);
  if (st.layers.references(leaf, vdi_leaves(st)) <= 1) return leaf;
  const uint64_t size = st.find("VDI", vdi)->at("virtual_size");
  const std::string fresh = new_uuid();
  TL_RETURN_IF_ERROR(st.files().create(fresh, size));
  st.layers.add(fresh, leaf, size);
  st.vdi_leaf[vdi] = fresh;
  return fresh;
}

tapeline::status prepare_block(state& st, const std::string& vdi,
                               const std::string& leaf, uint32_t b,
                               bool partial) {
  const auto& l = st.layers.get(leaf);
  if (b < l.blocks.size() && l.blocks[b]) return status::ok_status();
  if (partial) {
    const std::string from = owner_of(st.layers, vdi_chain(st, vdi), b);
    const layer& src = from.empty() ? l : st.layers.get(from);
    if (!from.empty() && src.generated) {
      const uint64_t off = uint64_t{b} * block_size;
      const size_t n = static_cast<size_t>(std::min(block_size, l.size - off));
      std::unique_ptr<char[]> buf(new char[n]);
      generate_block(src.seed, b, buf.get(), n);
      TL_RETURN_IF_ERROR(st.files().write(leaf, off, buf.get(), n));
    } else if (!from.empty()) {
      TL_RETURN_IF_ERROR(st.files().copy_block(from, leaf, b, l.size));
    }
  }
  st.layers.mark(leaf, b);
  return status::ok_status();
}

void refresh_utilisation(state& st) {
  uint64_t total = 0, virt = 0;
  for (auto& [ref, rec] : st.table("VDI").items()) {
    auto it = st.vdi_leaf.find(ref);
    if (it == st.vdi_leaf.end()) continue;
    const uint64_t blocks = st.layers.get(it->second).allocated();
    // A VHD file: footer, header, BAT, and a bitmap sector per block.
    const uint64_t phys = 3 * 512 + 4 * block_count(rec["virtual_size"]) +
                          blocks * (block_size + 512);
    rec["physical_utilisation"] = phys;
    total += phys;
    virt += rec["virtual_size"].get<uint64_t>();
  }
  for (auto& [_, sr] : st.table("SR").items()) {
    sr["physical_utilisation"] = total;
    sr["virtual_allocation"] = virt;
  }
}

rpc_result<std::string> snapshot_vdi(state& st, const std::string& vdi) {
  json* rec = st.find("VDI", vdi);
  if (!rec) return rpc_error{"HANDLE_INVALID", {"VDI", vdi}};
  const std::string frozen = st.vdi_leaf.at(vdi);
  const uint64_t size = rec->at("virtual_size");
  const std::string ref = new_ref();
  json snap = vdi_record(rec->at("name_label"), rec->at("SR"), size);
  snap["is_a_snapshot"] = true;
  snap["snapshot_of"] = vdi;
  snap["snapshot_time"] = xapi_time_now();
  snap["other_config"] = rec->at("other_config");
  snap["sm_config"]["vhd-parent"] = frozen;
  st.vdi_leaf[ref] = frozen;
  // The live VDI continues on a new empty leaf over the frozen one.
  const std::string leaf = new_uuid();
  if (status s = st.files().create(leaf, size); !s.ok())
    return rpc_error{"INTERNAL_ERROR", {s.message()}};
  st.layers.add(leaf, frozen, size);
  st.vdi_leaf[vdi] = leaf;
  (*rec)["snapshots"].push_back(ref);
  st.find("SR", snap["SR"])->at("VDIs").push_back(ref);
  st.table("VDI")[ref] = std::move(snap);
  refresh_utilisation(st);
  return ref;
}

rpc_result<std::string> snapshot_vm(state& st, const std::string& vm,
                                    const std::string& name) {
  json* src = st.find("VM", vm);
  if (!src) return rpc_error{"HANDLE_INVALID", {"VM", vm}};
  if (src->at("is_control_domain").get<bool>())
    return rpc_error{"OPERATION_NOT_ALLOWED",
                     {"the control domain cannot be snapshotted"}};
  if (src->at("is_a_template").get<bool>())
    return rpc_error{"VM_IS_TEMPLATE", {vm}};
  const std::string ref = new_ref();
  json snap = *src;
  snap["uuid"] = new_uuid();
  snap["name_label"] = name;
  snap["is_a_template"] = true;
  snap["is_a_snapshot"] = true;
  snap["snapshot_of"] = vm;
  snap["snapshot_time"] = xapi_time_now();
  snap["snapshots"] = empty_set();
  // xapi_vm_clone.ml snapshot_info: how and from what state it was taken.
  snap["snapshot_info"] = {{"disk-snapshot-type", "crash_consistent"},
                           {"power-state-at-snapshot", src->at("power_state")}};
  snap["power_state"] = "Halted";
  snap["resident_on"] = null_ref;
  snap["domid"] = -1;
  snap["VBDs"] = empty_set();
  snap["VIFs"] = empty_set();
  snap["allowed_operations"] = json::array({"destroy", "export", "clone"});
  st.table("VM")[ref] = std::move(snap);
  const json vbds = src->at("VBDs"), vifs = src->at("VIFs");
  for (const auto& vbd_ref : vbds) {
    json vbd = *st.find("VBD", vbd_ref);
    std::string vdi = vbd["VDI"];
    if (vbd["type"] == "Disk" && vdi != null_ref) {
      auto s = snapshot_vdi(st, vdi);
      if (!s.ok) return s.error;
      vdi = s.value;
    }
    json copy = vbd_record(ref, vdi, vbd["userdevice"], vbd["type"] == "CD");
    copy["device"] = vbd["device"];
    copy["bootable"] = vbd["bootable"];
    copy["currently_attached"] = false;
    add_vbd(st, new_ref(), std::move(copy));
  }
  for (const auto& vif_ref : vifs) {
    const json vif = *st.find("VIF", vif_ref);
    add_vif(st, ref, vif["network"], vif["device"], vif["MAC"]);
    st.find("VIF", st.find("VM", ref)->at("VIFs").back())
        ->at("currently_attached") = false;
  }
  st.find("VM", vm)->at("snapshots").push_back(ref);
  return ref;
}

rpc_result<bool> destroy_vbd(state& st, const std::string& vbd) {
  json* rec = st.find("VBD", vbd);
  if (!rec) return rpc_error{"HANDLE_INVALID", {"VBD", vbd}};
  if (json* vm = st.find("VM", rec->at("VM"))) set_remove((*vm)["VBDs"], vbd);
  if (json* vdi = st.find("VDI", rec->at("VDI")))
    set_remove((*vdi)["VBDs"], vbd);
  st.table("VBD").erase(vbd);
  return true;
}

rpc_result<bool> destroy_vm(state& st, const std::string& vm) {
  json* rec = st.find("VM", vm);
  if (!rec) return rpc_error{"HANDLE_INVALID", {"VM", vm}};
  if (rec->at("is_control_domain").get<bool>() ||
      rec->at("power_state") != "Halted")
    return rpc_error{"VM_BAD_POWER_STATE",
                     {vm, "halted", lower(rec->at("power_state"))}};
  for (const auto& vbd : json(rec->at("VBDs"))) destroy_vbd(st, vbd);
  for (const auto& vif : rec->at("VIFs")) {
    if (json* v = st.find("VIF", vif))
      if (json* n = st.find("network", v->at("network")))
        set_remove((*n)["VIFs"], vif);
    st.table("VIF").erase(vif.get<std::string>());
  }
  if (json* parent = st.find("VM", rec->at("snapshot_of")))
    set_remove((*parent)["snapshots"], vm);
  for (auto& [_, h] : st.table("host").items())
    set_remove(h["resident_VMs"], vm);
  st.table("VM").erase(vm);
  return true;
}

rpc_result<bool> destroy_vdi(state& st, const std::string& vdi) {
  json* rec = st.find("VDI", vdi);
  if (!rec) return rpc_error{"HANDLE_INVALID", {"VDI", vdi}};
  for (const auto& vbd : rec->at("VBDs")) {
    json* v = st.find("VBD", vbd);
    if (v && v->at("currently_attached").get<bool>())
      return rpc_error{"VDI_IN_USE", {vdi, "destroy"}};
  }
  for (const auto& vbd : json(rec->at("VBDs"))) destroy_vbd(st, vbd);
  if (json* parent = st.find("VDI", rec->at("snapshot_of")))
    set_remove((*parent)["snapshots"], vdi);
  if (json* sr = st.find("SR", rec->at("SR"))) set_remove((*sr)["VDIs"], vdi);
  st.table("VDI").erase(vdi);
  st.vdi_leaf.erase(vdi);
  collect_garbage(st);
  refresh_utilisation(st);
  return true;
}

std::string resolve_vdi(state& st, const std::string& key) {
  if (st.find("VDI", key)) return key;
  for (const auto& [ref, rec] : st.table("VDI").items())
    if (rec["uuid"] == key) return ref;
  return {};
}

std::string resolve_vm(state& st, const std::string& key) {
  if (st.find("VM", key)) return key;
  for (const auto& [ref, rec] : st.table("VM").items())
    if (rec["uuid"] == key || rec["name_label"] == key) return ref;
  return {};
}

}  // namespace xapi_sim
