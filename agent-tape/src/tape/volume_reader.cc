// The read side of docs/tape-format.md: §2 identification, §5 objects,
// §6 spanned objects, §9 rebuilding the catalog.
#include "tapeline/tape/volume_reader.h"

#include <memory>

#include "drive_source.h"

namespace tapeline::tape {

using tapefmt::object_end;
using tapefmt::tape_file_kind;
using tapefmt::tape_file_reader;

volume_reader::volume_reader(drive::tape_drive* d) : drive_(d) {}

std::string volume_reader::where(uint32_t file) const {
  std::string tape = tape_name_;
  if (tape.empty()) {
    auto inf = drive_->info();
    tape = inf && !inf->volume_hint.empty() ? "tape " + inf->volume_hint
                                            : "tape in " + drive_->describe();
  }
  return tape + " file " + std::to_string(file);
}

result<v1::TapeLabel> volume_reader::read_label() {
  tape_name_.clear();
  TL_RETURN_IF_ERROR(drive_->rewind());
  drive_source src(drive_);
  tape_file_reader r(where(0));
  auto k = r.open(&src);
  if (!k) return k.error();
  if (*k == tape_file_kind::empty && src.hit_eod() && src.records() == 0)
    return status(code::not_found, where(0) + " is blank (no label)");
  if (*k != tape_file_kind::label)
    return status(code::corrupt, "not a Tapeline tape: " + where(0) + " is " +
                                     tapefmt::to_string(*k) +
                                     ", not TAPELINE.LABEL");
  TL_RETURN_IF_ERROR(src.drain());
  tape_name_ = "tape " + r.label().volume_id();
  return r.label();
}

// Walks the tape files by their first record (§9 step 2). Leaves `*files`
// at the number of tape files before EOD.
result<uint32_t> volume_reader::find_last_catalog(uint32_t* files) {
  uint32_t last = 0;
  for (uint32_t f = 1;; ++f) {
    drive_source src(drive_);
    tape_file_reader r(where(f));
    auto k = r.open(&src);
    if (src.hit_eod() && src.records() == 0) {
      *files = f;
      return last;
    }
    if (k && *k == tape_file_kind::catalog) last = f;
    if (!src.at_end() && !drive_->space_files(1)) {
      *files = f + 1;  // the last file has no filemark (§8)
      return last;
    }
  }
}

result<v1::TapeCatalog> volume_reader::read_catalog() {
  auto l = read_label();
  if (!l) return l.error();
  uint32_t files = 0;
  auto last = find_last_catalog(&files);
  if (!last) return last.error();
  if (*last == 0)
    return status(code::not_found, tape_name_ + " has no catalog file");
  TL_RETURN_IF_ERROR(drive::seek_file(*drive_, *last));
  drive_source src(drive_);
  tape_file_reader r(where(*last));
  auto k = r.open(&src);
  if (!k) return k.error();
  return r.catalog();
}

namespace {

// The catalog entry for an object part found by scanning (§9 step 3).
v1::CatalogEntry scanned_part(tape_file_reader& r, tape_file_kind k,
                              const result<object_end>& end) {
  v1::CatalogEntry e;
  *e.mutable_manifest() = r.manifest();
  bool cont = k == tape_file_kind::continuation;
  e.set_part(cont ? 1 : 0);  // a continuation's index is in the prior catalog
  e.set_payload_offset(cont ? r.continuation().offset : 0);
  e.set_payload_length(r.part_payload_bytes());
  // Found after the last catalog file, a part never continues: spanning
  // always writes an end-of-medium catalog after the part it continues
  // (§6), so a part cut short here was cut by a crash, not by the tape.
  e.set_continues(false);
  if (end && *end == object_end::complete && !cont &&
      r.payload_sha256() == r.trailer().sha256()) {
    e.set_complete(true);
    e.set_sha256(r.trailer().sha256());
    e.set_payload_bytes(r.trailer().payload_bytes());
  }
  return e;
}

}  // namespace

status volume_reader::scan_file(uint32_t file, tape_scan* out, bool* eod) {
  drive_source src(drive_);
  tape_file_reader r(where(file));
  auto k = r.open(&src);
  if (src.hit_eod() && src.records() == 0) {
    *eod = true;
    out->next_file = file;
    return {};
  }
  uint64_t first = out->next_block;
  std::optional<v1::CatalogEntry> entry;
  if (k && *k == tape_file_kind::catalog) {
    out->catalog = r.catalog();
    out->last_catalog_file = file;
    first = r.catalog().first_block();
  } else if (k && (*k == tape_file_kind::object ||
                   *k == tape_file_kind::continuation)) {
    auto end = r.read_payload(nullptr);
    entry = scanned_part(r, *k, end);
  }
  TL_RETURN_IF_ERROR(src.drain().with_context(where(file)));
  out->next_block = first + src.records() + (src.hit_filemark() ? 1 : 0);
  if (entry) {
    entry->set_file_number(file);
    entry->set_first_block(first);
    entry->set_records(src.records());
    *out->catalog.add_entries() = std::move(*entry);
  }
  if (src.hit_eod()) {
    out->needs_filemark = true;
    out->next_file = file + 1;
    *eod = true;
  }
  return {};
}

result<tape_scan> volume_reader::scan() {
  tape_scan out;
  auto l = read_label();
  if (!l) return l.error();
  out.label = *l;
  uint32_t files = 0;
  auto last = find_last_catalog(&files);
  if (!last) return last.error();
  TL_RETURN_IF_ERROR(drive::seek_file(*drive_, *last));
  bool eod = false;
  for (uint32_t f = *last; !eod; ++f)
    TL_RETURN_IF_ERROR(scan_file(f, &out, &eod));
  if (!out.needs_filemark) TL_RETURN_IF_ERROR(drive_->space_to_eod());
  if (out.catalog.magic().empty()) {  // no catalog file yet: say whose it is
    out.catalog.set_magic(tapefmt::catalog_magic);
    out.catalog.set_format_version(tapefmt::format_version);
    out.catalog.set_volume_id(out.label.volume_id());
    out.catalog.set_label_uuid(out.label.label_uuid());
  }
  return out;
}

result<object_read> volume_reader::read_object(
    uint32_t file_number, const tapefmt::payload_sink& sink,
    const next_volume_fn& next) {
  TL_RETURN_IF_ERROR(drive::seek_file(*drive_, file_number));
  auto src = std::make_unique<drive_source>(drive_);
  tape_file_reader r(where(file_number));
  auto k = r.open(src.get());
  if (!k) return k.error();
  if (*k != tape_file_kind::object)
    return status(code::invalid_argument,
                  where(file_number) + " is a " + tapefmt::to_string(*k) +
                      " file, not the start of an object");
  const std::string what = "object " + r.manifest().object_id() + " (" +
                           r.manifest().name() + ") starting in " +
                           where(file_number);
  object_read out;
  out.parts = 1;
  for (;;) {
    auto end = r.read_payload(sink);
    if (!end) return end.error();
    if (*end == object_end::complete) break;
    if (*end == object_end::no_trailer)
      return status(code::corrupt,
                    what +
                        " has no trailer: it was not "
                        "completely written and is not restorable");
    if (!next)
      return status(code::not_found,
                    what +
                        " ends inside its payload without a trailer: "
                        "unless the catalog shows it continues on another "
                        "tape, it was not completely written and is not "
                        "restorable");
    auto f = next(r.manifest(), out.parts);
    if (!f) return f.error();
    tape_name_.clear();
    TL_RETURN_IF_ERROR(drive::seek_file(*drive_, *f));
    src = std::make_unique<drive_source>(drive_);
    TL_RETURN_IF_ERROR(r.resume(src.get(), where(*f)));
    ++out.parts;
  }
  std::string sha = r.payload_sha256();
  if (sha != r.trailer().sha256() ||
      r.payload_bytes() != r.trailer().payload_bytes())
    return status(code::corrupt,
                  "SHA-256 mismatch: " + what + " read " +
                      std::to_string(r.payload_bytes()) +
                      " bytes with SHA-256 " + sha + ", its trailer says " +
                      std::to_string(r.trailer().payload_bytes()) + " bytes, " +
                      r.trailer().sha256() + "; the tape is damaged");
  out.manifest = r.manifest();
  out.trailer = r.trailer();
  out.payload_bytes = r.payload_bytes();
  return out;
}

result<std::string> volume_reader::verify_object(uint32_t file_number) {
  auto o = read_object(file_number, nullptr);
  if (!o) return o.error();
  return "object " + o->manifest.object_id() + " (" + o->manifest.name() +
         "): " + std::to_string(o->payload_bytes) + " bytes, SHA-256 " +
         o->trailer.sha256() + " verified in " + where(file_number);
}

}  // namespace tapeline::tape
