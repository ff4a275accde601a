// See rebuild.h.
#include "tapeline/catalog/rebuild.h"

#include <algorithm>
#include <map>

#include "tapeline/tapefmt/layout.h"

namespace tapeline::catalog {
namespace {

status refuse(const std::string& barcode, const std::string& why) {
  return make_error(
      code::invalid_argument,
      "cannot rebuild the catalog from tape " + barcode + ": " + why);
}

object object_of(const v1::CatalogEntry& e) {
  const auto& m = e.manifest();
  object o = object_from_manifest(m);
  o.created_at = m.created_unix();
  if (e.complete() && e.sha256().size() == 64) {
    o.payload_bytes = e.payload_bytes();
    o.sha256 = e.sha256();
  }
  return o;
}

extent extent_of(const v1::CatalogEntry& e, const std::string& barcode) {
  extent x;
  x.object_id = e.manifest().object_id();
  x.barcode = barcode;
  x.file_number = e.file_number();
  x.part = e.part();
  x.payload_offset = e.payload_offset();
  x.payload_length = e.payload_length();
  x.first_block = e.first_block();
  x.records = e.records();
  x.continues = e.continues();
  x.complete = e.complete() || e.continues();
  return x;
}

}  // namespace

object object_from_manifest(const v1::ObjectManifest& m) {
  object o;
  o.id = m.object_id();
  o.kind = kind_name(m.kind());
  o.vm_name = m.vm_name();
  o.vm_uuid = m.vm_uuid();
  o.vdi_uuid = m.vdi_uuid();
  o.disk = m.disk();
  o.parent_id = m.parent_object_id();
  o.delta = m.kind() == v1::VDI_DELTA;
  o.payload_format = m.payload_format();
  o.expected_size = m.expected_size();
  return o;
}

std::string kind_name(v1::ObjectKind k) {
  std::string s = v1::ObjectKind_Name(k);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

result<tape_contents> contents_of_tape(
    const v1::TapeLabel& label, const std::vector<v1::TapeCatalog>& catalogs) {
  const std::string& id = label.volume_id();
  if (label.magic() != tapefmt::label_magic)
    return refuse(id, "its label's magic is '" + label.magic() + "'");
  if (label.format_version() > tapefmt::format_version)
    return refuse(id, "it was written by a newer Tapeline (format " +
                          std::to_string(label.format_version()) +
                          "); upgrade Tapeline");
  if (id.empty()) return refuse("(no volume id)", "its label has no volume id");
  std::map<uint32_t, const v1::CatalogEntry*> by_file;
  uint32_t session = 0;
  for (const auto& c : catalogs) {
    if (c.magic() != tapefmt::catalog_magic ||
        c.format_version() > tapefmt::format_version)
      return refuse(id, "catalog of session " + std::to_string(c.session()) +
                            " has magic '" + c.magic() + "' version " +
                            std::to_string(c.format_version()));
    if (c.volume_id() != id ||
        (!c.label_uuid().empty() && c.label_uuid() != label.label_uuid()))
      return refuse(id, "a catalog of tape " + c.volume_id() + " (label " +
                            c.label_uuid() +
                            ") was given with it; read the catalogs of "
                            "this tape only");
    if (c.session() < session) continue;  // an older catalog: superseded
    session = c.session();
    for (const auto& e : c.entries()) by_file[e.file_number()] = &e;
  }
  tape_contents out;
  tape& t = out.label;
  t.barcode = id;
  t.pool = label.pool();
  t.media_type = label.media_type();
  t.state = tape_state::full;
  t.label_uuid = label.label_uuid();
  t.media_set = label.media_set();
  t.media_set_seq = label.media_set_seq();
  t.record_size = label.record_size();
  t.labelled_at = label.created_unix();
  uint64_t end_block = 0;
  for (const auto& [file, e] : by_file) {
    if (e->manifest().object_id().empty())
      return refuse(id, "file " + std::to_string(file) +
                            " has an entry without an object id");
    out.objects.push_back(object_of(*e));
    out.extents.push_back(extent_of(*e, id));
    end_block = std::max<uint64_t>(end_block, e->first_block() + e->records());
  }
  t.bytes_used = end_block * t.record_size;
  return out;
}

status ingest_tape(catalog& c, const v1::TapeLabel& label,
                   const std::vector<v1::TapeCatalog>& catalogs, int64_t now) {
  auto tc = contents_of_tape(label, catalogs);
  if (!tc.ok()) return tc.error();
  return c.ingest({std::move(*tc)}, now);
}

}  // namespace tapeline::catalog
