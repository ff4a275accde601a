#include "tapeline/xapi/vms.h"

#include <algorithm>
#include <cstdlib>

#include "json_util.h"
#include "tapeline/common/log.h"

namespace tapeline::xapi {
namespace {

using nlohmann::json;

vm_info to_vm(const std::string& ref, const json& rec) {
  vm_info v;
  v.ref = ref;
  v.uuid = detail::str(rec, "uuid");
  v.name_label = detail::str(rec, "name_label");
  v.power_state = detail::str(rec, "power_state");
  v.snapshot_time = detail::str(rec, "snapshot_time");
  v.snapshot_of = detail::str(rec, "snapshot_of");
  v.other_config = detail::string_map(rec, "other_config");
  return v;
}

bool is_plain_vm(const json& rec) {
  return !detail::boolean(rec, "is_a_template") &&
         !detail::boolean(rec, "is_a_snapshot") &&
         !detail::boolean(rec, "is_control_domain");
}

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

result<json> all_vm_records(client& c) {
  auto r = c.call("VM.get_all_records", json::array(), "all VMs");
  if (!r) return r.error();
  if (!r->is_object())
    return make_error(code::protocol_error,
                      "XAPI VM.get_all_records returned " +
                          r->dump().substr(0, 200) + " instead of a map");
  return r;
}

bool gone(const status& st) {
  auto c = xapi_code(st);
  return c == "HANDLE_INVALID" || c == "UUID_INVALID";
}

}  // namespace

result<std::vector<vm_info>> list_vms(client& c) {
  auto all = all_vm_records(c);
  if (!all) return all.error();
  std::vector<vm_info> out;
  for (auto it = all->begin(); it != all->end(); ++it)
    if (is_plain_vm(*it)) out.push_back(to_vm(it.key(), *it));
  std::sort(out.begin(), out.end(), [](const vm_info& a, const vm_info& b) {
    return a.name_label != b.name_label ? a.name_label < b.name_label
                                        : a.uuid < b.uuid;
  });
  return out;
}

result<vm_info> get_vm(client& c, const std::string& vm) {
  auto r = c.call("VM.get_record", json::array({vm}), "VM " + short_ref(vm));
  if (!r) return r.error();
  return to_vm(vm, *r);
}

result<vm_info> find_vm(client& c, const std::string& name_or_uuid) {
  if (looks_like_uuid(name_or_uuid)) {
    auto ref = c.call("VM.get_by_uuid", json::array({name_or_uuid}),
                      "VM " + name_or_uuid);
    if (ref.ok() && ref->is_string()) {
      auto v = get_vm(c, ref->get<std::string>());
      if (!v) return v.error();
      return v;
    }
    if (!ref.ok() && !gone(ref.error())) return ref.error();
  }
  auto all = list_vms(c);
  if (!all) return all.error();
  std::vector<vm_info> hits;
  for (auto& v : *all)
    if (v.name_label == name_or_uuid || v.uuid == name_or_uuid)
      hits.push_back(v);
  if (hits.empty())
    return make_error(code::not_found,
                      "XAPI: no VM named or with uuid '" + name_or_uuid +
                          "' (templates, snapshots and dom0 excluded); "
                          "list them with xe vm-list");
  if (hits.size() > 1) {
    std::string uuids;
    for (auto& v : hits) uuids += (uuids.empty() ? "" : ", ") + v.uuid;
    return make_error(code::invalid_argument,
                      "XAPI: " + std::to_string(hits.size()) +
                          " VMs are named '" + name_or_uuid + "' (" + uuids +
                          "); name the VM by its uuid");
  }
  return hits[0];
}

result<std::vector<disk_info>> vm_disks(client& c, const std::string& vm,
                                        const std::string& about) {
  auto vbds = c.call("VM.get_VBDs", json::array({vm}), about);
  if (!vbds) return vbds.error();
  std::vector<disk_info> out;
  for (const auto& vbd_ref : *vbds) {
    std::string vbd = vbd_ref.get<std::string>();
    auto rec =
        c.call("VBD.get_record", json::array({vbd}), "a VBD of " + about);
    if (!rec) return rec.error();
    std::string vdi = detail::str(*rec, "VDI");
    if (detail::str(*rec, "type") != "Disk" || vdi.empty() || vdi == null_ref)
      continue;
    disk_info d;
    d.vbd = vbd;
    d.vdi = vdi;
    d.userdevice = detail::str(*rec, "userdevice");
    auto vr = c.call("VDI.get_record", json::array({vdi}),
                     "disk " + d.userdevice + " of " + about);
    if (!vr) return vr.error();
    d.vdi_uuid = detail::str(*vr, "uuid");
    d.name_label = detail::str(*vr, "name_label");
    d.virtual_size = static_cast<uint64_t>(detail::int64(*vr, "virtual_size"));
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const disk_info& a, const disk_info& b) {
    long x = std::strtol(a.userdevice.c_str(), nullptr, 10);
    long y = std::strtol(b.userdevice.c_str(), nullptr, 10);
    return x != y ? x < y : a.userdevice < b.userdevice;
  });
  return out;
}

status set_other_config(client& c, const std::string& vm,
                        const std::string& key, const std::string& value) {
  std::string about = "VM " + short_ref(vm) + ", other_config key " + key;
  auto rm =
      c.call("VM.remove_from_other_config", json::array({vm, key}), about);
  if (!rm) return rm.error();
  auto add =
      c.call("VM.add_to_other_config", json::array({vm, key, value}), about);
  return add ? status() : add.error();
}

result<std::string> snapshot_vm(client& c, const std::string& vm,
                                const std::string& name,
                                const snapshot_tag& tag,
                                const std::string& about) {
  auto snap = c.call("VM.snapshot", json::array({vm, name}), about);
  if (!snap) return snap.error();
  if (!snap->is_string())
    return make_error(code::protocol_error, "XAPI VM.snapshot of " + about +
                                                " returned " + snap->dump());
  std::string ref = snap->get<std::string>();
  std::string sabout = "snapshot " + name + " of " + about;
  status st;
  auto t = c.call("VM.set_is_a_template", json::array({ref, false}), sabout);
  if (!t) st = t.error();
  if (st.ok()) st = set_other_config(c, ref, tag.key, tag.value);
  if (st.ok())
    st = set_other_config(c, ref, tag.key + ".created",
                          std::to_string(tag.created));
  if (!st.ok()) {
    log::get("xapi")->warn("tagging {} failed ({}); destroying it again",
                           sabout, st.message());
    status undo = destroy_snapshot(c, ref, sabout);
    if (!undo.ok())
      return make_error(st.error_code(),
                        st.message() +
                            "; destroying the untagged snapshot failed too: " +
                            undo.message());
    return st;
  }
  log::get("xapi")->info("snapshot {} of {} made ({}={})", name, about, tag.key,
                         tag.value);
  return ref;
}

result<std::vector<tagged_snapshot_info>> list_tagged_snapshots(
    client& c, const std::string& key) {
  auto all = all_vm_records(c);
  if (!all) return all.error();
  std::vector<tagged_snapshot_info> out;
  for (auto it = all->begin(); it != all->end(); ++it) {
    if (!detail::boolean(*it, "is_a_snapshot")) continue;
    vm_info v = to_vm(it.key(), *it);
    auto tag = v.other_config.find(key);
    if (tag == v.other_config.end()) continue;
    tagged_snapshot_info s;
    s.tag_value = tag->second;
    auto created = v.other_config.find(key + ".created");
    if (created != v.other_config.end())
      s.created = std::strtoll(created->second.c_str(), nullptr, 10);
    s.snapshot = std::move(v);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created != b.created ? a.created < b.created
                                  : a.snapshot.ref < b.snapshot.ref;
  });
  return out;
}

status destroy_snapshot(client& c, const std::string& snapshot,
                        const std::string& about) {
  auto disks = vm_disks(c, snapshot, about);
  if (!disks) return gone(disks.error()) ? status() : disks.error();
  status first;
  std::vector<std::string> left;
  for (const auto& d : *disks) {
    auto r = c.call(
        "VDI.destroy", json::array({d.vdi}),
        "disk " + d.userdevice + " (VDI " + d.vdi_uuid + ") of " + about);
    if (r || gone(r.error())) continue;
    if (first.ok()) first = r.error();
    left.push_back(d.vdi_uuid);
  }
  auto r = c.call("VM.destroy", json::array({snapshot}), about);
  if (!r && !gone(r.error())) {
    if (first.ok()) first = r.error();
    left.push_back("the snapshot VM");
  }
  if (first.ok()) {
    log::get("xapi")->info("destroyed {} and {} disk(s)", about, disks->size());
    return first;
  }
  std::string what;
  for (auto& l : left) what += (what.empty() ? "" : ", ") + l;
  return first.with_context("destroying " + about + " left " + what +
                            " behind (the janitor retries)");
}

result<std::string> snapshot_vdi(client& c, const std::string& vdi,
                                 const std::string& about) {
  auto r = c.call("VDI.snapshot", json::array({vdi, json::object()}), about);
  if (!r) return r.error();
  if (!r->is_string())
    return make_error(code::protocol_error, "XAPI VDI.snapshot of " + about +
                                                " returned " + r->dump());
  return r->get<std::string>();
}

}  // namespace tapeline::xapi
