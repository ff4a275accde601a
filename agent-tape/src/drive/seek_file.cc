#include "tapeline/drive/drive.h"

namespace tapeline::drive {

status seek_file(tape_drive& d, unsigned n) {
  TL_RETURN_IF_ERROR(d.rewind());
  if (n == 0) return {};
  return d.space_files(static_cast<int>(n))
      .with_context(d.describe() + ": cannot seek to tape file " +
                    std::to_string(n));
}

}  // namespace tapeline::drive
