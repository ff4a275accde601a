// See sqlite_db.h.
#include "sqlite_db.h"

namespace tapeline::catalog {

stmt::~stmt() {
  if (s_) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

stmt& stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

stmt& stmt::bind(int i, const std::string& v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

stmt& stmt::bind(int i, std::optional<int64_t> v) {
  return v ? bind(i, *v) : bind_null(i);
}

stmt& stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

stmt& stmt::bind_text_or_null(int i, const std::string& v) {
  return v.empty() ? bind_null(i) : bind(i, v);
}

result<bool> stmt::step() {
  db_->before(sqlite3_sql(s_));
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, std::string("running ") + sqlite3_sql(s_));
}

status stmt::run() {
  for (;;) {
    auto r = step();
    if (!r.ok()) return r.error();
    if (!*r) return {};
  }
}

std::string stmt::text(int col) const {
  auto p = sqlite3_column_text(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         sqlite3_column_bytes(s_, col))
           : std::string();
}

db::~db() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  if (h_) sqlite3_close(h_);
}

result<std::unique_ptr<db>> db::open(const std::string& path, fault_hook hook) {
  std::unique_ptr<db> d(new db);
  d->path_ = path;
  d->hook_ = std::move(hook);
  int rc = sqlite3_open_v2(path.c_str(), &d->h_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) return d->error(rc, "opening");
  sqlite3_extended_result_codes(d->h_, 1);
  // Another process (a CLI, a backup) may hold the lock for a moment.
  sqlite3_busy_timeout(d->h_, 5000);
  return d;
}

void db::before(const char* sql) const {
  if (hook_) hook_(sql);
}

status db::exec(const std::string& sql) {
  before(sql.c_str());
  char* msg = nullptr;
  int rc = sqlite3_exec(h_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc == SQLITE_OK) return {};
  std::string m = msg ? msg : sqlite3_errstr(rc);
  sqlite3_free(msg);
  auto head = sql.substr(0, sql.find_first_of("\n;("));
  return error(rc, "running " + head + " (" + m + ")");
}

result<stmt> db::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return stmt(this, it->second);
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(h_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT,
                              &s, nullptr);
  if (rc != SQLITE_OK) return error(rc, "preparing " + sql);
  cache_[sql] = s;
  return stmt(this, s);
}

status db::begin() {
  return exec("BEGIN IMMEDIATE");
}
status db::commit() {
  return exec("COMMIT");
}
void db::rollback() {
  if (!sqlite3_get_autocommit(h_)) sqlite3_exec(h_, "ROLLBACK", 0, 0, 0);
}

status db::error(int rc, const std::string& what) const {
  int primary = rc & 0xff;
  std::string detail = h_ ? sqlite3_errmsg(h_) : sqlite3_errstr(rc);
  std::string msg = "catalog " + path_ + ": " + what + ": " + detail;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    return make_error(code::corrupt,
                      msg +
                          "; the database file is damaged: restore it "
                          "from a copy, or rebuild it from the tapes "
                          "(docs/catalog.md \"Rebuild\")");
  if (primary == SQLITE_CONSTRAINT)
    return make_error(code::invalid_argument, msg);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return make_error(code::unavailable,
                      msg +
                          "; another process holds the catalog: stop it "
                          "or try again");
  return make_error(code::io_error, msg);
}

}  // namespace tapeline::catalog
