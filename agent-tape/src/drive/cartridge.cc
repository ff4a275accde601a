// Cartridge files on the shelf: create, change, list, inspect, read.
#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cartridge_file.h"
#include "tapeline/drive/virtual_drive.h"

namespace tapeline::drive {
namespace {

constexpr const char* suffix = ".vtape";

status check_barcode(const std::string& b) {
  bool ok = !b.empty() && b.size() < 32;
  for (char c : b)
    ok = ok && (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  if (ok) return {};
  return make_error(code::invalid_argument,
                    "bad barcode '" + b +
                        "': use 1 to 31 letters, digits, "
                        "'-' or '_' (e.g. LTO5-0001)");
}

// Opens, lets `change` edit the header, stores it back.
template <class F>
status edit_header(const std::string& path, F change) {
  cartridge_file c;
  TL_RETURN_IF_ERROR(c.open(path, true));
  cartridge_header h = c.header();
  change(h);
  return c.store_header(h);
}

}  // namespace

std::string cartridge_path(const std::string& dir, const std::string& barcode) {
  return dir + "/" + barcode + suffix;
}

status create_cartridge(const std::string& library_dir,
                        const cartridge_spec& spec) {
  TL_RETURN_IF_ERROR(check_barcode(spec.barcode));
  cartridge_header h;
  h.spec = resolve_spec(spec);
  if (h.spec.early_warning_bytes >= h.spec.capacity_bytes)
    return make_error(code::invalid_argument,
                      "cartridge " + spec.barcode +
                          ": the early-warning room must be smaller than the "
                          "capacity");
  return cartridge_file::create(cartridge_path(library_dir, spec.barcode), h);
}

status set_cartridge_faults(const std::string& path,
                            const cartridge_faults& faults) {
  return edit_header(path, [&](cartridge_header& h) { h.faults = faults; });
}

status set_write_protect(const std::string& path, bool on) {
  return edit_header(path,
                     [&](cartridge_header& h) { h.spec.write_protected = on; });
}

result<std::vector<std::string>> list_cartridges(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d)
    return make_error(
        errno == ENOENT ? code::not_found : code::io_error,
        "cannot list cartridges in " + dir + ": " + strerror(errno));
  std::vector<std::string> out;
  const size_t sl = strlen(suffix);
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > sl && n.compare(n.size() - sl, sl, suffix) == 0)
      out.push_back(n.substr(0, n.size() - sl));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

result<cartridge_summary> inspect_cartridge(const std::string& path) {
  cartridge_file c;
  TL_RETURN_IF_ERROR(c.open(path, false));
  cartridge_summary s;
  s.spec = c.header().spec;
  s.faults = c.header().faults;
  s.format_version = c.header().format_version;
  s.filemarks = c.filemark_count();
  s.records = c.entry_count() - s.filemarks;
  s.data_bytes = c.data_before(c.entry_count());
  tape_file_summary f;
  for (size_t i = 0; i < c.entry_count(); ++i) {
    if (c.is_filemark(i)) {
      s.files.push_back(f);
      f = {};
    } else {
      ++f.records;
      f.bytes += c.length(i);
    }
  }
  if (f.records > 0) s.files.push_back(f);
  return s;
}

status read_cartridge_file(
    const std::string& path, unsigned file_number,
    const std::function<status(const char* data, size_t n)>& sink) {
  cartridge_file c;
  TL_RETURN_IF_ERROR(c.open(path, false));
  size_t start = 0;
  if (file_number > 0) {
    if (file_number > c.filemark_count())
      return make_error(code::not_found,
                        path + " has no tape file " +
                            std::to_string(file_number) + " (it has " +
                            std::to_string(c.filemark_count()) +
                            " filemark(s)); see tapeline-vtape inspect");
    start = c.filemark_index(file_number - 1) + 1;
  }
  std::vector<char> buf;
  for (size_t i = start; i < c.entry_count() && !c.is_filemark(i); ++i) {
    buf.resize(c.length(i));
    TL_RETURN_IF_ERROR(c.read_payload(i, buf.data()));
    TL_RETURN_IF_ERROR(sink(buf.data(), buf.size()));
  }
  return {};
}

}  // namespace tapeline::drive
