// find(): the restore chain of a disk as of a time (docs/catalog.md
// "Find"). Every statement is served by the partial index objects_restore
// (or objects_by_name) and the extents' primary key, named with INDEXED BY
// so that no statistics can turn a search into a scan; catalog_find_test
// proves it with EXPLAIN QUERY PLAN.
#include <algorithm>
#include <limits>
#include <set>

#include "rows.h"
#include "sqlite_catalog.h"
#include "tapeline/catalog/sqlite_catalog.h"

namespace tapeline::catalog {
namespace {

enum statement { by_uuid, by_name, disks, newest_full, deltas, parts };

const std::vector<std::string>& statements() {
  static const std::vector<std::string> all = {
      "SELECT vm_uuid, vm_name FROM objects INDEXED BY objects_restore WHERE "
      "state = 'restorable' "
      "AND vm_uuid = ?1 LIMIT 1",
      "SELECT DISTINCT vm_uuid, vm_name FROM objects INDEXED BY "
      "objects_by_name "
      "WHERE state = 'restorable' AND vm_name = ?1",
      "SELECT DISTINCT disk FROM objects INDEXED BY objects_restore WHERE "
      "state = 'restorable' "
      "AND vm_uuid = ?1 ORDER BY disk",
      std::string("SELECT ") + object_columns +
          " FROM objects INDEXED BY objects_restore "
          "WHERE state = 'restorable' AND vm_uuid = ?1 "
          "AND disk = ?2 AND delta = 0 AND created_at <= ?3 "
          "ORDER BY created_at DESC LIMIT 1",
      std::string("SELECT ") + object_columns +
          " FROM objects INDEXED BY objects_restore "
          "WHERE state = 'restorable' AND vm_uuid = ?1 "
          "AND disk = ?2 AND delta = 1 AND created_at > ?3 "
          "AND created_at <= ?4 ORDER BY created_at",
      "SELECT e.object_id, e.barcode, e.file_number, e.part, "
      "e.payload_offset, e.payload_length, e.first_block, e.records, "
      "e.continues, e.complete, t.state FROM extents e "
      "JOIN tapes t ON t.barcode = e.barcode WHERE e.object_id = ?1 "
      "ORDER BY e.part",
  };
  return all;
}

struct vm_id {
  std::string uuid, name;
};

std::string when(int64_t at) {
  return at == std::numeric_limits<int64_t>::max()
             ? std::string("now")
             : "Unix time " + std::to_string(at);
}

}  // namespace

const std::vector<std::string>& sqlite_find_statements() {
  return statements();
}

result<restore_chain> sqlite_catalog::chain_for(const std::string& vm_uuid,
                                                uint32_t disk, int64_t at) {
  auto read_vm = [&](stmt& s) {
    s.bind(1, vm_uuid).bind(2, int64_t(disk)).bind(3, at);
  };
  auto full = query_all<object>(db_.get(), statements()[newest_full], read_vm,
                                read_object);
  if (!full.ok()) return full.error();
  if (full->empty())
    return not_found("a restorable full of VM " + vm_uuid + " disk " +
                     std::to_string(disk) + " at or before " + when(at));
  restore_chain c;
  c.vm_uuid = vm_uuid;
  c.vm_name = full->front().vm_name;
  c.disk = disk;
  c.steps.push_back({full->front(), {}});
  auto ds = query_all<object>(
      db_.get(), statements()[deltas],
      [&](stmt& s) {
        s.bind(1, vm_uuid)
            .bind(2, int64_t(disk))
            .bind(3, full->front().created_at)
            .bind(4, at);
      },
      read_object);
  if (!ds.ok()) return ds.error();
  for (auto& d : *ds) {
    if (d.parent_id != c.steps.back().obj.id) {
      c.note = "delta " + d.id + " needs " +
               (d.parent_id.empty() ? std::string("an unrecorded parent")
                                    : d.parent_id) +
               ", which is not restorable; the chain ends at " +
               c.steps.back().obj.id;
      break;
    }
    c.steps.push_back({std::move(d), {}});
  }
  std::set<std::string> away;
  for (auto& step : c.steps) {
    auto ex = query_all<extent>(
        db_.get(), statements()[parts],
        [&](stmt& s) { s.bind(1, step.obj.id); },
        [&](const stmt& s) {
          auto st = parse_tape_state(s.text(10));
          if (st && is_offsite(*st)) away.insert(s.text(1));
          return read_extent(s);
        });
    if (!ex.ok()) return ex.error();
    step.extents = std::move(*ex);
  }
  c.offsite_tapes.assign(away.begin(), away.end());
  return c;
}

result<std::vector<restore_chain>> sqlite_catalog::find(const find_query& q) {
  auto pair = [](const stmt& s) { return vm_id{s.text(0), s.text(1)}; };
  auto bind_vm = [&](stmt& s) { s.bind(1, q.vm); };
  auto vms = query_all<vm_id>(db_.get(), statements()[by_uuid], bind_vm, pair);
  if (!vms.ok()) return vms.error();
  if (vms->empty()) {
    vms = query_all<vm_id>(db_.get(), statements()[by_name], bind_vm, pair);
    if (!vms.ok()) return vms.error();
  }
  if (vms->empty())
    return not_found("a restorable backup of VM '" + q.vm +
                     "' (by name or uuid)");
  if (vms->size() > 1) {
    std::string uuids;
    for (auto& v : *vms) uuids += (uuids.empty() ? "" : ", ") + v.uuid;
    return make_error(code::invalid_argument,
                      "VM name '" + q.vm + "' matches several VMs (" + uuids +
                          "): give the VM's uuid instead");
  }
  std::string uuid = vms->front().uuid;
  int64_t at = q.at.value_or(std::numeric_limits<int64_t>::max());
  std::vector<uint32_t> wanted;
  if (q.disk) {
    wanted.push_back(*q.disk);
  } else {
    auto ds = query_all<uint32_t>(
        db_.get(), statements()[disks], [&](stmt& s) { s.bind(1, uuid); },
        [](const stmt& s) { return static_cast<uint32_t>(s.i64(0)); });
    if (!ds.ok()) return ds.error();
    wanted = std::move(*ds);
  }
  std::vector<restore_chain> out;
  status last;
  for (uint32_t disk : wanted) {
    auto c = chain_for(uuid, disk, at);
    if (c.ok()) {
      out.push_back(std::move(*c));
    } else if (c.error().error_code() == code::not_found) {
      last = c.error();
    } else {
      return c.error();
    }
  }
  if (out.empty())
    return last.ok() ? not_found("a restorable full of VM " + uuid) : last;
  return out;
}

}  // namespace tapeline::catalog
