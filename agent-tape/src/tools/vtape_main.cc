// tapeline-vtape: create, list, inspect, load, eject, fault, protect and
// dump virtual cartridges (docs/virtual-drive.md).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tapeline/drive/virtual_drive.h"

namespace {

using namespace tapeline;
using namespace tapeline::drive;

// "64M" -> 67108864. Suffixes K, M, G, T are powers of 1024.
bool parse_size(const std::string& s, uint64_t& out) {
  size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &used);
  } catch (...) {
    return false;
  }
  std::string suf = s.substr(used);
  int shift = suf.empty() ? 0 : -1;
  if (suf.size() == 1) {
    const std::string units = "KMGT";
    auto i = units.find(static_cast<char>(toupper(suf[0])));
    if (i != std::string::npos) shift = 10 * static_cast<int>(i + 1);
  }
  if (shift < 0) return false;
  out = static_cast<uint64_t>(v) << shift;
  return true;
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

std::string human(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
  return buf;
}

int fail(const status& st) {
  std::cerr << "tapeline-vtape: " << st.to_string() << "\n";
  return 1;
}

std::string faults_text(const cartridge_faults& f) {
  std::string s;
  if (f.eio_at_record >= 0)
    s += " eio-at-record=" + std::to_string(f.eio_at_record);
  if (f.removed_at_record >= 0)
    s += " removed-at-record=" + std::to_string(f.removed_at_record);
  if (f.corrupt_at_record >= 0)
    s += " corrupt-record=" + std::to_string(f.corrupt_at_record);
  return s.empty() ? "none" : s.substr(1);
}

std::string summary_json(const cartridge_summary& s, const std::string& path,
                         const std::string& where) {
  std::ostringstream o;
  o << "{\"barcode\":" << json_str(s.spec.barcode)
    << ",\"path\":" << json_str(path) << ",\"location\":" << json_str(where)
    << ",\"media_type\":" << json_str(s.spec.media_type)
    << ",\"format_version\":" << s.format_version
    << ",\"capacity_bytes\":" << s.spec.capacity_bytes
    << ",\"early_warning_bytes\":" << s.spec.early_warning_bytes
    << ",\"write_protected\":" << (s.spec.write_protected ? "true" : "false")
    << ",\"records\":" << s.records << ",\"filemarks\":" << s.filemarks
    << ",\"data_bytes\":" << s.data_bytes << ",\"faults\":{"
    << "\"eio_at_record\":" << s.faults.eio_at_record
    << ",\"removed_at_record\":" << s.faults.removed_at_record
    << ",\"corrupt_at_record\":" << s.faults.corrupt_at_record
    << "},\"files\":[";
  for (size_t i = 0; i < s.files.size(); ++i)
    o << (i ? "," : "") << "{\"file\":" << i
      << ",\"records\":" << s.files[i].records
      << ",\"bytes\":" << s.files[i].bytes << "}";
  o << "]}";
  return o.str();
}

void print_summary(const cartridge_summary& s, const std::string& path) {
  double pct = s.spec.capacity_bytes
                   ? 100.0 * static_cast<double>(s.data_bytes) /
                         static_cast<double>(s.spec.capacity_bytes)
                   : 0;
  printf("cartridge       %s (%s)\n", s.spec.barcode.c_str(), path.c_str());
  printf("media           %s, format version %u\n", s.spec.media_type.c_str(),
         s.format_version);
  printf("capacity        %s (early warning %s before the end)\n",
         human(s.spec.capacity_bytes).c_str(),
         human(s.spec.early_warning_bytes).c_str());
  printf("used            %s (%.2f%%) in %llu records, %llu filemarks\n",
         human(s.data_bytes).c_str(), pct,
         static_cast<unsigned long long>(s.records),
         static_cast<unsigned long long>(s.filemarks));
  printf("write-protected %s\n", s.spec.write_protected ? "yes" : "no");
  printf("faults          %s\n", faults_text(s.faults).c_str());
  for (size_t i = 0; i < s.files.size(); ++i)
    printf("  file %-4zu %8llu records %12llu bytes\n", i,
           static_cast<unsigned long long>(s.files[i].records),
           static_cast<unsigned long long>(s.files[i].bytes));
}

int cmd_create(const std::string& library, const cartridge_spec& spec) {
  status st = create_cartridge(library, spec);
  if (!st.ok()) return fail(st);
  auto s = inspect_cartridge(cartridge_path(library, spec.barcode));
  if (!s) return fail(s.error());
  printf("created %s: %s, %s, early warning %s before the end\n",
         cartridge_path(library, spec.barcode).c_str(),
         s->spec.media_type.c_str(), human(s->spec.capacity_bytes).c_str(),
         human(s->spec.early_warning_bytes).c_str());
  return 0;
}

int cmd_list(const std::string& library, const std::vector<std::string>& slots,
             bool json) {
  std::vector<std::pair<std::string, std::string>> dirs = {{library, "shelf"}};
  for (const auto& s : slots) dirs.push_back({s, "slot"});
  std::vector<std::string> rows;
  if (!json)
    printf("%-12s %-6s %-7s %12s %12s %6s %-3s %s\n", "BARCODE", "WHERE",
           "MEDIA", "USED", "CAPACITY", "FILES", "WP", "PATH");
  for (const auto& [dir, where] : dirs) {
    auto names = list_cartridges(dir);
    if (!names) return fail(names.error());
    for (const auto& b : *names) {
      std::string path = cartridge_path(dir, b);
      auto s = inspect_cartridge(path);
      if (!s) return fail(s.error());
      if (json) {
        rows.push_back(summary_json(*s, path, where));
        continue;
      }
      printf("%-12s %-6s %-7s %12s %12s %6zu %-3s %s\n", b.c_str(),
             where.c_str(), s->spec.media_type.c_str(),
             human(s->data_bytes).c_str(),
             human(s->spec.capacity_bytes).c_str(), s->files.size(),
             s->spec.write_protected ? "yes" : "no", path.c_str());
    }
  }
  if (json) {
    printf("[");
    for (size_t i = 0; i < rows.size(); ++i)
      printf("%s%s", i ? "," : "", rows[i].c_str());
    printf("]\n");
  }
  return 0;
}

int cmd_inspect(const std::string& path, bool json) {
  auto s = inspect_cartridge(path);
  if (!s) return fail(s.error());
  if (json)
    printf("%s\n", summary_json(*s, path, "").c_str());
  else
    print_summary(*s, path);
  return 0;
}

virtual_drive cli_drive(const std::string& library, const std::string& slot) {
  virtual_drive_options o;
  o.name = "slot " + slot;
  o.library_dir = library;
  o.slot_dir = slot;
  return virtual_drive(o);
}

int cmd_load(const std::string& library, const std::string& slot,
             const std::string& barcode) {
  auto d = cli_drive(library, slot);
  status st = d.load(barcode);
  if (!st.ok()) return fail(st);
  printf("loaded %s into %s\n", barcode.c_str(), slot.c_str());
  return 0;
}

int cmd_eject(const std::string& library, const std::string& slot) {
  auto d = cli_drive(library, slot);
  auto i = d.info();
  if (!i) return fail(i.error());
  status st = d.eject();
  if (!st.ok()) return fail(st);
  printf("ejected %s to %s\n", i->volume_hint.c_str(), library.c_str());
  return 0;
}

int cmd_dump(const std::string& path, unsigned file) {
  status st = read_cartridge_file(path, file, [&](const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(STDOUT_FILENO, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0)
        return make_error(
            code::io_error,
            std::string("cannot write to stdout: ") + strerror(errno));
      p += w;
      n -= static_cast<size_t>(w);
    }
    return status{};
  });
  return st.ok() ? 0 : fail(st);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-vtape: manage virtual LTO cartridges (files "
      "BARCODE.vtape) for the virtual tape drive."};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  tapeline-vtape create --library lib LTO5-0001 --capacity 64M\n"
      "  tapeline-vtape load --library lib --slot drive0 LTO5-0001\n"
      "  tapeline-vtape dump drive0/LTO5-0001.vtape 1 | tar -t -f -\n"
      "Sizes take K, M, G or T suffixes (powers of 1024).");
  std::string library, slot, barcode, path, media = "LTO-5", cap_s = "0",
                                            ew_s = "0", onoff;
  std::vector<std::string> slots;
  bool json = false, clear = false;
  int64_t eio = -1, removed = -1, corrupt = -1;
  unsigned file = 0;

  auto* create = app.add_subcommand(
      "create",
      "Create a blank cartridge on the shelf.\n  e.g. tapeline-vtape create "
      "--library lib LTO5-0001 --media LTO-5 --capacity 64M");
  create->add_option("--library", library, "Shelf directory")->required();
  create->add_option("barcode", barcode, "Barcode, e.g. LTO5-0001")->required();
  create->add_option("--media", media, "LTO-1 .. LTO-9 (default LTO-5)");
  create->add_option("--capacity", cap_s,
                     "Capacity, e.g. 64M (default: nominal for the media)");
  create->add_option("--early-warning", ew_s,
                     "Room left at early warning, e.g. 4M (default 1%)");

  auto* list = app.add_subcommand(
      "list",
      "List cartridges on the shelf and in drive slots.\n  e.g. "
      "tapeline-vtape list --library lib --slot drive0 --json");
  list->add_option("--library", library, "Shelf directory")->required();
  list->add_option("--slot", slots, "Drive slot directory (repeatable)");
  list->add_flag("--json", json, "JSON output");

  auto* inspect = app.add_subcommand(
      "inspect",
      "Show a cartridge's files, records, bytes, capacity and faults.\n  "
      "e.g. tapeline-vtape inspect lib/LTO5-0001.vtape");
  inspect->add_option("cartridge", path, "Cartridge file")->required();
  inspect->add_flag("--json", json, "JSON output");

  auto* load = app.add_subcommand(
      "load",
      "Move a cartridge from the shelf into a drive slot.\n  e.g. "
      "tapeline-vtape load --library lib --slot drive0 LTO5-0001");
  load->add_option("--library", library, "Shelf directory")->required();
  load->add_option("--slot", slot, "Drive slot directory")->required();
  load->add_option("barcode", barcode, "Barcode")->required();

  auto* eject = app.add_subcommand(
      "eject",
      "Move the cartridge in a drive slot back to the shelf.\n  e.g. "
      "tapeline-vtape eject --library lib --slot drive0");
  eject->add_option("--library", library, "Shelf directory")->required();
  eject->add_option("--slot", slot, "Drive slot directory")->required();

  auto* fault = app.add_subcommand(
      "fault",
      "Inject a fault, stored in the cartridge (N counts records and\n"
      "  filemarks from BOT, from 0).\n  e.g. tapeline-vtape fault "
      "lib/LTO5-0001.vtape --eio-at-record 100");
  fault->add_option("cartridge", path, "Cartridge file")->required();
  auto* f1 = fault->add_option("--eio-at-record", eio,
                               "Writing block N fails with EIO");
  auto* f2 = fault->add_option("--removed-at-record", removed,
                               "Cartridge is pulled when block N is written");
  auto* f3 = fault->add_option("--corrupt-record", corrupt,
                               "Reading block N fails with EIO (bad tape)");
  auto* f4 = fault->add_flag("--clear", clear, "Remove all faults");
  f4->excludes(f1)->excludes(f2)->excludes(f3);

  auto* protect = app.add_subcommand(
      "protect",
      "Set or clear the write-protect tab.\n  e.g. tapeline-vtape protect "
      "lib/LTO5-0001.vtape on");
  protect->add_option("cartridge", path, "Cartridge file")->required();
  protect->add_option("state", onoff, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));

  auto* dump = app.add_subcommand(
      "dump",
      "Write tape file N's records, concatenated, to stdout.\n  e.g. "
      "tapeline-vtape dump drive0/LTO5-0001.vtape 1 | tar -t -f -");
  dump->add_option("cartridge", path, "Cartridge file")->required();
  dump->add_option("file", file, "Tape file number (0 = label)")->required();

  CLI11_PARSE(app, argc, argv);

  if (*create) {
    cartridge_spec s{barcode, media};
    for (auto [text, out] : {std::pair{&cap_s, &s.capacity_bytes},
                             std::pair{&ew_s, &s.early_warning_bytes}})
      if (!parse_size(*text, *out))
        return fail(make_error(code::invalid_argument,
                               "bad size '" + *text +
                                   "': use a number with an optional K, M, "
                                   "G or T suffix, e.g. 64M"));
    return cmd_create(library, s);
  }
  if (*list) return cmd_list(library, slots, json);
  if (*inspect) return cmd_inspect(path, json);
  if (*load) return cmd_load(library, slot, barcode);
  if (*eject) return cmd_eject(library, slot);
  if (*dump) return cmd_dump(path, file);
  if (*protect) {
    status st = set_write_protect(path, onoff == "on");
    if (!st.ok()) return fail(st);
    printf("%s: write protection %s\n", path.c_str(), onoff.c_str());
    return 0;
  }
  if (*fault) {
    if (!clear && eio < 0 && removed < 0 && corrupt < 0)
      return fail(make_error(code::invalid_argument,
                             "fault: give --eio-at-record N, "
                             "--removed-at-record N, --corrupt-record N or "
                             "--clear"));
    auto cur = inspect_cartridge(path);
    if (!cur) return fail(cur.error());
    cartridge_faults f = clear ? cartridge_faults{} : cur->faults;
    if (eio >= 0) f.eio_at_record = eio;
    if (removed >= 0) f.removed_at_record = removed;
    if (corrupt >= 0) f.corrupt_at_record = corrupt;
    status st = set_cartridge_faults(path, f);
    if (!st.ok()) return fail(st);
    printf("%s: faults %s\n", path.c_str(), faults_text(f).c_str());
  }
  return 0;
}
