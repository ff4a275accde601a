#include "tapeline/hv_agent/vdi_backup.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <set>

#include "tapeline/common/clock.h"
#include "tapeline/common/log.h"
#include "tapeline/hv_agent/checked_source.h"
#include "tapeline/hv_agent/janitor.h"
#include "tapeline/hv_agent/prefetch_source.h"
#include "tapeline/xapi/http_reader.h"
#include "tapeline/xapi/metadata.h"
#include "tapeline/xapi/vms.h"

namespace tapeline::hv_agent {
namespace {

auto logger() {
  return log::get("hv.backup");
}

// An XAPI export as a stream source: owns its client and reader, and checks
// the bytes on the way (checked_source).
class export_source final : public stream::byte_source {
 public:
  export_source(std::unique_ptr<xapi::client> c,
                std::unique_ptr<xapi::http_reader> r, const std::string& format,
                uint64_t raw_size, const std::string& what)
      : client_(std::move(c)),
        reader_(std::move(r)),
        plain_(reader_.get()),
        checked_(&plain_, format, raw_size, what) {}
  result<size_t> read(char* buf, size_t cap) override {
    return checked_.read(buf, cap);
  }

 private:
  struct reader_source final : stream::byte_source {
    explicit reader_source(xapi::http_reader* r) : r_(r) {}
    result<size_t> read(char* buf, size_t cap) override {
      return r_->read(buf, cap);
    }
    xapi::http_reader* r_;
  };
  std::unique_ptr<xapi::client> client_;  // destroyed last
  std::unique_ptr<xapi::http_reader> reader_;
  reader_source plain_;
  checked_source checked_;
};

std::string utc_stamp(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string get_or(const std::map<std::string, std::string>& m,
                   const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

// The kept snapshot of `vm` named by `base` ("auto": the newest).
result<xapi::vm_info> find_base(xapi::client& c, const xapi::vm_info& vm,
                                const std::string& base,
                                const std::string& tag) {
  auto all = xapi::list_tagged_snapshots(c, tag);
  if (!all) return all.error();
  const xapi::tagged_snapshot_info* best = nullptr;
  std::vector<std::string> kept;
  for (auto& s : *all) {
    if (s.snapshot.snapshot_of != vm.ref) continue;
    bool is_kept = get_or(s.snapshot.other_config, tag + ".state") == "kept";
    if (is_kept) kept.push_back(s.snapshot.name_label);
    bool named = s.snapshot.uuid == base || s.snapshot.name_label == base;
    if (base == "auto") {
      // Newest first; TAG.created_ms breaks ties within a second.
      auto key = [&](const xapi::tagged_snapshot_info& x) {
        auto ms = get_or(x.snapshot.other_config, tag + ".created_ms");
        return std::make_pair(x.created,
                              ms.empty() ? 0ll : std::atoll(ms.c_str()));
      };
      if (is_kept && (!best || key(s) > key(*best))) best = &s;
    } else if (named) {
      if (!is_kept)
        return make_error(code::invalid_argument,
                          "base snapshot \"" + base + "\" of VM " +
                              vm.name_label +
                              " was not completely backed up (state \"" +
                              get_or(s.snapshot.other_config, tag + ".state") +
                              "\"); it cannot be a delta base");
      best = &s;
    }
  }
  if (best) return best->snapshot;
  if (base == "auto")
    return make_error(code::not_found,
                      "VM " + vm.name_label +
                          " has no kept Tapeline snapshot to take a delta "
                          "against; run a full backup first");
  return make_error(code::not_found,
                    "VM " + vm.name_label + " has no Tapeline snapshot \"" +
                        base + "\"" +
                        (kept.empty() ? "; run a full backup first"
                                      : "; kept snapshots: " + [&] {
                                          std::string s;
                                          for (auto& k : kept)
                                            s += (s.empty() ? "" : ", ") + k;
                                          return s;
                                        }()));
}

struct disk_plan {
  xapi::disk_info live;  // the VM's disk
  xapi::disk_info snap;  // the same disk in the new snapshot
  std::string base_vdi;  // delta base (a snapshot VDI), or ""
  std::string parent_object;
};

v1::ObjectManifest manifest_for(const vdi_backup_request& req,
                                const xapi::vm_info& vm,
                                const std::string& snap_uuid,
                                const std::string& base_uuid,
                                const disk_plan& d, const std::string& format) {
  bool delta = !d.base_vdi.empty();
  v1::ObjectManifest m;
  m.set_object_id(random_hex(16));
  m.set_kind(delta ? v1::VDI_DELTA : v1::VDI_FULL);
  m.set_name(vm.name_label + "/" + utc_stamp(req.now) + ".disk" +
             d.live.userdevice + (delta ? ".delta." : ".full.") + format);
  m.set_vm_name(vm.name_label);
  m.set_vm_uuid(vm.uuid);
  m.set_vdi_uuid(d.live.vdi_uuid);
  // userdevice is a decimal position once XAPI has plugged the VBD; keep
  // whatever else it may hold in the labels rather than failing on it.
  const auto& ud = d.live.userdevice;
  bool numeric = !ud.empty() && ud.size() < 9 &&
                 ud.find_first_not_of("0123456789") == std::string::npos;
  m.set_disk(numeric ? static_cast<uint32_t>(std::stoul(ud)) : 0);
  m.set_parent_object_id(d.parent_object);
  m.set_payload_format(format);
  m.set_expected_size(
      format == "raw" ? static_cast<int64_t>(d.snap.virtual_size) : -1);
  m.set_created_unix(req.now);
  auto& l = *m.mutable_labels();
  l["host"] = req.host_name;
  l["job"] = req.job_id;
  l["snapshot_uuid"] = snap_uuid;
  l["snapshot_vdi_uuid"] = d.snap.vdi_uuid;
  l["virtual_size"] = std::to_string(d.snap.virtual_size);
  l["disk_name"] = d.live.name_label;
  l["userdevice"] = ud;
  if (delta) l["base_snapshot_uuid"] = base_uuid;
  return m;
}

bool wanted(const vdi_backup_request& req, const std::string& userdevice) {
  return req.disks.empty() || std::find(req.disks.begin(), req.disks.end(),
                                        userdevice) != req.disks.end();
}

}  // namespace

result<vdi_backup_result> backup_vdis(caf::actor_system& sys,
                                      const client_factory& make_client,
                                      const vdi_backup_request& req) {
  if (req.targets.empty())
    return make_error(code::invalid_argument, "no drive to back up to");
  auto cr = make_client();
  if (!cr) return cr.error();
  auto& c = **cr;
  vdi_backup_result out;
  out.job_id = req.job_id.empty() ? random_hex(8) : req.job_id;

  auto vm = xapi::find_vm(c, req.vm);
  if (!vm) return vm.error();
  out.vm_name = vm->name_label;
  out.vm_uuid = vm->uuid;
  std::string about = "VM " + vm->name_label;
  auto live = xapi::vm_disks(c, vm->ref, about);
  if (!live) return live.error();
  for (auto& d : req.disks)
    if (std::none_of(live->begin(), live->end(),
                     [&](auto& x) { return x.userdevice == d; }))
      return make_error(
          code::not_found, about + " has no disk " + d + " (its disks: " + [&] {
            std::string s;
            for (auto& x : *live) s += (s.empty() ? "" : ", ") + x.userdevice;
            return s.empty() ? std::string("none") : s;
          }() + ")");

  std::optional<xapi::vm_info> base;
  std::vector<xapi::disk_info> base_disks;
  if (!req.base.empty()) {
    auto b = find_base(c, *vm, req.base, req.tag);
    if (!b) return b.error();
    base = *b;
    out.base_snapshot_uuid = b->uuid;
    auto bd = xapi::vm_disks(c, b->ref, "snapshot " + b->name_label);
    if (!bd) return bd.error();
    base_disks = std::move(*bd);
  }

  // The snapshot, tagged with its owner before anything else can fail.
  std::string owner = this_process_owner(req.host_name);
  std::string snap_name = vm->name_label + " tapeline " + utc_stamp(req.now);
  auto snap = xapi::snapshot_vm(c, vm->ref, snap_name,
                                {req.tag, owner, req.now}, about);
  if (!snap) return snap.error();
  out.snapshot_ref = *snap;
  auto cleanup = [&](const std::string& why) {
    auto st =
        xapi::destroy_snapshot(c, out.snapshot_ref, "snapshot " + snap_name);
    if (st.ok())
      logger()->info("{}: snapshot \"{}\" removed ({})", about, snap_name, why);
    else
      logger()->error(
          "{}: snapshot \"{}\" could not be removed: {}; the "
          "janitor will retry",
          about, snap_name, st.message());
    out.snapshot_kept = false;
  };
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  for (auto [k, v] : {std::pair<std::string, std::string>{".job", out.job_id},
                      {".created_ms", std::to_string(ms)},
                      {".state", "exporting"}}) {
    auto st = xapi::set_other_config(c, *snap, req.tag + k, v);
    if (!st.ok()) {
      cleanup("tagging failed");
      return st;
    }
  }
  auto sv = xapi::get_vm(c, *snap);
  auto sd = sv ? xapi::vm_disks(c, *snap, "snapshot " + snap_name)
               : result<std::vector<xapi::disk_info>>(sv.error());
  if (!sd) {
    cleanup("its disks could not be read");
    return sd.error();
  }
  out.snapshot_uuid = sv->uuid;
  // The VM's configuration travels in every disk's manifest, so a disk
  // restored after a fire comes with what is needed to recreate its VM.
  std::string vm_metadata;
  if (auto md = xapi::vm_metadata_json(c, vm->ref, *snap))
    vm_metadata = md->dump();
  else
    logger()->warn("{}: VM metadata not recorded: {}", about,
                   md.error().message());
  logger()->info("{}: snapshot \"{}\" ({}) made for job {}", about, snap_name,
                 out.snapshot_uuid, out.job_id);

  // One export task per wanted disk, dealt out to the drives.
  std::vector<export_task> tasks;
  std::vector<std::string> userdevices;
  for (auto& d : *live) {
    if (!wanted(req, d.userdevice)) continue;
    disk_plan p;
    p.live = d;
    auto s = std::find_if(sd->begin(), sd->end(), [&](auto& x) {
      return x.userdevice == d.userdevice;
    });
    if (s == sd->end()) {
      cleanup("a disk is missing from it");
      return make_error(code::internal, "the snapshot of " + about +
                                            " lacks disk " + d.userdevice);
    }
    p.snap = *s;
    if (base) {
      auto b = std::find_if(base_disks.begin(), base_disks.end(), [&](auto& x) {
        return x.userdevice == d.userdevice;
      });
      p.parent_object =
          get_or(base->other_config, req.tag + ".object." + d.userdevice);
      if (b != base_disks.end() && !p.parent_object.empty())
        p.base_vdi = b->vdi;
      else
        logger()->warn(
            "{} disk {}: the base snapshot has no backup of this "
            "disk; taking a full",
            about, d.userdevice);
      if (p.base_vdi.empty()) p.parent_object.clear();
    }
    std::string format = p.base_vdi.empty() ? req.full_format : "vhd";
    export_task t;
    t.what = "disk " + d.userdevice + " of " + about;
    t.target = req.targets[tasks.size() % req.targets.size()];
    t.manifest = manifest_for(req, *vm, out.snapshot_uuid,
                              base ? base->uuid : "", p, format);
    if (!vm_metadata.empty())
      (*t.manifest.mutable_labels())["vm_metadata"] = vm_metadata;
    t.settings = req.settings;
    t.open =
        [make_client, p, format, what = t.what,
         read_ahead =
             req.read_ahead]() -> result<std::unique_ptr<stream::byte_source>> {
      auto c = make_client();
      if (!c) return c.error();
      xapi::export_request er;
      er.vdi = p.snap.vdi;
      er.format =
          format == "raw" ? xapi::vdi_format::raw : xapi::vdi_format::vhd;
      if (!p.base_vdi.empty()) er.base = p.base_vdi;
      er.about = what;
      auto r = xapi::open_export(**c, er);
      if (!r) return r.error();
      std::unique_ptr<stream::byte_source> src =
          std::make_unique<export_source>(std::move(*c), std::move(*r), format,
                                          p.snap.virtual_size, what);
      // Receiving (and checking) the export overlaps with hashing and
      // sending it.
      if (read_ahead >= (1u << 20))
        src = std::make_unique<prefetch_source>(std::move(src), 1u << 20,
                                                read_ahead >> 20);
      return src;
    };
    userdevices.push_back(d.userdevice);
    tasks.push_back(std::move(t));
  }
  if (tasks.empty()) {
    cleanup("the VM has no disk to back up");
    return make_error(code::not_found, about + " has no disk to back up");
  }

  if (req.finish_session) {  // the last task of each drive closes its session
    std::set<std::string> seen;
    for (auto t = tasks.rbegin(); t != tasks.rend(); ++t)
      if (seen.insert(t->target.to_string()).second) t->finish_session = true;
  }
  out.objects = run_exports(sys, std::move(tasks));

  for (auto& o : out.objects)
    if (!o.ok && out.overall.ok())
      out.overall = make_error(code::aborted, o.what + ": " + o.error);
  if (!out.overall.ok()) {
    cleanup("the backup failed");
    return out;
  }
  status tagged;
  for (size_t i = 0; i < out.objects.size() && tagged.ok(); ++i)
    tagged = xapi::set_other_config(c, out.snapshot_ref,
                                    req.tag + ".object." + userdevices[i],
                                    out.objects[i].result.object_id());
  if (tagged.ok())
    tagged =
        xapi::set_other_config(c, out.snapshot_ref, req.tag + ".state", "kept");
  if (!tagged.ok()) {
    // Every disk is on tape, but the snapshot can't serve as a base.
    logger()->warn(
        "{}: backup complete but the snapshot could not be marked "
        "as kept ({}); the next backup will be a full",
        about, tagged.message());
    cleanup("it could not be marked as kept");
  } else if (req.retention.count() == 0) {
    cleanup("snapshot retention is 0");
  } else {
    out.snapshot_kept = true;
  }
  return out;
}

}  // namespace tapeline::hv_agent
