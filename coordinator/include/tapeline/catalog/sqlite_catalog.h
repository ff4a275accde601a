// What the SQLite implementation of `catalog` exposes beyond the interface:
// the text of the statements find() runs, so that a test can ask SQLite
// (EXPLAIN QUERY PLAN) which indexes they use. Plain strings; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace tapeline::catalog {

// Each statement with its parameters as ?1, ?2, ...
const std::vector<std::string>& sqlite_find_statements();

}  // namespace tapeline::catalog
