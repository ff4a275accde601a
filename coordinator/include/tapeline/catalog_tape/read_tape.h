// Rebuilding the catalog from the tape in a drive (tape-format.md §9,
// docs/catalog.md "Rebuild"): reads the loaded tape's label and catalog with
// tape::volume_reader and hands them to catalog::ingest_tape.
//
// Kept out of tapeline_catalog so that the catalog does not depend on the
// tape library. Does not own the drive or the catalog; the drive must hold
// a loaded, open tape. Every call moves the tape. Thread-safety: one thread
// at a time per drive and per catalog.
#pragma once

#include <cstdint>
#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/common/status.h"
#include "tapeline/drive/drive.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::catalog {

// One tape as read back for a rebuild.
struct tape_read {
  v1::TapeLabel label;
  // The last catalog file plus the object parts found after it (§9); one
  // catalog. A tape with no catalog file yet gets one made from its label
  // and the parts scanned (a crash before the first session ended).
  std::vector<v1::TapeCatalog> catalogs;
};

// Reads the label and catalog of the tape loaded in `d`. code::not_found
// for a blank tape, code::corrupt for a tape that is not Tapeline's.
result<tape_read> read_tape_for_rebuild(drive::tape_drive* d);

// read_tape_for_rebuild, then ingest_tape. Idempotent.
status ingest_loaded_tape(catalog& c, drive::tape_drive* d, int64_t now);

}  // namespace tapeline::catalog
