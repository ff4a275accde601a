#include "records.h"

#include <algorithm>

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

}  // namespace

std::string first_ref(state& st, const std::string& cls) {
  auto& t = st.table(cls);
  return t.empty() ? std::string(null_ref) : t.begin().key();
}

json vm_record(const std::string& name, const std::string& host,
               bool control_domain, int domid) {
  return {
      {"uuid", new_uuid()},
      {"allowed_operations", json::array({"snapshot", "clone", "copy"})},
      {"current_operations", empty_map()},
      {"name_label", name},
      {"name_description", ""},
      {"power_state", "Running"},
      {"user_version", 1},
      {"is_a_template", false},
      {"is_default_template", false},
      {"suspend_VDI", null_ref},
      {"resident_on", host},
      {"affinity", host},
      {"memory_static_max", 2147483648LL},
      {"memory_dynamic_max", 2147483648LL},
      {"memory_dynamic_min", 2147483648LL},
      {"memory_static_min", 1073741824LL},
      {"VCPUs_max", 2},
      {"VCPUs_at_startup", 2},
      {"VCPUs_params", empty_map()},
      {"actions_after_shutdown", "destroy"},
      {"actions_after_reboot", "restart"},
      {"actions_after_crash", "restart"},
      {"VIFs", empty_set()},
      {"VBDs", empty_set()},
      {"HVM_boot_policy", control_domain ? "" : "BIOS order"},
      {"platform", empty_map()},
      {"other_config", empty_map()},
      {"domid", domid},
      {"is_control_domain", control_domain},
      {"xenstore_data", empty_map()},
      {"tags", empty_set()},
      {"blocked_operations", empty_map()},
      {"snapshot_of", null_ref},
      {"snapshots", empty_set()},
      {"snapshot_time", "19700101T00:00:00Z"},
      {"snapshot_info", empty_map()},
      {"transportable_snapshot_id", ""},
      {"is_a_snapshot", false},
      {"is_snapshot_from_vmpp", false},
      {"is_vmss_snapshot", false},
      {"parent", null_ref},
      {"children", empty_set()},
      {"domain_type", control_domain ? "pv" : "hvm"},
  };
}

json vdi_record(const std::string& name, const std::string& sr, uint64_t size) {
  const std::string uuid = new_uuid();
  return {
      {"uuid", uuid},
      {"name_label", name},
      {"name_description", ""},
      {"allowed_operations",
       json::array({"snapshot", "clone", "copy", "destroy", "resize"})},
      {"current_operations", empty_map()},
      {"SR", sr},
      {"VBDs", empty_set()},
      {"crash_dumps", empty_set()},
      {"virtual_size", size},
      {"physical_utilisation", 0},
      {"type", "user"},
      {"sharable", false},
      {"read_only", false},
      {"other_config", empty_map()},
      {"storage_lock", false},
      {"location", uuid},
      {"managed", true},
      {"missing", false},
      {"parent", null_ref},
      {"xenstore_data", empty_map()},
      {"sm_config", {{"vdi_type", "vhd"}}},
      {"is_a_snapshot", false},
      {"snapshot_of", null_ref},
      {"snapshots", empty_set()},
      {"snapshot_time", "19700101T00:00:00Z"},
      {"tags", empty_set()},
      {"allow_caching", false},
      {"on_boot", "persist"},
      {"metadata_of_pool", null_ref},
      {"metadata_latest", false},
      {"is_tools_iso", false},
      {"cbt_enabled", false},
  };
}

json vbd_record(const std::string& vm, const std::string& vdi,
                const std::string& userdevice, bool cd) {
  return {
      {"uuid", new_uuid()},
      {"allowed_operations", json::array({"attach"})},
      {"current_operations", empty_map()},
      {"VM", vm},
      {"VDI", vdi},
      {"device",
       cd ? "xvdd" : std::string("xvd") + char('a' + std::stoi(userdevice))},
      {"userdevice", userdevice},
      {"bootable", userdevice == "0"},
      {"mode", cd ? "RO" : "RW"},
      {"type", cd ? "CD" : "Disk"},
      {"unpluggable", true},
      {"storage_lock", false},
      {"empty", vdi == null_ref},
      {"other_config", empty_map()},
      {"currently_attached", true},
      {"status_code", 0},
      {"status_detail", ""},
      {"runtime_properties", empty_map()},
      {"qos_algorithm_type", ""},
      {"qos_algorithm_params", empty_map()},
      {"metrics", null_ref},
  };
}

void add_vbd(state& st, const std::string& ref, json rec) {
  const std::string vm = rec["VM"], vdi = rec["VDI"];
  st.table("VBD")[ref] = std::move(rec);
  if (json* v = st.find("VM", vm)) (*v)["VBDs"].push_back(ref);
  if (json* d = st.find("VDI", vdi)) (*d)["VBDs"].push_back(ref);
}

void add_vif(state& st, const std::string& vm, const std::string& network,
             const std::string& device, const std::string& mac) {
  const std::string ref = new_ref();
  st.table("VIF")[ref] = {
      {"uuid", new_uuid()},
      {"allowed_operations", empty_set()},
      {"current_operations", empty_map()},
      {"device", device},
      {"network", network},
      {"VM", vm},
      {"MAC", mac},
      {"MTU", 1500},
      {"other_config", empty_map()},
      {"currently_attached", true},
      {"locking_mode", "network_default"},
  };
  st.find("VM", vm)->at("VIFs").push_back(ref);
  st.find("network", network)->at("VIFs").push_back(ref);
}

rpc_result<std::string> create_vdi(state& st, const std::string& name,
                                   uint64_t size) {
  const std::string sr = first_ref(st, "SR");
  const std::string ref = new_ref();
  json rec = vdi_record(name, sr, size);
  const std::string leaf = new_uuid();
  if (status s = st.files().create(leaf, size); !s.ok())
    return rpc_error{"INTERNAL_ERROR", {s.message()}};
  st.layers.add(leaf, "", size);
  st.vdi_leaf[ref] = leaf;
  st.table("VDI")[ref] = std::move(rec);
  st.find("SR", sr)->at("VDIs").push_back(ref);
  return ref;
}

tapeline::status populate_pool(state& st, const init_options& o) {
  const std::string pool = new_ref(), host = new_ref(), sr = new_ref(),
                    net = new_ref();
  st.table("pool")[pool] = {
      {"uuid", new_uuid()},     {"name_label", "xapi-sim pool"},
      {"name_description", ""}, {"master", host},
      {"default_SR", sr},       {"suspend_image_SR", sr},
      {"crash_dump_SR", sr},    {"other_config", empty_map()},
      {"ha_enabled", false},    {"tags", empty_set()},
  };
  st.table("host")[host] = {
      {"uuid", new_uuid()},
      {"name_label", "xcp-sim-01"},
      {"name_description", "Simulated by xapi-sim"},
      {"hostname", "xcp-sim-01"},
      {"address", "127.0.0.1"},
      {"enabled", true},
      {"API_version_major", 2},
      {"API_version_minor", 21},
      {"API_version_vendor", "XenSource"},
      {"software_version",
       {{"product_brand", "XCP-ng"},
        {"product_version", "8.3.0"},
        {"platform_name", "XCP"},
        {"xapi", "24.19"}}},
      {"resident_VMs", empty_set()},
      {"PBDs", empty_set()},
      {"other_config", empty_map()},
      {"tags", empty_set()},
  };
  st.table("SR")[sr] = {
      {"uuid", new_uuid()},
      {"name_label", "Local storage"},
      {"name_description", "Simulated VHD SR (xapi-sim)"},
      {"allowed_operations",
       json::array({"vdi_create", "vdi_snapshot", "vdi_destroy"})},
      {"current_operations", empty_map()},
      {"VDIs", empty_set()},
      {"PBDs", empty_set()},
      {"virtual_allocation", 0},
      {"physical_utilisation", 0},
      {"physical_size", o.sr_size},
      {"type", "ext"},
      {"content_type", "user"},
      {"shared", false},
      {"other_config", empty_map()},
      {"sm_config", {{"devserial", "sim"}}},
      {"tags", empty_set()},
  };
  st.table("network")[net] = {
      {"uuid", new_uuid()},
      {"name_label", "Pool-wide network associated with eth0"},
      {"bridge", "xenbr0"},
      {"VIFs", empty_set()},
      {"MTU", 1500},
      {"other_config", empty_map()},
  };
  auto add_vm = [&](const std::string& ref, json rec) {
    st.table("VM")[ref] = std::move(rec);
    st.find("host", host)->at("resident_VMs").push_back(ref);
  };
  add_vm(new_ref(),
         vm_record("Control domain on host: xcp-sim-01", host, true, 0));
  for (int i = 1; i <= o.vms; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "vm%02d", i);
    const std::string vm = new_ref();
    add_vm(vm, vm_record(name, host, false, i));
    for (int k = 0; k < o.disks_per_vm; ++k) {
      auto vdi = create_vdi(
          st, std::string(name) + " disk " + std::to_string(k), o.disk_size);
      if (!vdi.ok) return make_error(code::io_error, vdi.error.params.at(0));
      add_vbd(st, new_ref(),
              vbd_record(vm, vdi.value, std::to_string(k), false));
      if (o.fill_bytes > 0) {
        TL_RETURN_IF_ERROR(fill_vdi(st, vdi.value,
                                    std::min(o.fill_bytes, o.disk_size),
                                    o.seed * 1000003 + i * 131 + k));
      }
    }
    add_vbd(st, new_ref(),
            vbd_record(vm, null_ref, std::to_string(o.disks_per_vm), true));
    char mac[24];
    std::snprintf(mac, sizeof mac, "aa:00:00:00:%02x:%02x", i / 256, i % 256);
    add_vif(st, vm, net, "0", mac);
  }
  refresh_utilisation(st);
  return status::ok_status();
}

}  // namespace xapi_sim
