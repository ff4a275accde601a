#include "tapeline/xapi/metadata.h"

#include <algorithm>

#include "json_util.h"
#include "tapeline/xapi/vms.h"

namespace tapeline::xapi {
namespace {

using nlohmann::json;

result<json> record(client& c, const std::string& cls, const std::string& ref,
                    const std::string& about) {
  auto r = c.call(cls + ".get_record", json::array({ref}), about);
  if (!r) return r.error();
  return json{{"ref", ref}, {"record", std::move(*r)}};
}

// The VM and its VBDs and (disk) VDIs into `out`.
status vm_part(client& c, const std::string& vm, json* out) {
  auto v = record(c, "VM", vm, "VM " + short_ref(vm));
  if (!v) return v.error();
  std::string about = "VM " + detail::str((*v)["record"], "name_label");
  json vbds = json::array(), vdis = json::array();
  for (const auto& vbd : detail::strings((*v)["record"], "VBDs")) {
    auto b = record(c, "VBD", vbd, "a VBD of " + about);
    if (!b) return b.error();
    std::string vdi = detail::str((*b)["record"], "VDI");
    std::string type = detail::str((*b)["record"], "type");
    vbds.push_back(std::move(*b));
    if (vdi.empty() || vdi == null_ref || type != "Disk") continue;
    auto d = record(c, "VDI", vdi, "a disk of " + about);
    if (!d) return d.error();
    vdis.push_back(std::move(*d));
  }
  auto by_dev = [](const json& a, const json& b) {
    return detail::str(a["record"], "userdevice") <
           detail::str(b["record"], "userdevice");
  };
  std::sort(vbds.begin(), vbds.end(), by_dev);
  (*out)["vm"] = std::move(*v);
  (*out)["vbds"] = std::move(vbds);
  (*out)["vdis"] = std::move(vdis);
  return {};
}

}  // namespace

result<json> vm_metadata_json(client& c, const std::string& vm,
                              const std::string& snapshot) {
  json doc = {{"format", "tapeline.xapi.vm-metadata/1"}};
  TL_RETURN_IF_ERROR(vm_part(c, vm, &doc));
  std::string about = "VM " + detail::str(doc["vm"]["record"], "name_label");
  json vifs = json::array(), networks = json::array();
  for (const auto& vif : detail::strings(doc["vm"]["record"], "VIFs")) {
    auto f = record(c, "VIF", vif, "a VIF of " + about);
    if (!f) return f.error();
    std::string net = detail::str((*f)["record"], "network");
    vifs.push_back(std::move(*f));
    if (net.empty() || net == null_ref) continue;
    bool seen = false;
    for (const auto& n : networks) seen = seen || n["ref"] == net;
    if (seen) continue;
    auto n = record(c, "network", net, "the network of a VIF of " + about);
    if (!n) return n.error();
    networks.push_back(std::move(*n));
  }
  doc["vifs"] = std::move(vifs);
  doc["networks"] = std::move(networks);
  if (!snapshot.empty()) {
    json snap = json::object();
    TL_RETURN_IF_ERROR(vm_part(c, snapshot, &snap));
    doc["snapshot"] = std::move(snap);
  }
  return doc;
}

}  // namespace tapeline::xapi
