#include "tapeline/common/config.h"

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "tapeline/common/units.h"

namespace tapeline::config {

struct table::document {
  std::string file;
  toml::table root;
  std::vector<const toml::table*> tables;       // [0] is the root
  std::set<std::string, std::less<>> declared;  // full key paths
};

namespace {

location at(const std::string& file, const toml::source_region& src) {
  return {file, src.begin.line, src.begin.column};
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// How a value reads in "got ..." messages.
std::string describe(const toml::node& n) {
  if (auto s = n.as_string()) return quoted(s->get());
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = n.as_floating_point()) {
    std::ostringstream os;
    os << f->get();
    return os.str();
  }
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return "a date or time";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min(
          {row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key)
                        : std::string(parent) + "." + std::string(key);
}

std::string list_sizes(std::initializer_list<uint64_t> sizes) {
  std::string out;
  for (auto s : sizes) out += (out.empty() ? "" : ", ") + format_size_exact(s);
  return out;
}

std::string parent_dir(const std::string& file) {
  auto slash = file.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : file.substr(0, slash);
}

struct unknown_key {
  location where;
  std::string path;
  std::string suggestion;
  std::vector<std::string> known;
};

}  // namespace

std::string location::to_string() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

result<table> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    auto c = err == ENOENT   ? code::not_found
             : err == EACCES ? code::permission_denied
                             : code::io_error;
    return make_error(
        c, path + ": cannot read configuration file: " + std::strerror(err));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return make_error(code::io_error,
                      path + ": cannot read configuration file: read error");
  return parse(text.str(), path);
}

result<table> parse(std::string_view text, const std::string& file) {
  auto doc = std::make_shared<table::document>();
  doc->file = file;
  try {
    doc->root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return make_error(code::invalid_argument,
                      at(file, e.source()).to_string() +
                          ": syntax error: " + std::string(e.description()));
  }
  doc->tables.push_back(&doc->root);
  return table(std::move(doc), 0, "");
}

const std::string& table::file() const {
  static const std::string none;
  return doc_ ? doc_->file : none;
}

location table::where() const {
  if (!doc_ || path_.empty()) return {file(), 0, 0};
  return at(doc_->file, doc_->tables[index_]->source());
}

location table::where(std::string_view key) const {
  if (!doc_) return {};
  auto& t = *doc_->tables[index_];
  auto it = t.find(key);
  if (it == t.end()) return where();
  return at(doc_->file, it->first.source());
}

std::string table::key_path(std::string_view key) const {
  return join_path(path_, key);
}

status table::error(std::string_view key, std::string_view what) const {
  auto loc = where(key).to_string();
  return make_error(code::invalid_argument, loc + ": key '" + key_path(key) +
                                                "': " + std::string(what));
}

bool table::has(std::string_view key) {
  if (!doc_) return false;
  doc_->declared.insert(key_path(key));
  return doc_->tables[index_]->contains(key);
}

// Reading one value: declare the key, then return the node or null.
#define TL_CONFIG_NODE(key)                                \
  if (!doc_) return error(key, "no configuration loaded"); \
  doc_->declared.insert(key_path(key));                    \
  const toml::node* node = doc_->tables[index_]->get(key)

result<std::optional<std::string>> table::read_string(std::string_view key) {
  TL_CONFIG_NODE(key);
  if (!node) return std::optional<std::string>();
  auto s = node->as_string();
  if (!s) return error(key, "expected a string, got " + describe(*node));
  return std::optional<std::string>(s->get());
}

status table::required_string(std::string_view key, std::string* out) {
  auto v = read_string(key);
  if (!v) return v.error();
  if (!*v) return error(key, "missing; expected a string");
  *out = std::move(**v);
  return {};
}

status table::optional_string(std::string_view key, std::string* out) {
  auto v = read_string(key);
  if (!v) return v.error();
  if (*v) *out = std::move(**v);
  return {};
}

status table::optional_one_of(std::string_view key, std::string* out,
                              std::initializer_list<std::string_view> allowed) {
  TL_CONFIG_NODE(key);
  if (!node) return {};
  std::string names;
  for (auto a : allowed) names += (names.empty() ? "" : ", ") + quoted(a);
  auto s = node->as_string();
  if (!s ||
      std::find(allowed.begin(), allowed.end(), s->get()) == allowed.end())
    return error(key, "expected one of " + names + ", got " + describe(*node));
  *out = s->get();
  return {};
}

status table::optional_integer(std::string_view key, int64_t* out, int64_t min,
                               int64_t max) {
  TL_CONFIG_NODE(key);
  if (!node) return {};
  auto range =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  bool bounded = min != std::numeric_limits<int64_t>::min() ||
                 max != std::numeric_limits<int64_t>::max();
  auto want = bounded ? range : std::string("an integer");
  auto i = node->as_integer();
  if (!i) return error(key, "expected " + want + ", got " + describe(*node));
  if (i->get() < min || i->get() > max)
    return error(key, "expected " + want + ", got " + describe(*node));
  *out = i->get();
  return {};
}

status table::required_integer(std::string_view key, int64_t* out, int64_t min,
                               int64_t max) {
  if (!has(key)) return error(key, "missing; expected an integer");
  return optional_integer(key, out, min, max);
}

status table::optional_string_array(std::string_view key,
                                    std::vector<std::string>* out) {
  TL_CONFIG_NODE(key);
  if (!node) return {};
  auto arr = node->as_array();
  if (!arr)
    return error(key, "expected an array of strings, got " + describe(*node));
  std::vector<std::string> v;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto s = (*arr)[i].as_string();
    if (!s)
      return error(key, "expected an array of strings, got " +
                            describe((*arr)[i]) + " at index " +
                            std::to_string(i));
    v.push_back(s->get());
  }
  *out = std::move(v);
  return {};
}

status table::optional_bool(std::string_view key, bool* out) {
  TL_CONFIG_NODE(key);
  if (!node) return {};
  auto b = node->as_boolean();
  if (!b) return error(key, "expected true or false, got " + describe(*node));
  *out = b->get();
  return {};
}

result<std::optional<uint64_t>> table::read_size(std::string_view key) {
  TL_CONFIG_NODE(key);
  if (!node) return std::optional<uint64_t>();
  if (auto i = node->as_integer()) {
    if (i->get() < 0)
      return error(key,
                   "expected a size such as 256K, 512M, 1.5T or 64KiB, "
                   "got " +
                       describe(*node));
    return std::optional<uint64_t>(static_cast<uint64_t>(i->get()));
  }
  auto s = node->as_string();
  if (!s)
    return error(key,
                 "expected a size such as 256K, 512M, 1.5T or 64KiB, "
                 "got " +
                     describe(*node));
  auto n = parse_size(s->get());
  if (!n) return error(key, n.error().message());
  return std::optional<uint64_t>(*n);
}

status table::optional_size(std::string_view key, uint64_t* out, uint64_t min,
                            uint64_t max) {
  auto v = read_size(key);
  if (!v) return v.error();
  if (!*v) return {};
  auto got = describe(*doc_->tables[index_]->get(key));
  if (**v < min)
    return error(key, "expected a size of at least " + format_size_exact(min) +
                          ", got " + got);
  if (**v > max)
    return error(key, "expected a size of at most " + format_size_exact(max) +
                          ", got " + got);
  *out = **v;
  return {};
}

status table::required_size(std::string_view key, uint64_t* out, uint64_t min,
                            uint64_t max) {
  if (!has(key))
    return error(key, "missing; expected a size such as 256K or 512M");
  return optional_size(key, out, min, max);
}

status table::optional_size_one_of(std::string_view key, uint64_t* out,
                                   std::initializer_list<uint64_t> allowed) {
  auto want = "expected one of " + list_sizes(allowed);
  auto v = read_size(key);
  if (!doc_ || !doc_->tables[index_]->get(key)) return {};
  auto got = describe(*doc_->tables[index_]->get(key));
  if (!v || std::find(allowed.begin(), allowed.end(), **v) == allowed.end())
    return error(key, want + ", got " + got);
  *out = **v;
  return {};
}

status table::optional_duration(std::string_view key,
                                std::chrono::milliseconds* out) {
  TL_CONFIG_NODE(key);
  if (!node) return {};
  auto s = node->as_string();
  auto d = parse_duration(s ? s->get() : std::string());
  if (!s || !d)
    return error(key,
                 "expected a duration such as 30s, 5m, 1h30m or 14d, "
                 "got " +
                     describe(*node));
  *out = *d;
  return {};
}

status table::optional_path(std::string_view key, std::string* out) {
  std::string p;
  TL_RETURN_IF_ERROR(optional_string(key, &p));
  if (!has(key)) return {};
  if (p.empty()) return error(key, "expected a file path, got \"\"");
  auto dir = parent_dir(file());
  *out = p[0] == '/' || dir.empty() ? p : dir + "/" + p;
  return {};
}

status table::required_path(std::string_view key, std::string* out) {
  if (!has(key)) return error(key, "missing; expected a file path");
  return optional_path(key, out);
}

result<std::optional<table>> table::read_table(std::string_view key) {
  TL_CONFIG_NODE(key);
  if (!node) return std::optional<table>();
  auto t = node->as_table();
  if (!t)
    return error(key, "expected a table ([" + key_path(key) + "]), got " +
                          describe(*node));
  doc_->tables.push_back(t);
  return std::optional<table>(
      table(doc_, doc_->tables.size() - 1, key_path(key)));
}

status table::required_table(std::string_view key, table* out) {
  auto v = read_table(key);
  if (!v) return v.error();
  if (!*v)
    return error(key, "missing; expected a table [" + key_path(key) + "]");
  *out = std::move(**v);
  return {};
}

status table::optional_table(std::string_view key, std::optional<table>* out) {
  auto v = read_table(key);
  if (!v) return v.error();
  *out = std::move(*v);
  return {};
}

status table::table_array(std::string_view key, std::vector<table>* out) {
  TL_CONFIG_NODE(key);
  out->clear();
  if (!node) return {};
  auto want = "expected an array of tables ([[" + key_path(key) + "]])";
  auto arr = node->as_array();
  if (!arr) return error(key, want + ", got " + describe(*node));
  for (size_t i = 0; i < arr->size(); ++i) {
    auto t = (*arr)[i].as_table();
    if (!t) return error(key, want + ", got " + describe(*node));
    doc_->tables.push_back(t);
    out->push_back(table(doc_, doc_->tables.size() - 1,
                         key_path(key) + "[" + std::to_string(i) + "]"));
  }
  return {};
}

#undef TL_CONFIG_NODE

std::vector<std::string> table::keys() {
  std::vector<std::pair<toml::source_position, std::string>> found;
  if (!doc_) return {};
  for (auto&& [k, v] : *doc_->tables[index_]) {
    doc_->declared.insert(key_path(k.str()));
    found.emplace_back(k.source().begin, std::string(k.str()));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

namespace {

// Collects the undeclared keys of `t` (at `path`) and below.
void find_unknown(const table::document& doc, const toml::table& t,
                  const std::string& path, bool recursive,
                  std::vector<unknown_key>* out);

void find_unknown_in(const table::document& doc, const toml::node& v,
                     const std::string& full, std::vector<unknown_key>* out) {
  if (auto sub = v.as_table()) {
    find_unknown(doc, *sub, full, true, out);
  } else if (auto arr = v.as_array()) {
    for (size_t i = 0; i < arr->size(); ++i)
      if (auto sub = (*arr)[i].as_table())
        find_unknown(doc, *sub, full + "[" + std::to_string(i) + "]", true,
                     out);
  }
}

void find_unknown(const table::document& doc, const toml::table& t,
                  const std::string& path, bool recursive,
                  std::vector<unknown_key>* out) {
  // Declared keys of this table, for suggestions.
  std::vector<std::string> known;
  auto prefix = path.empty() ? std::string() : path + ".";
  for (auto it = doc.declared.lower_bound(prefix); it != doc.declared.end();
       ++it) {
    if (it->compare(0, prefix.size(), prefix) != 0) break;
    auto rest = it->substr(prefix.size());
    if (rest.find_first_of(".[") == std::string::npos) known.push_back(rest);
  }
  for (auto&& [k, v] : t) {
    auto full = join_path(path, k.str());
    if (doc.declared.count(full)) {
      if (recursive) find_unknown_in(doc, v, full, out);
      continue;
    }
    unknown_key u{at(doc.file, k.source()), full, "", known};
    size_t best = std::max<size_t>(2, k.str().size() / 3) + 1;
    for (auto& cand : known) {
      auto d = edit_distance(k.str(), cand);
      auto shorter = std::min(k.str().size(), cand.size());
      if (shorter >= 3 &&
          (k.str().substr(0, shorter) == cand.substr(0, shorter)))
        d = std::min<size_t>(d, 1);  // "keyfile" for "key"
      if (d < best) {
        best = d;
        u.suggestion = cand;
      }
    }
    out->push_back(std::move(u));
  }
}

}  // namespace

void table::declare(std::initializer_list<std::string_view> keys) {
  if (!doc_) return;
  for (auto k : keys) doc_->declared.insert(key_path(k));
}

status table::check_unknown_keys() const {
  return check_unknown(false);
}

status table::check_all_unknown_keys() const {
  return check_unknown(true);
}

status table::check_unknown(bool recursive) const {
  if (!doc_) return {};
  std::vector<unknown_key> unknown;
  find_unknown(*doc_, *doc_->tables[index_], path_, recursive, &unknown);
  if (unknown.empty()) return {};
  auto first =
      std::min_element(unknown.begin(), unknown.end(), [](auto& a, auto& b) {
        return std::tie(a.where.line, a.where.column) <
               std::tie(b.where.line, b.where.column);
      });
  auto msg =
      first->where.to_string() + ": key '" + first->path + "': unknown key";
  if (!first->suggestion.empty()) {
    msg += "; did you mean '" + first->suggestion + "'?";
  } else if (!first->known.empty()) {
    msg += " (known keys here:";
    for (auto& k : first->known) msg += " " + k;
    msg += ")";
  }
  if (unknown.size() > 1)
    msg += " (and " + std::to_string(unknown.size() - 1) + " more)";
  return make_error(code::invalid_argument, msg);
}

}  // namespace tapeline::config
