// The restorable rule (DESIGN.md "Catalog", docs/catalog.md "Restorable"),
// as a pure function shared by every catalog implementation.
// No state; thread-safe.
#pragma once

#include <vector>

#include "tapeline/catalog/records.h"
#include "tapeline/common/status.h"

namespace tapeline::catalog {

// Ok when `extents` (any order) prove `o` whole on tape: parts 0..n-1
// each present once and complete, the first at payload offset 0, each next
// one starting where the previous ended, only the last not continuing, and
// together exactly o.payload_bytes long (which must equal o.expected_size
// when that is known), with the drive's SHA-256 recorded. Otherwise
// code::invalid_argument saying what is missing. Does not compare the
// source's SHA-256: see catalog::mark_restorable.
status check_coverage(const object& o, std::vector<extent> extents);

}  // namespace tapeline::catalog
