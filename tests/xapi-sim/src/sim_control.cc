#include "sim_control.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "layer_files.h"
#include "rpc.h"
#include "tapeline/common/checksum.h"
#include "workload.h"

namespace xapi_sim {

namespace {

rpc_error sim_error(const std::string& msg) {
  return {"SIM_ERROR", {msg}};
}

uint64_t u64(const json& args, const char* key, uint64_t def) {
  if (!args.contains(key)) return def;
  const json& v = args[key];
  if (v.is_number_unsigned() || v.is_number_integer()) return v.get<uint64_t>();
  if (v.is_string())
    return std::strtoull(v.get<std::string>().c_str(), nullptr, 10);
  return def;
}

// The disk VDIs of the VMs a night writes to: `vm` or every ordinary VM,
// in name order, each VM's disks in userdevice order.
std::vector<std::string> target_vdis(state& st, const json& args) {
  std::vector<std::pair<std::string, std::string>> vms;  // name, ref
  if (args.contains("vdi")) {
    std::string v = resolve_vdi(st, args["vdi"].get<std::string>());
    return v.empty() ? std::vector<std::string>{} : std::vector<std::string>{v};
  }
  if (args.contains("vm")) {
    std::string r = resolve_vm(st, args["vm"].get<std::string>());
    if (!r.empty()) vms.emplace_back("", r);
  } else {
    for (const auto& [ref, rec] : st.table("VM").items())
      if (!rec["is_control_domain"].get<bool>() &&
          !rec["is_a_template"].get<bool>())
        vms.emplace_back(rec["name_label"].get<std::string>(), ref);
    std::sort(vms.begin(), vms.end());
  }
  std::vector<std::string> out;
  for (const auto& [_, vm] : vms) {
    std::vector<std::pair<int, std::string>> disks;
    for (const auto& vbd : st.find("VM", vm)->at("VBDs")) {
      const json& b = *st.find("VBD", vbd);
      if (b["type"] == "Disk" && b["VDI"] != null_ref)
        disks.emplace_back(std::stoi(b["userdevice"].get<std::string>()),
                           b["VDI"].get<std::string>());
    }
    std::sort(disks.begin(), disks.end());
    for (const auto& [__, vdi] : disks) out.push_back(vdi);
  }
  return out;
}

rpc_result<json> night(sim_context& ctx, const json& args) {
  state& st = *ctx.st;
  std::lock_guard<std::mutex> lk(st.mu);
  const auto vdis = target_vdis(st, args);
  if (vdis.empty()) return sim_error("sim.write: no such VM or VDI");
  const uint64_t seed = u64(args, "seed", 1);
  const uint32_t blocks = static_cast<uint32_t>(u64(args, "blocks", 1));
  json out = json::object();
  for (size_t i = 0; i < vdis.size(); ++i) {
    auto r = write_blocks(st, vdis[i], blocks, seed * 7919 + i);
    if (!r.ok()) return sim_error(r.error().message());
    out[st.find("VDI", vdis[i])->at("uuid").get<std::string>()] = *r;
  }
  return out;
}

json list_blocks(const std::vector<uint32_t>& v) {
  return json(v);
}

}  // namespace

rpc_result<std::string> read_vdi(sim_context& ctx, const std::string& key,
                                 const std::string& path) {
  chain_view view;
  {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    const std::string vdi = resolve_vdi(*ctx.st, key);
    if (vdi.empty()) return rpc_error{"UUID_INVALID", {"VDI", key}};
    view = make_view(ctx.st->layers, vdi_chain(*ctx.st, vdi),
                     ctx.st->find("VDI", vdi)->at("virtual_size"));
  }
  auto reader = chain_reader::open(ctx.st->files(), std::move(view));
  if (!reader.ok()) return sim_error(reader.error().message());
  int fd = -1;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return sim_error("cannot create " + path + ": " + std::strerror(errno));
  }
  std::unique_ptr<char[]> buf(new char[block_size]);
  tapeline::sha256 sum;
  const uint32_t n = block_count((*reader)->view().size);
  for (uint32_t b = 0; b < n; ++b) {
    const size_t len = static_cast<size_t>((*reader)->block_bytes(b));
    if (auto s = (*reader)->read_block(b, buf.get()); !s.ok()) {
      if (fd >= 0) ::close(fd);
      return sim_error(s.message());
    }
    sum.update(buf.get(), len);
    if (fd >= 0 && ::write(fd, buf.get(), len) != static_cast<ssize_t>(len)) {
      ::close(fd);
      return sim_error("cannot write " + path + ": " + std::strerror(errno));
    }
  }
  if (fd >= 0) ::close(fd);
  return sum.hex_digest();
}

rpc_result<json> sim_call(sim_context& ctx, const std::string& method,
                          const json& params) {
  const json args =
      !params.empty() && params[0].is_object() ? params[0] : json::object();
  state& st = *ctx.st;
  if (method == "sim.write") return night(ctx, args);
  if (method == "sim.fill") {
    std::lock_guard<std::mutex> lk(st.mu);
    const std::string vdi = resolve_vdi(st, args.value("vdi", ""));
    if (vdi.empty()) return sim_error("sim.fill: no such VDI");
    const uint64_t size = st.find("VDI", vdi)->at("virtual_size");
    auto s = fill_vdi(st, vdi, u64(args, "bytes", size), u64(args, "seed", 1));
    if (!s.ok()) return sim_error(s.message());
    return json(true);
  }
  if (method == "sim.sha256" || method == "sim.read") {
    auto r = read_vdi(ctx, args.value("vdi", ""),
                      method == "sim.read" ? args.value("path", "") : "");
    if (!r.ok) return r.error;
    return json(r.value);
  }
  if (method == "sim.blocks") {
    std::lock_guard<std::mutex> lk(st.mu);
    const std::string vdi = resolve_vdi(st, args.value("vdi", ""));
    if (vdi.empty()) return sim_error("sim.blocks: no such VDI");
    const uint64_t size = st.find("VDI", vdi)->at("virtual_size");
    const chain c = vdi_chain(st, vdi);
    json out = {
        {"allocated", list_blocks(allocated_blocks(st.layers, c, size))},
        {"chain", c}};
    if (args.contains("base")) {
      const std::string base = resolve_vdi(st, args["base"]);
      if (base.empty()) return sim_error("sim.blocks: no such base VDI");
      out["delta"] =
          list_blocks(delta_blocks(st.layers, c, vdi_chain(st, base), size));
    }
    return out;
  }
  if (method == "sim.fault") {
    fault f;
    f.kind = args.value("kind", "");
    if (!is_fault_kind(f.kind))
      return sim_error("unknown fault kind '" + f.kind +
                       "'; use export_500, export_cut, expire_session or "
                       "redirect");
    f.count = static_cast<int>(u64(args, "count", 1));
    f.after_bytes = u64(args, "after_bytes", 0);
    ctx.faults.add(f);
    return ctx.faults.list();
  }
  if (method == "sim.faults") return ctx.faults.list();
  if (method == "sim.clear_faults") {
    ctx.faults.clear();
    return json(true);
  }
  if (method == "sim.expire_sessions") {
    std::lock_guard<std::mutex> lk(st.mu);
    expire_all_sessions(st);
    return json(true);
  }
  return rpc_error{"MESSAGE_METHOD_UNKNOWN", {method}};
}

}  // namespace xapi_sim
