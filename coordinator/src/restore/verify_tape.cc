#include "tapeline/restore/verify_tape.h"

namespace tapeline::restore {

result<std::vector<verify_entry>> verify_tape(drive_client& d,
                                              catalog::catalog& cat,
                                              const std::string& barcode,
                                              mount_handler* mount) {
  auto extents = cat.extents_on_tape(barcode);
  if (!extents) return extents.error();
  if (extents->empty())
    return make_error(code::not_found,
                      "the catalog lists no objects on tape " + barcode +
                          "; check the barcode, or rebuild the catalog from "
                          "that tape");
  auto st = d.status_report();
  if (!st) return st.error();
  if (!(st->loaded() && st->volume_id() == barcode)) {
    if (!mount)
      return make_error(code::no_media, "load " + barcode + " into drive " +
                                            d.drive() + " first");
    TL_RETURN_IF_ERROR(mount->ensure_loaded(d, barcode, "verify " + barcode));
  }
  std::vector<verify_entry> out;
  for (const auto& e : *extents) {
    verify_entry v;
    v.object_id = e.object_id;
    v.file_number = e.file_number;
    v.part = e.part;
    auto o = cat.get_object(e.object_id);
    if (o) {
      v.name = o->vm_name.empty() ? o->kind
                                  : o->vm_name + " disk " +
                                        std::to_string(o->disk) + " " + o->kind;
      v.whole = e.part == 0 && !e.continues &&
                o->payload_bytes.value_or(e.payload_length) == e.payload_length;
    }
    const std::string where =
        "tape " + barcode + " file " + std::to_string(e.file_number);
    auto r = d.read_part(barcode, e.file_number, nullptr);
    if (!r) {
      if (r.error().error_code() == code::unavailable) return r.error();
      v.error = "object " + e.object_id + " (" + v.name + ") in " + where +
                ": " + r.error().message();
    } else {
      v.bytes = r->bytes;
      v.sha256 = r->sha256;
      if (r->bytes != e.payload_length)
        v.error = "object " + e.object_id + " in " + where + ": read " +
                  std::to_string(r->bytes) + " bytes, the catalog says " +
                  std::to_string(e.payload_length);
      else if (v.whole && o && r->sha256 != o->sha256)
        v.error = "object " + e.object_id + " in " + where + ": SHA-256 " +
                  r->sha256 + ", the catalog says " + o->sha256;
    }
    v.ok = v.error.empty();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace tapeline::restore
