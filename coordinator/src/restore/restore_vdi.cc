#include "tapeline/restore/restore_vdi.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "raw_assembler.h"
#include "tapeline/common/checksum.h"
#include "tapeline/common/clock.h"
#include "tapeline/vhd/merge_files.h"

namespace tapeline::restore {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Layer files next to the output, removed when this goes out of scope.
class layer_files {
 public:
  ~layer_files() {
    close_current();
    for (auto& p : paths_) ::unlink(p.c_str());
  }
  void close_current() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Creates the next layer file; it stays open (and owned) until the next
  // create() or close_current().
  result<int> create(const std::string& next_to) {
    close_current();
    std::string tmpl =
        next_to + ".layer" + std::to_string(paths_.size()) + ".XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0)
      return make_error(code::io_error,
                        "cannot create the layer file " + tmpl + ": " +
                            std::strerror(errno) +
                            "; the output's folder needs room for every "
                            "object of the chain");
    paths_.push_back(tmpl);
    fd_ = fd;
    return fd;
  }
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
  int fd_ = -1;
};

status write_all(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0)
      return make_error(code::io_error, "writing " + path + ": " +
                                            std::strerror(errno) +
                                            "; check the free space there");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

}  // namespace

std::string describe(const catalog::object& o) {
  return "object " + o.id + " (" + o.vm_name + " disk " +
         std::to_string(o.disk) + ", " + o.kind + ")";
}

result<std::vector<read_step>> plan_reads(const catalog::restore_chain& c) {
  std::vector<read_step> out;
  if (c.steps.empty())
    return make_error(code::not_found,
                      "the restore chain of " + c.vm_name + " disk " +
                          std::to_string(c.disk) + " is empty" +
                          (c.note.empty() ? "" : ": " + c.note));
  for (size_t i = 0; i < c.steps.size(); ++i) {
    auto ex = c.steps[i].extents;
    std::sort(ex.begin(), ex.end(),
              [](const auto& a, const auto& b) { return a.part < b.part; });
    uint64_t at = 0;
    for (const auto& e : ex) {
      if (e.payload_offset != at)
        return make_error(
            code::invalid_argument,
            describe(c.steps[i].obj) + ": part " + std::to_string(e.part) +
                " on " + e.barcode + " file " + std::to_string(e.file_number) +
                " starts at byte " + std::to_string(e.payload_offset) +
                ", expected " + std::to_string(at) +
                "; rebuild the catalog from the tapes (the catalog is "
                "inconsistent)");
      at += e.payload_length;
      out.push_back({i, e});
    }
    const auto& o = c.steps[i].obj;
    if (ex.empty() || (o.payload_bytes && at != *o.payload_bytes))
      return make_error(code::invalid_argument,
                        describe(o) + ": its parts hold " + std::to_string(at) +
                            " bytes, the object " +
                            std::to_string(o.payload_bytes.value_or(0)) +
                            "; rebuild the catalog from the tapes");
  }
  return out;
}

result<restore_report> restore_vdi(drive_client& d,
                                   const catalog::restore_chain& c,
                                   const restore_options& opts) {
  auto plan = plan_reads(c);
  if (!plan) return plan.error();
  const auto& first = c.steps.front().obj;
  if (first.payload_format != "raw" && first.payload_format != "vhd")
    return make_error(code::invalid_argument,
                      describe(first) + " holds \"" + first.payload_format +
                          "\", not a disk (raw or vhd)");
  restore_report rep;
  rep.vm = c.vm_name;
  rep.disk = c.disk;
  rep.output = opts.to;
  rep.format = ends_with(opts.to, ".vhd") ? "vhd" : "raw";
  uint64_t total = 0;
  for (const auto& s : c.steps) total += s.obj.payload_bytes.value_or(0);
  const double t0 = monotonic_seconds();
  progress_meter meter(total, t0);

  auto st = d.status_report();
  if (!st) return st.error();
  std::string loaded = st->loaded() ? st->volume_id() : "";
  // A raw output is assembled in place as the objects arrive; a VHD output
  // still goes through layer files and vhd::merge_files.
  // Disabled: the direct path restored a spanned VHD full plus a delta
  // wrongly in CI (restore_test); layer files are slower but proven.
  const bool direct = false && rep.format == "raw";
  std::unique_ptr<raw_assembler> out;
  if (direct) {
    auto a = raw_assembler::create(opts.to);
    if (!a) return a.error();
    out = std::move(*a);
  }
  layer_files layers;
  int fd = -1;
  sha256 hash;
  for (size_t k = 0; k < plan->size(); ++k) {
    const auto& step = (*plan)[k];
    const auto& obj = c.steps[step.object_index].obj;
    const auto& e = step.extent;
    const bool first_part =
        k == 0 || (*plan)[k - 1].object_index != step.object_index;
    if (first_part && direct) {
      uint64_t bytes = 0;  // the object's, from its parts
      for (const auto& s : *plan)
        if (s.object_index == step.object_index)
          bytes += s.extent.payload_length;
      TL_RETURN_IF_ERROR(
          out->begin(step.object_index == 0 && first.payload_format == "raw",
                     bytes, describe(obj)));
    } else if (first_part) {
      auto f = layers.create(opts.to);
      if (!f) return f.error();
      fd = *f;
    }
    if (first_part) {
      hash = sha256();
      rep.objects.push_back({obj.id, obj.kind, {}, 0, ""});
    }
    const std::string where =
        e.barcode + " file " + std::to_string(e.file_number);
    const std::string why = "part " + std::to_string(e.part) + " of " +
                            describe(obj) + " (" + where + ")";
    const std::string& path = direct ? opts.to : layers.paths().back();
    // A one-part object's SHA-256 is its part's, which read_part computes
    // already: hash here only what spans tapes.
    const bool last_part = k + 1 == plan->size() ||
                           (*plan)[k + 1].object_index != step.object_index;
    const bool spanned = !(first_part && last_part);
    uint64_t got = 0;
    auto sink = [&](const char* p, size_t n) -> status {
      if (direct)
        TL_RETURN_IF_ERROR(out->feed(p, n));
      else
        TL_RETURN_IF_ERROR(write_all(fd, p, n, path));
      if (spanned) hash.update(p, n);
      got += n;
      double now = monotonic_seconds();
      meter.add(n, now);
      if (opts.on_progress && meter.due(now)) opts.on_progress(meter.line(now));
      return {};
    };
    result<part_read> r = status(code::no_media, "not loaded");
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (loaded != e.barcode) {
        if (!opts.mount)
          return make_error(code::no_media,
                            "tape " + e.barcode + " is needed for " + why +
                                " but drive " + d.drive() + " holds " +
                                (loaded.empty() ? "none" : loaded));
        TL_RETURN_IF_ERROR(opts.mount->ensure_loaded(d, e.barcode, why));
        loaded = e.barcode;
      }
      r = d.read_part(e.barcode, e.file_number, sink);
      if (r || r.error().error_code() != code::no_media || got > 0) break;
      loaded.clear();  // a different tape is in the drive: ask again
    }
    if (!r)
      return r.error().with_context(
          "restoring " + c.vm_name + " disk " + std::to_string(c.disk) + ": " +
          describe(obj) + ", " + where + " (run `tapeline-restore verify " +
          e.barcode + "` to check that tape)");
    if (got != e.payload_length)
      return make_error(code::corrupt, describe(obj) + ": " + where + " gave " +
                                           std::to_string(got) +
                                           " payload bytes, the "
                                           "catalog expects " +
                                           std::to_string(e.payload_length));
    auto& orep = rep.objects.back();
    orep.where.push_back(where);
    orep.bytes += got;
    rep.read_bytes += got;
    if (last_part) {
      orep.sha256 = spanned ? hash.hex_digest() : r->sha256;
      if (orep.sha256 != obj.sha256)
        return make_error(code::corrupt,
                          "SHA-256 mismatch: " + describe(obj) + " read from " +
                              where + " has SHA-256 " + orep.sha256 +
                              ", the catalog says " + obj.sha256 +
                              "; the tape is damaged there: restore from "
                              "another copy or an older chain");
      if (direct) TL_RETURN_IF_ERROR(out->end());
    }
  }
  const double t_merge = monotonic_seconds();
  if (direct) {
    auto size = out->finish();
    if (!size) return size.error();
    rep.disk_bytes = *size;
    const double t_end = monotonic_seconds();
    rep.merge_seconds = t_end - t_merge;  // the final flush to disk
    rep.seconds = t_end - t0;
    return rep;
  }
  layers.close_current();
  auto size = vhd::merge_files(
      layers.paths(), first.payload_format == "raw",
      rep.format == "vhd" ? vhd::merged_format::vhd : vhd::merged_format::raw,
      opts.to);
  if (!size) return size.error();
  rep.disk_bytes = *size;
  const double t_end = monotonic_seconds();
  rep.merge_seconds = t_end - t_merge;
  rep.seconds = t_end - t0;
  return rep;
}

}  // namespace tapeline::restore
