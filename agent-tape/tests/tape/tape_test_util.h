// Helpers shared by the tape tests: a temporary virtual library, dumps of
// tape files (as `tapeline-vtape dump` makes them), shell oracles.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_writer.h"
#include "tapeline/testing/support.h"

namespace tapeline::tape::testing {

using tapeline::testing::read_file;
using tapeline::testing::run;
using tapeline::testing::write_file;

inline std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = g();
    for (size_t j = 0; j < 8 && i + j < n; ++j) s[i + j] = char(v >> (8 * j));
  }
  return s;
}

inline int64_t fixed_now() {
  return 1767225600;
}  // 2026-01-01

// A temporary library with one virtual drive; removed at the end.
class virtual_library {
 public:
  virtual_library() {
    char tmpl[] = "/tmp/tapeline-tape-XXXXXX";
    dir_ = mkdtemp(tmpl);
    run("mkdir -p " + dir_ + "/shelf " + dir_ + "/slot");
    drive::virtual_drive_options o;
    o.name = "test";
    o.slot_dir = dir_ + "/slot";
    o.library_dir = dir_ + "/shelf";
    drive_ = std::make_unique<drive::virtual_drive>(o);
  }
  ~virtual_library() { run("rm -rf " + dir_); }

  const std::string& dir() const { return dir_; }
  drive::virtual_drive& drive() { return *drive_; }

  // Creates a cartridge and loads it.
  void load_new(const std::string& barcode, uint64_t capacity = 64ull << 20,
                uint64_t early_warning = 0) {
    drive::cartridge_spec s;
    s.barcode = barcode;
    s.capacity_bytes = capacity;
    s.early_warning_bytes = early_warning;
    ASSERT_TRUE(drive::create_cartridge(dir_ + "/shelf", s).ok());
    load(barcode);
  }
  void load(const std::string& barcode) {
    auto inf = drive_->info();
    if (inf && inf->loaded) {
      ASSERT_TRUE(drive_->eject().ok());
    }
    ASSERT_TRUE(drive_->load(barcode).ok());
    ASSERT_TRUE(drive_->open().ok());
  }

  // Tape file n of the loaded cartridge, record by record, into `path`.
  void dump(unsigned n, const std::string& path) {
    ASSERT_TRUE(drive::seek_file(*drive_, n).ok());
    std::string out, rec(1 << 20, '\0');
    for (;;) {
      auto r = drive_->read_record(rec.data(), rec.size());
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      if (r->what != drive::read_outcome::record) break;
      out.append(rec.data(), r->length);
    }
    write_file(path, out);
  }

 private:
  std::string dir_;
  std::unique_ptr<drive::virtual_drive> drive_;
};

inline v1::TapeLabel make_label(const std::string& barcode, uint32_t rs) {
  v1::TapeLabel l;
  l.set_volume_id(barcode);
  l.set_pool("test");
  l.set_media_type("LTO-5");
  l.set_media_set("set1");
  l.set_record_size(rs);
  return l;
}

inline v1::ObjectManifest make_manifest(const std::string& id,
                                        const std::string& name, int64_t size) {
  v1::ObjectManifest m;
  m.set_object_id(id);
  m.set_kind(v1::BLOB);
  m.set_name(name);
  m.set_payload_format("blob");
  m.set_expected_size(size);
  return m;
}

// Writes one object in `chunk`-byte appends (segments of `segment` bytes
// when the manifest's size is unknown). On need_volume calls `next`, which
// loads a blank tape and returns its label.
inline status write_object(volume_writer& w, const v1::ObjectManifest& m,
                           const std::string& data, size_t chunk,
                           uint64_t segment,
                           const std::function<v1::TapeLabel()>& next = {}) {
  auto handle = [&](result<progress> p) -> status {
    while (p.ok() && *p == progress::need_volume) {
      if (!next) return {code::end_of_medium, "need a volume"};
      p = w.continue_on_new_volume(next());
    }
    return p.ok() ? status() : p.error();
  };
  TL_RETURN_IF_ERROR(w.begin_object(m));
  uint64_t seg_left = 0;
  for (size_t off = 0; off < data.size();) {
    if (m.expected_size() < 0 && seg_left == 0) {
      seg_left = std::min<uint64_t>(segment, data.size() - off);
      TL_RETURN_IF_ERROR(handle(w.begin_segment(seg_left)));
    }
    size_t n = std::min(chunk, data.size() - off);
    if (m.expected_size() < 0) n = std::min<uint64_t>(n, seg_left);
    TL_RETURN_IF_ERROR(handle(w.append(data.data() + off, n)));
    off += n;
    if (m.expected_size() < 0) seg_left -= n;
  }
  v1::ObjectTrailer t;
  t.set_object_id(m.object_id());
  t.set_payload_bytes(data.size());
  t.set_sha256(sha256_hex(data.data(), data.size()));
  return handle(w.finish_object(t));
}

}  // namespace tapeline::tape::testing
