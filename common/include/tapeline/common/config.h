// Configuration files: TOML (toml++) behind a small typed reader.
//
// Every error names the file, the line and column, the key and what was
// expected, e.g.
//   /etc/tapeline/tape-agent.toml:12:1: key 'drive[1].record_size':
//   expected one of 64K, 256K, 1M, got "300K"
// Arrays of tables are indexed from 0, as in toml++ paths.
//
// Unknown keys are errors: every reader call declares its key known, and
// check_unknown_keys() then refuses any key nobody declared, suggesting the
// nearest declared one. Typical use:
//
//   auto root = config::load_file(path);
//   if (!root) return root.error();
//   TL_RETURN_IF_ERROR(root->optional_integer("port", &port, 1, 65535));
//   ...
//   TL_RETURN_IF_ERROR(root->check_unknown_keys());
//
// A `table` is a cheap handle onto a parsed document; all handles of one
// document share it and keep it alive. Not thread-safe: use a document (and
// its handles) from one thread at a time. No exceptions escape.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/common/status.h"

namespace tapeline::config {

// A position in a configuration file, 1-based; line 0 when unknown.
struct location {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  // "FILE:LINE:COLUMN", or "FILE" when the line is unknown.
  std::string to_string() const;
};

class table;

// Reads and parses a file. Errors: code::not_found or io_error when it can't
// be read, invalid_argument with FILE:LINE:COLUMN on a TOML syntax error.
result<table> load_file(const std::string& path);

// Parses `text`; `file` names it in messages and anchors relative paths.
result<table> parse(std::string_view text, const std::string& file);

class table {
 public:
  // The table's path from the root: "" (root), "tls", "drive[1]".
  const std::string& path() const { return path_; }
  const std::string& file() const;
  // Where the table starts, or where `key` is written (the table when the
  // key is absent).
  location where() const;
  location where(std::string_view key) const;

  // Whether `key` is present. Declares it known.
  bool has(std::string_view key);

  // Readers. Each declares `key` known. When the key is absent, optional_*
  // leave *out untouched and return ok; required_* fail. A present value of
  // the wrong type or out of range is an error. Errors are
  // code::invalid_argument.
  status required_string(std::string_view key, std::string* out);
  status optional_string(std::string_view key, std::string* out);
  // A string that must be one of `allowed`.
  status optional_one_of(std::string_view key, std::string* out,
                         std::initializer_list<std::string_view> allowed);
  status required_integer(std::string_view key, int64_t* out,
                          int64_t min = std::numeric_limits<int64_t>::min(),
                          int64_t max = std::numeric_limits<int64_t>::max());
  status optional_integer(std::string_view key, int64_t* out,
                          int64_t min = std::numeric_limits<int64_t>::min(),
                          int64_t max = std::numeric_limits<int64_t>::max());
  status optional_bool(std::string_view key, bool* out);
  // An array of strings, e.g. to = ["a@x", "b@y"]; absent leaves *out
  // untouched. The error names the index of a non-string element.
  status optional_string_array(std::string_view key,
                               std::vector<std::string>* out);
  // Sizes: a string in units.h syntax ("256K"), or an integer of bytes.
  status required_size(std::string_view key, uint64_t* out, uint64_t min = 0,
                       uint64_t max = std::numeric_limits<uint64_t>::max());
  status optional_size(std::string_view key, uint64_t* out, uint64_t min = 0,
                       uint64_t max = std::numeric_limits<uint64_t>::max());
  status optional_size_one_of(std::string_view key, uint64_t* out,
                              std::initializer_list<uint64_t> allowed);
  // A duration string in units.h syntax ("30s", "14d").
  status optional_duration(std::string_view key,
                           std::chrono::milliseconds* out);
  // A file system path; a relative one is resolved against the directory of
  // the configuration file.
  status required_path(std::string_view key, std::string* out);
  status optional_path(std::string_view key, std::string* out);
  // Sub-tables ([name] or an inline table) and arrays of tables ([[name]]).
  // An absent array yields an empty vector.
  status required_table(std::string_view key, table* out);
  status optional_table(std::string_view key, std::optional<table>* out);
  status table_array(std::string_view key, std::vector<table>* out);

  // Every key of this table, in file order. Declares them all known (for
  // tables whose keys are names chosen by the operator).
  std::vector<std::string> keys();

  // An error about `key`: "FILE:LINE:COL: key 'PATH.KEY': WHAT", at the
  // key's position, or at the table's when the key is absent.
  status error(std::string_view key, std::string_view what) const;

  // Declares keys known without reading them. Useful to check for unknown
  // keys (typos) before reading, so that a misspelt key is reported as such
  // rather than as a missing one.
  void declare(std::initializer_list<std::string_view> keys);

  // Fails on the first undeclared key (by line) of this table: "unknown
  // key; did you mean 'record_size'?".
  status check_unknown_keys() const;
  // The same for this table and every table below it. Call it on the root
  // after all reads, as a safety net.
  status check_all_unknown_keys() const;

  table() = default;  // an empty, detached table; for out-parameters

  struct document;  // the parsed file; private to config.cc

 private:
  friend result<table> parse(std::string_view, const std::string&);

  table(std::shared_ptr<document> doc, size_t index, std::string path)
      : doc_(std::move(doc)), index_(index), path_(std::move(path)) {}
  std::string key_path(std::string_view key) const;
  // Reads `key` as a string (declaring it); nullopt when absent.
  result<std::optional<std::string>> read_string(std::string_view key);
  result<std::optional<uint64_t>> read_size(std::string_view key);
  result<std::optional<table>> read_table(std::string_view key);
  status check_unknown(bool recursive) const;

  std::shared_ptr<document> doc_;
  size_t index_ = 0;  // of this table in the document's table list
  std::string path_;
};

}  // namespace tapeline::config
