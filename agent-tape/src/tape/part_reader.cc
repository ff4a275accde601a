// One object part read in steps: docs/tape-format.md §5 (objects), §6
// (continuations); the drive's READ (docs/wire-protocol.md).
#include "tapeline/tape/part_reader.h"

#include "drive_source.h"

namespace tapeline::tape {

using tapefmt::object_end;
using tapefmt::tape_file_kind;

part_reader::part_reader(drive::tape_drive* d, std::string volume,
                         uint32_t file)
    : drive_(d),
      volume_(std::move(volume)),
      file_(file),
      r_("tape " + volume_ + " file " + std::to_string(file)) {}

part_reader::~part_reader() = default;

std::string part_reader::what() const {
  const auto& m = r_.manifest();
  std::string id = m.object_id().empty() ? "" : m.object_id() + " ";
  return "object " + id + "(" + m.name() + ") in tape " + volume_ + " file " +
         std::to_string(file_);
}

result<std::unique_ptr<part_reader>> part_reader::open(
    drive::tape_drive* d, const std::string& volume, uint32_t file_number) {
  std::unique_ptr<part_reader> p(new part_reader(d, volume, file_number));
  const std::string where =
      "tape " + volume + " file " + std::to_string(file_number);
  if (file_number == 0)
    return make_error(code::invalid_argument,
                      where + " is the label, not an object");
  TL_RETURN_IF_ERROR(
      drive::seek_file(*d, file_number).with_context("seeking to " + where));
  p->src_ = std::make_unique<drive_source>(d);
  auto k = p->r_.open(p->src_.get());
  if (!k) return k.error();
  if (*k == tape_file_kind::continuation) {
    p->continuation_ = true;
    p->offset_ = p->r_.continuation().offset;
  } else if (*k != tape_file_kind::object) {
    return make_error(code::invalid_argument,
                      where + " is a " + tapefmt::to_string(*k) +
                          " file, not an object: check the tape file number "
                          "(the catalog lists each object's)");
  }
  return p;
}

result<bool> part_reader::read(const tapefmt::payload_sink& sink,
                               uint64_t budget) {
  auto e = r_.read_payload_some(sink, budget);
  if (!e) return e.error().with_context(what());
  if (!e->has_value()) return false;
  switch (**e) {
    case object_end::no_trailer:
      return make_error(code::corrupt,
                        what() +
                            " has no trailer: it was not completely written "
                            "and is not restorable");
    case object_end::ended_in_data:
      end_ = part_end::continues;
      sha_ = r_.payload_sha256();
      return true;
    case object_end::complete:
      break;
  }
  end_ = part_end::complete;
  sha_ = r_.payload_sha256();
  // The trailer covers the whole object: only a part that is the whole
  // object can be checked against it here.
  if (!continuation_ && (sha_ != r_.trailer().sha256() ||
                         r_.payload_bytes() != r_.trailer().payload_bytes()))
    return make_error(
        code::corrupt,
        "SHA-256 mismatch: " + what() + " read " +
            std::to_string(r_.payload_bytes()) + " bytes with SHA-256 " + sha_ +
            ", its trailer says " +
            std::to_string(r_.trailer().payload_bytes()) + " bytes, " +
            r_.trailer().sha256() + "; the tape is damaged there");
  return true;
}

}  // namespace tapeline::tape
