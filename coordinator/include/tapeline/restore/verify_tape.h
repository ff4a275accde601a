// `verify TAPE` (docs/restore.md): reads every object part the catalog lists
// on one tape back through the drive and checks it, reporting per object.
//
// A part that is a whole object is checked three ways: the drive compares
// the payload's SHA-256 with the trailer on tape, this side with what
// arrived, and both with the catalog's. A part of a spanned object is
// checked for its length (its SHA-256 covers all parts: a restore checks
// it). One damaged object does not stop the others.
//
// Does not own the client, catalog or handler. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/restore/drive_client.h"
#include "tapeline/restore/mount.h"

namespace tapeline::restore {

struct verify_entry {
  std::string object_id;
  std::string name;  // "vm01 disk 0 vdi_full"
  uint32_t file_number = 0;
  uint32_t part = 0;
  bool whole = true;  // the part is the whole object
  uint64_t bytes = 0;
  std::string sha256;  // of the part as read
  bool ok = false;
  std::string error;  // names the object, tape and file, and what to do
};

// code::not_found when the catalog lists nothing on `barcode`; an error
// also when the drive or tape agent is lost. Damaged objects are entries
// with ok false.
result<std::vector<verify_entry>> verify_tape(drive_client& d,
                                              catalog::catalog& cat,
                                              const std::string& barcode,
                                              mount_handler* mount);

}  // namespace tapeline::restore
