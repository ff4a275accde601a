// tapeline-extract: the self-contained disaster-recovery tool (issue #5).
// Reads Tapeline tape files (dumps from `tapeline-vtape dump`, or
// `dd if=/dev/nst0 bs=256k` of a real drive) with no coordinator, database
// or network: lists them, verifies payload SHA-256s against the trailers,
// extracts payloads and merges a disk's backup chain into a raw disk.
// docs/tape-format.md is the format; docs/disaster-recovery.md the manual.
//
// Memory stays bounded: payloads stream to files; the chain merge reads the
// extracted layers (temporary files next to the output) by random access.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/common/units.h"
#include "tapeline/tapefmt/byte_source.h"
#include "tapeline/tapefmt/json.h"
#include "tapeline/tapefmt/tape_file_reader.h"
#include "tapeline/vhd/chain.h"
#include "tapeline/vhd/file_io.h"
#include "tapeline/vhd/image.h"
#include "tapeline/vhd/merge_files.h"

namespace {

using namespace tapeline;
using nlohmann::json;
using tapefmt::object_end;
using tapefmt::tape_file_kind;

constexpr char prog[] = "tapeline-extract";

int fail(const status& st) {
  std::cerr << prog << ": " << st.message() << "\n";
  return 1;
}

// One tape file read from a regular file or a pipe ("-": standard input).
class file_tape_source final : public tapefmt::byte_source {
 public:
  static result<std::unique_ptr<file_tape_source>> open(
      const std::string& path) {
    int fd = path == "-" ? dup(0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return make_error(code::io_error,
                        "cannot open tape file " + path + ": " +
                            std::strerror(errno) +
                            "; check the path (a dump of one tape file)");
    return std::unique_ptr<file_tape_source>(new file_tape_source(fd, path));
  }
  ~file_tape_source() override { ::close(fd_); }

  result<std::string_view> read(size_t max) override {
    size_t want = std::min(max, buf_.size());
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return make_error(code::io_error, "reading " + path_ + " at byte " +
                                              std::to_string(pos_) + ": " +
                                              std::strerror(errno));
      pos_ += static_cast<uint64_t>(n);
      return std::string_view(buf_.data(), static_cast<size_t>(n));
    }
  }
  std::string where() const override {
    return path_ + " byte " + std::to_string(pos_);
  }

 private:
  file_tape_source(int fd, std::string path)
      : fd_(fd), path_(std::move(path)), buf_(1 << 20) {}
  int fd_;
  std::string path_;
  std::vector<char> buf_;
  uint64_t pos_ = 0;
};

// A progress line on stderr, when stderr is a terminal, at most twice a
// second.
class progress {
 public:
  progress(std::string what, int64_t total)
      : what_(std::move(what)), total_(total), tty_(isatty(2)) {}
  ~progress() {
    if (shown_) std::cerr << "\n";
  }
  void add(size_t n) {
    done_ += n;
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    shown_ = true;
    std::cerr << "\r" << prog << ": " << what_ << ": " << format_bytes(done_);
    if (total_ > 0)
      std::cerr << " of " << format_bytes(static_cast<uint64_t>(total_)) << " ("
                << done_ * 100 / static_cast<uint64_t>(total_) << "%)";
    std::cerr << "   " << std::flush;
  }

 private:
  std::string what_;
  int64_t total_;
  bool tty_;
  bool shown_ = false;
  uint64_t done_ = 0;
  std::chrono::steady_clock::time_point last_;
};

// What reading one object (all its parts) found.
struct object_info {
  v1::ObjectManifest manifest;
  v1::ObjectTrailer trailer;
  object_end end = object_end::no_trailer;
  std::string sha256;  // computed; set when end == complete
  uint64_t bytes = 0;  // payload bytes read
  uint32_t segments = 0;
  uint32_t parts = 0;

  bool complete() const { return end == object_end::complete; }
  bool sha_ok() const {
    return complete() && sha256 == trailer.sha256() &&
           bytes == trailer.payload_bytes();
  }
  // Why the object is not restorable, or "" when it is.
  std::string problem(const std::string& file) const {
    if (end == object_end::ended_in_data)
      return "tape file " + file + " ends inside the payload of " +
             manifest.name() +
             " (spanned onto the next tape, or truncated): give the next "
             "part's tape file after it";
    if (end == object_end::no_trailer)
      return "object " + manifest.object_id() + " (" + manifest.name() +
             ") in " + file +
             " has no TAPELINE.TRAILER: the write was aborted, it is not "
             "restorable; use an older backup";
    if (!sha_ok())
      return "object " + manifest.object_id() + " (" + manifest.name() +
             ") in " + file + ": payload SHA-256 " + sha256 + " (" +
             std::to_string(bytes) + " bytes) does not match the trailer's " +
             trailer.sha256() + " (" + std::to_string(trailer.payload_bytes()) +
             " bytes): the tape data is damaged; use another copy";
    return "";
  }
};

// Called after the manifest is read, before the payload streams: a chance
// to refuse the object early. Returns non-ok to stop.
using manifest_check = std::function<status(const v1::ObjectManifest&)>;

// Reads the object whose first part is parts[0] and whose further parts
// (spanned, docs/tape-format.md §6) follow, streaming its payload to `sink`
// (may be empty).
result<object_info> read_opened(tapefmt::tape_file_reader& r,
                                std::unique_ptr<file_tape_source> first,
                                const std::vector<std::string>& parts,
                                const tapefmt::payload_sink& sink,
                                const manifest_check& check);

result<object_info> read_object(const std::vector<std::string>& parts,
                                const tapefmt::payload_sink& sink,
                                const manifest_check& check = {}) {
  auto src = file_tape_source::open(parts[0]);
  if (!src) return src.error();
  tapefmt::tape_file_reader r(parts[0]);
  auto kind = r.open(src->get());
  if (!kind) return kind.error();
  if (*kind == tape_file_kind::continuation)
    return make_error(code::invalid_argument,
                      parts[0] + " is a later part of a spanned object (" +
                          r.continuation().member +
                          "): give the object's first part first");
  if (*kind != tape_file_kind::object)
    return make_error(code::invalid_argument,
                      parts[0] + " holds a " + tapefmt::to_string(*kind) +
                          ", not an object; `" + prog +
                          " list` shows what each tape file holds");
  return read_opened(r, std::move(*src), parts, sink, check);
}

// The rest of read_object(), once open() found an object in parts[0].
result<object_info> read_opened(tapefmt::tape_file_reader& r,
                                std::unique_ptr<file_tape_source> first,
                                const std::vector<std::string>& parts,
                                const tapefmt::payload_sink& sink,
                                const manifest_check& check) {
  object_info info;
  info.manifest = r.manifest();
  if (check) TL_RETURN_IF_ERROR(check(info.manifest));
  progress prog_line(info.manifest.name(), info.manifest.expected_size());
  auto counted = [&](const char* p, size_t n) -> status {
    prog_line.add(n);
    return sink ? sink(p, n) : status::ok_status();
  };
  std::vector<std::unique_ptr<file_tape_source>> sources;
  sources.push_back(std::move(first));
  size_t next = 1;
  for (;;) {
    auto end = r.read_payload(counted);
    if (!end) return end.error();
    info.end = *end;
    if (*end != object_end::ended_in_data || next == parts.size()) break;
    auto more = file_tape_source::open(parts[next]);
    if (!more) return more.error();
    TL_RETURN_IF_ERROR(r.resume(more->get(), parts[next]));
    sources.push_back(std::move(*more));
    ++next;
  }
  if (next < parts.size())
    return make_error(code::invalid_argument,
                      "the object in " + parts[0] + " ended before part " +
                          parts[next] + "; give only its own parts");
  info.parts = static_cast<uint32_t>(next);
  info.bytes = r.payload_bytes();
  info.segments = r.segments();
  if (info.complete()) {
    info.trailer = r.trailer();
    info.sha256 = r.payload_sha256();
  }
  return info;
}

json proto_json(const google::protobuf::Message& m) {
  return json::parse(tapefmt::to_json(m));
}

std::string kind_name(v1::ObjectKind k) {
  return v1::ObjectKind_Name(k);
}

std::string end_name(object_end e) {
  switch (e) {
    case object_end::complete:
      return "complete";
    case object_end::no_trailer:
      return "no_trailer";
    case object_end::ended_in_data:
      return "continues";
  }
  return "?";
}

// ---- list ------------------------------------------------------------------

result<json> describe(const std::string& file) {
  auto src = file_tape_source::open(file);
  if (!src) return src.error();
  tapefmt::tape_file_reader r(file);
  auto kind = r.open(src->get());
  if (!kind) return kind.error();
  json j = {{"file", file}, {"kind", tapefmt::to_string(*kind)}};
  switch (*kind) {
    case tape_file_kind::label:
      j["label"] = proto_json(r.label());
      break;
    case tape_file_kind::catalog:
      j["catalog"] = proto_json(r.catalog());
      break;
    case tape_file_kind::object:
    case tape_file_kind::continuation: {
      if (*kind == tape_file_kind::object)
        j["manifest"] = proto_json(r.manifest());
      else
        j["continuation"] = {{"member", r.continuation().member},
                             {"offset", r.continuation().offset},
                             {"size_left", r.continuation().size_left}};
      progress p(file, r.manifest().expected_size());
      auto end = r.read_payload([&](const char*, size_t n) {
        p.add(n);
        return status::ok_status();
      });
      if (!end) return end.error();
      j["end"] = end_name(*end);
      j["payload_bytes_read"] = r.payload_bytes();
      j["segments"] = r.segments();
      if (*end == object_end::complete) j["trailer"] = proto_json(r.trailer());
      break;
    }
    default:
      break;
  }
  return j;
}

void print_text(const json& j) {
  const std::string file = j["file"];
  const std::string kind = j["kind"];
  // A field as text; proto3 JSON omits defaults (empty, 0, false).
  auto s = [](const json& o, const char* k) -> std::string {
    if (!o.contains(k)) return "-";
    return o[k].is_string() ? o[k].get<std::string>() : o[k].dump();
  };
  if (kind == "label") {
    auto& l = j["label"];
    std::cout << file << ": label " << s(l, "volume_id") << ", pool "
              << s(l, "pool") << ", " << s(l, "media_type") << ", record size "
              << s(l, "record_size") << ", media set " << s(l, "media_set")
              << " #" << s(l, "media_set_seq") << "\n";
  } else if (kind == "catalog") {
    auto& c = j["catalog"];
    std::cout << file << ": catalog of " << s(c, "volume_id") << ", session "
              << s(c, "session") << ", "
              << (c.contains("entries") ? c["entries"].size() : 0) << " entries"
              << (c.value("end_of_medium", false) ? " (end of medium)" : "")
              << "\n";
    if (c.contains("entries"))
      for (auto& e : c["entries"]) {
        auto& m = e["manifest"];
        std::cout << "  file " << e.value("file_number", 0) << " part "
                  << e.value("part", 0) << ": " << s(m, "name") << " "
                  << s(m, "kind") << " object " << s(m, "object_id")
                  << (e.value("complete", false)
                          ? " complete sha256 " + s(e, "sha256")
                          : " incomplete")
                  << (e.value("continues", false) ? " continues" : "") << "\n";
      }
  } else if (kind == "object" || kind == "continuation") {
    if (j.contains("manifest")) {
      auto& m = j["manifest"];
      std::cout << file << ": object " << s(m, "object_id") << " "
                << s(m, "kind") << " " << s(m, "name") << "\n  VM "
                << s(m, "vm_name") << " " << s(m, "vm_uuid") << " disk "
                << m.value("disk", 0) << " VDI " << s(m, "vdi_uuid")
                << ", format " << s(m, "payload_format") << ", parent "
                << s(m, "parent_object_id") << "\n";
    } else {
      auto& c = j["continuation"];
      std::cout << file << ": continuation of " << s(c, "member")
                << " at offset " << s(c, "offset") << "\n";
    }
    std::cout << "  payload " << j["payload_bytes_read"] << " bytes in "
              << j["segments"] << " member(s), " << j["end"].get<std::string>();
    if (j.contains("trailer"))
      std::cout << ", trailer sha256 " << s(j["trailer"], "sha256");
    std::cout << "\n";
  } else if (kind == "tools") {
    std::cout << file
              << ": tools: tapeline-extract and README.txt (tar -x "
                 "extracts them; docs/disaster-recovery.md)\n";
  } else {
    std::cout << file << ": " << kind << " (not a Tapeline file; skipped)\n";
  }
}

int cmd_list(const std::vector<std::string>& files, bool as_json) {
  json all = json::array();
  int rc = 0;
  for (auto& f : files) {
    auto j = describe(f);
    if (!j) {
      fail(j.error());
      rc = 1;
      if (as_json) all.push_back({{"file", f}, {"error", j.error().message()}});
      continue;
    }
    if (as_json)
      all.push_back(*j);
    else
      print_text(*j);
  }
  if (as_json) std::cout << all.dump(2) << "\n";
  return rc;
}

// ---- verify ----------------------------------------------------------------

// The kind of tape file `f`, or foreign when it cannot be read.
tape_file_kind peek_kind(const std::string& f) {
  auto src = file_tape_source::open(f);
  if (!src) return tape_file_kind::foreign;
  tapefmt::tape_file_reader r(f);
  auto kind = r.open(src->get());
  return kind ? *kind : tape_file_kind::foreign;
}

int cmd_verify(const std::vector<std::string>& files) {
  int failed = 0, ok = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    auto src = file_tape_source::open(f);
    if (!src) {
      std::cout << f << ": FAILED: " << src.error().message() << "\n";
      ++failed;
      continue;
    }
    tapefmt::tape_file_reader r(f);
    auto kind = r.open(src->get());
    if (kind && *kind == tape_file_kind::continuation) {
      std::cout << f << ": continuation of " << r.continuation().member
                << " (verified only after the object's first part)\n";
      continue;
    }
    if (kind && *kind != tape_file_kind::object) {
      std::cout << f << ": " << tapefmt::to_string(*kind)
                << " (no payload to verify)\n";
      continue;
    }
    // A spanned object's later parts follow its first part.
    std::vector<std::string> parts = {f};
    while (kind && i + 1 < files.size() &&
           peek_kind(files[i + 1]) == tape_file_kind::continuation)
      parts.push_back(files[++i]);
    auto info = kind ? read_opened(r, std::move(*src), parts, {}, {})
                     : result<object_info>(kind.error());
    if (!info) {
      std::cout << f << ": FAILED: " << info.error().message() << "\n";
      ++failed;
      continue;
    }
    std::string problem = info->problem(parts.back());
    std::cout << f << ": object " << info->manifest.object_id() << " ("
              << info->manifest.name() << ")";
    if (parts.size() > 1) std::cout << " in " << parts.size() << " parts";
    if (!problem.empty()) {
      std::cout << ": FAILED: " << problem << "\n";
      ++failed;
    } else {
      std::cout << ": ok, " << format_bytes(info->bytes) << ", sha256 "
                << info->sha256 << "\n";
      ++ok;
    }
  }
  std::cerr << prog << ": " << ok << " object(s) ok, " << failed << " failed\n";
  return failed ? 1 : 0;
}

// ---- extract ---------------------------------------------------------------

// Streams the object in `parts` to `out` and checks it. `out` is created
// only once the first part is known to hold an object that passes `check`;
// on any later failure it is removed.
result<object_info> extract_to(const std::vector<std::string>& parts,
                               const std::string& out,
                               const manifest_check& check = {}) {
  std::unique_ptr<vhd::file_sink> sink;
  auto info = read_object(
      parts,
      [&](const char* p, size_t n) {
        return sink->write(std::string_view(p, n));
      },
      [&](const v1::ObjectManifest& m) -> status {
        if (check) TL_RETURN_IF_ERROR(check(m));
        auto s = vhd::file_sink::create(out);
        if (!s) return s.error();
        sink = std::move(*s);
        return status::ok_status();
      });
  status st = info ? sink->close() : info.error();
  if (st && info) {
    std::string problem = info->problem(parts.back());
    if (!problem.empty()) st = make_error(code::corrupt, problem);
  }
  if (!st) {
    if (sink && out != "-") ::unlink(out.c_str());
    return st;
  }
  return info;
}

int cmd_extract(const std::vector<std::string>& parts, const std::string& out) {
  auto info = extract_to(parts, out);
  if (!info) return fail(info.error());
  std::cerr << prog << ": " << out << ": " << info->manifest.name() << ", "
            << format_bytes(info->bytes) << ", sha256 " << info->sha256
            << " (matches the trailer)\n";
  return 0;
}

// ---- restore-chain ---------------------------------------------------------

// Temporary payload files, removed when it goes out of scope.
struct temp_files {
  std::vector<std::string> paths;
  ~temp_files() {
    for (auto& p : paths) ::unlink(p.c_str());
  }
  result<std::string> make(const std::string& next_to) {
    std::string tmpl =
        next_to + ".layer" + std::to_string(paths.size()) + ".XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0)
      return make_error(code::io_error,
                        "cannot create a temporary file " + tmpl + ": " +
                            std::strerror(errno) +
                            "; the output's directory needs room for every "
                            "layer of the chain");
    ::close(fd);
    paths.push_back(tmpl);
    return tmpl;
  }
};

// Groups tape files into objects: a continuation part belongs to the
// object before it.
std::vector<std::vector<std::string>> group_parts(
    const std::vector<std::string>& files) {
  std::vector<std::vector<std::string>> groups;
  for (auto& f : files) {
    if (!groups.empty() && peek_kind(f) == tape_file_kind::continuation)
      groups.back().push_back(f);
    else
      groups.push_back({f});
  }
  return groups;
}

int cmd_restore_chain(const std::vector<std::string>& args,
                      const std::string& out) {
  temp_files temps;
  std::vector<object_info> objs;
  auto groups = group_parts(args);
  std::vector<std::string> files;  // each object's first part
  for (auto& g : groups) files.push_back(g[0]);
  for (size_t i = 0; i < files.size(); ++i) {
    auto tmp = temps.make(out);
    if (!tmp) return fail(tmp.error());
    const std::string& f = files[i];
    auto check = [&](const v1::ObjectManifest& m) -> status {
      if (i == 0) {
        if (m.kind() != v1::VDI_FULL)
          return make_error(code::invalid_argument,
                            f + " holds a " + kind_name(m.kind()) + " (" +
                                m.name() +
                                "), not a VDI_FULL: give the chain's full "
                                "first, then its deltas oldest first");
        if (m.payload_format() != "vhd" && m.payload_format() != "raw")
          return make_error(code::invalid_argument,
                            f + ": the full's payload format is \"" +
                                m.payload_format() +
                                "\"; only vhd and raw can be merged");
        return status::ok_status();
      }
      const auto& prev = objs.back().manifest;
      if (m.kind() != v1::VDI_DELTA || m.payload_format() != "vhd")
        return make_error(code::invalid_argument,
                          f + " holds a " + kind_name(m.kind()) + " (" +
                              m.payload_format() +
                              "), not a VHD delta: after the full give only "
                              "its deltas, oldest first");
      if (m.parent_object_id() != prev.object_id())
        return make_error(
            code::invalid_argument,
            f + ": delta " + m.object_id() + " has parent " +
                m.parent_object_id() + ", but the previous file " +
                files[i - 1] + " holds object " + prev.object_id() +
                ": the chain is out of order or a night is missing; "
                "`tapeline-extract list` shows each file's parent");
      return status::ok_status();
    };
    auto info = extract_to(groups[i], *tmp, check);
    if (!info) return fail(info.error());
    std::cerr << prog << ": " << f << ": " << info->manifest.name() << " "
              << kind_name(info->manifest.kind()) << ", "
              << format_bytes(info->bytes) << ", sha256 ok\n";
    objs.push_back(std::move(*info));
  }

  bool raw_base = objs[0].manifest.payload_format() == "raw";
  auto size =
      vhd::merge_files(temps.paths, raw_base, vhd::merged_format::raw, out);
  if (!size) return fail(size.error());
  std::cerr << prog << ": " << out << ": raw disk of " << format_bytes(*size)
            << " from " << objs.size() << " layer(s)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-extract: read Tapeline tape files without a coordinator, a "
      "database or a network (docs/disaster-recovery.md).\n"
      "A tape file is a dump of one file of a tape: `tapeline-vtape dump "
      "CART N > fN.tar`, or `mt -f /dev/nst0 asf N; dd if=/dev/nst0 bs=256k "
      "of=fN.tar` (bs = the tape's record size or more).\n\n"
      "Examples:\n"
      "  tapeline-extract list f0.tar f1.tar f9.tar\n"
      "  tapeline-extract list --json f1.tar | jq '.[0].manifest'\n"
      "  tapeline-extract verify f*.tar\n"
      "  tapeline-extract extract f3.tar -o disk0.vhd\n"
      "  tapeline-extract extract part0.tar part1.tar -o disk0.raw   # "
      "spanned\n"
      "  tapeline-extract restore-chain -o disk0.raw f1.tar f4.tar f7.tar"};
  app.require_subcommand(1);

  std::vector<std::string> files;
  std::string out;
  bool as_json = false;
  auto* list = app.add_subcommand(
      "list",
      "What each tape file holds: label, object manifest (name, kind, VM, "
      "disk, parent), payload size and trailer SHA-256, or catalog entries.");
  list->add_option("files", files, "tape files")->required();
  list->add_flag("--json", as_json, "print JSON");

  auto* verify = app.add_subcommand(
      "verify",
      "Recompute each object's payload SHA-256 and compare it with its "
      "TAPELINE.TRAILER. Give a spanned object's parts in order, one after "
      "the other. Exit status 1 when any object fails.");
  verify->add_option("files", files, "tape files")->required();

  auto* extract = app.add_subcommand(
      "extract",
      "Write an object's payload (segments joined) to a file, checking its "
      "SHA-256. For an object spanned across tapes, give its parts in order.");
  extract->add_option("parts", files, "the object's tape file(s)")->required();
  extract->add_option("-o,--out", out, "output file, or - for stdout")
      ->required();

  auto* chain = app.add_subcommand(
      "restore-chain",
      "Extract a disk's full and its deltas (oldest first), check that each "
      "delta's parent is the object before it and every SHA-256, and merge "
      "them into a raw disk. A layer spanned over tapes is given as its "
      "parts in order. Needs room for the layers next to the output.");
  chain->add_option("files", files, "the full's tape file, then the deltas'")
      ->required();
  chain->add_option("-o,--out", out, "the raw disk to write")->required();

  CLI11_PARSE(app, argc, argv);
  if (*list) return cmd_list(files, as_json);
  if (*verify) return cmd_verify(files);
  if (*extract) return cmd_extract(files, out);
  return cmd_restore_chain(files, out);
}
