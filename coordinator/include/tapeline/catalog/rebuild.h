// Rebuilding the catalog from tapes alone (tape-format.md §9,
// docs/catalog.md "Rebuild"): turns a tape's decoded TapeLabel and its
// TAPELINE.CATALOG files (as volume_reader reads them) into catalog records.
// Pure functions, no I/O; thread-safe.
#pragma once

#include <vector>

#include "tapeline/catalog/catalog.h"
#include "tapeline/catalog/records.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::catalog {

// Checks the label's and catalogs' magic and version (refusing a newer
// format) and that every catalog belongs to this label (volume id, label
// uuid). Catalogs are cumulative (§7): entries are merged by tape file
// number, a later session's entry winning. A new tape is `full`.
// An extent is durable (complete) when its part was closed whole on tape:
// the trailer was written, or the object continues on the next volume.
result<tape_contents> contents_of_tape(
    const v1::TapeLabel& label, const std::vector<v1::TapeCatalog>& catalogs);

// contents_of_tape, then catalog.ingest, for one tape. Idempotent.
status ingest_tape(catalog& c, const v1::TapeLabel& label,
                   const std::vector<v1::TapeCatalog>& catalogs, int64_t now);

// "vdi_full", "vdi_delta", ... from the proto enum.
std::string kind_name(v1::ObjectKind k);

// The catalog record an object's manifest describes (no sizes, checksums,
// times or state: the caller knows those).
object object_from_manifest(const v1::ObjectManifest& m);

}  // namespace tapeline::catalog
