// A thin RAII layer over the SQLite C API for the catalog: one connection,
// prepared statements cached by SQL text, transactions, and every error
// turned into a status that names the database file.
//
// Private to tapeline_catalog. Not thread-safe: one thread per db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tapeline/catalog/catalog.h"
#include "tapeline/common/status.h"

namespace tapeline::catalog {

class db;

// A prepared statement in use: bind, step, read columns, reset on scope exit.
class stmt {
 public:
  stmt(db* owner, sqlite3_stmt* s) : db_(owner), s_(s) {}
  ~stmt();
  stmt(stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;

  // Binds by 1-based index; returns *this for chaining.
  stmt& bind(int i, int64_t v);
  stmt& bind(int i, const std::string& v);
  stmt& bind(int i, std::optional<int64_t> v);
  stmt& bind_null(int i);
  stmt& bind_text_or_null(int i, const std::string& v);  // "" -> NULL

  // Runs one step: true for a row, false when done; errors as status.
  result<bool> step();
  // Steps to the end (INSERT/UPDATE/DELETE).
  status run();

  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  std::string text(int col) const;
  bool is_null(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL;
  }

 private:
  db* db_;
  sqlite3_stmt* s_;
};

class db {
 public:
  ~db();
  // Opens or creates `path`. Maps "not a database" and corruption to
  // code::corrupt.
  static result<std::unique_ptr<db>> open(const std::string& path,
                                          fault_hook hook);

  // Runs one or more statements without results.
  status exec(const std::string& sql);
  // A cached prepared statement for `sql`.
  result<stmt> prepare(const std::string& sql);

  status begin();  // BEGIN IMMEDIATE: takes the write lock now
  status commit();
  void rollback();  // best effort

  // "catalog /path: what failed: sqlite's message"
  status error(int rc, const std::string& what) const;
  const std::string& path() const { return path_; }
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(h_); }
  int changes() const { return sqlite3_changes(h_); }
  void before(const char* sql) const;

 private:
  db() = default;
  sqlite3* h_ = nullptr;
  std::string path_;
  fault_hook hook_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

// A write transaction: commits with commit(), rolls back when destroyed
// uncommitted (so an early `return status` undoes everything).
class transaction {
 public:
  explicit transaction(db* d) : db_(d) {}
  ~transaction() {
    if (open_) db_->rollback();
  }
  status begin() {
    TL_RETURN_IF_ERROR(db_->begin());
    open_ = true;
    return {};
  }
  status commit() {
    open_ = false;
    return db_->commit();
  }

 private:
  db* db_;
  bool open_ = false;
};

}  // namespace tapeline::catalog
