// The catalog schema as ordered migrations (docs/catalog.md "Schema" and
// "Migrations"). Private to tapeline_catalog.
#pragma once

#include <vector>

#include "sqlite_db.h"

namespace tapeline::catalog {

struct migration {
  int version;              // 1, 2, 3, ... without gaps
  const char* description;  // stored in schema_version
  const char* sql;          // one or more statements
};

// Every migration this build knows, in order.
const std::vector<migration>& migrations();
inline int latest_schema_version() {
  return static_cast<int>(migrations().size());
}

// Checks the file's integrity (quick_check, foreign_key_check) and brings
// its schema up to date, each migration in its own transaction. Refuses a
// database written by a newer schema. `now` is stored as applied_at.
status check_and_migrate(db* d, int64_t now);

}  // namespace tapeline::catalog
