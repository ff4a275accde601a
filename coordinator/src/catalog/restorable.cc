// See restorable.h.
#include "tapeline/catalog/restorable.h"

#include <algorithm>

namespace tapeline::catalog {
namespace {

status refuse(const object& o, const std::string& why) {
  return make_error(code::invalid_argument,
                    "object " + o.id + " is not restorable: " + why);
}

}  // namespace

status check_coverage(const object& o, std::vector<extent> extents) {
  if (!o.payload_bytes)
    return refuse(o, "no drive has reported its payload size yet");
  if (o.sha256.size() != 64)
    return refuse(o, "the drive's SHA-256 is not recorded");
  if (o.expected_size >= 0 &&
      static_cast<uint64_t>(o.expected_size) != *o.payload_bytes)
    return refuse(
        o, "the manifest announced " + std::to_string(o.expected_size) +
               " bytes, the drive wrote " + std::to_string(*o.payload_bytes));
  if (extents.empty()) return refuse(o, "no extent is recorded");
  std::sort(extents.begin(), extents.end(),
            [](const extent& a, const extent& b) { return a.part < b.part; });
  uint64_t next = 0;
  for (size_t i = 0; i < extents.size(); ++i) {
    const extent& e = extents[i];
    std::string where = "part " + std::to_string(e.part) + " (tape " +
                        e.barcode + " file " + std::to_string(e.file_number) +
                        ")";
    if (e.part != i)
      return refuse(o, "part " + std::to_string(i) + " is missing");
    if (!e.complete) return refuse(o, where + " is not complete on tape");
    if (e.payload_offset != next)
      return refuse(o, where + " starts at payload byte " +
                           std::to_string(e.payload_offset) + ", expected " +
                           std::to_string(next));
    bool last = i + 1 == extents.size();
    if (e.continues && last)
      return refuse(o, where + " continues on a volume not yet recorded");
    if (!e.continues && !last)
      return refuse(o, where + " claims to be the last part, yet part " +
                           std::to_string(e.part + 1) + " exists");
    next += e.payload_length;
  }
  if (next != *o.payload_bytes)
    return refuse(o, "its extents cover " + std::to_string(next) + " of " +
                         std::to_string(*o.payload_bytes) + " payload bytes");
  return {};
}

}  // namespace tapeline::catalog
