// See read_tape.h.
#include "tapeline/catalog_tape/read_tape.h"

#include "tapeline/catalog/rebuild.h"
#include "tapeline/tape/volume_reader.h"
#include "tapeline/tapefmt/layout.h"

namespace tapeline::catalog {

result<tape_read> read_tape_for_rebuild(drive::tape_drive* d) {
  ::tapeline::tape::volume_reader r(d);
  auto s = r.scan();
  if (!s.ok())
    return s.error().with_context("reading " + d->describe() +
                                  " to rebuild the catalog");
  tape_read out;
  out.label = s->label;
  // With no catalog file on the tape (no session ended), scan() still names
  // the tape in the catalog it returns: only the scanned parts vouch for it.
  out.catalogs.push_back(s->catalog);
  return out;
}

status ingest_loaded_tape(catalog& c, drive::tape_drive* d, int64_t now) {
  auto t = read_tape_for_rebuild(d);
  if (!t.ok()) return t.error();
  return ingest_tape(c, t->label, t->catalogs, now);
}

}  // namespace tapeline::catalog
