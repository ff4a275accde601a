// Writes the fuzzers' seed corpora (tests/fuzz/corpus/TARGET/) with
// Tapeline's own writers, so the seeds are what the readers meet in
// practice: frames from wire::encode and chunk_builder, tapes written by
// volume_writer on a virtual drive, and small dynamic and differencing
// VHDs. Run by tests/fuzz/make_seeds.sh; the output is committed.
//
// Usage: fuzz_make_seeds CORPUS_DIR
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_writer.h"
#include "tapeline/vhd/format.h"

using namespace tapeline;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kib = 1024;
fs::path out_dir;

void put(const std::string& target, const std::string& name,
         const std::string& bytes) {
  fs::create_directories(out_dir / target);
  std::ofstream(out_dir / target / name, std::ios::binary) << bytes;
}

void die(const std::string& what, const status& st) {
  std::cerr << "fuzz_make_seeds: " << what << ": " << st.message() << "\n";
  std::exit(1);
}

std::string u16(uint32_t v) {
  return {char(v & 0xff), char(v >> 8)};
}
std::string u24(uint32_t v) {
  return u16(v & 0xffff) + char(v >> 16);
}

// ---- wire ----------------------------------------------------------------

v1::Frame open_frame(uint64_t id, int64_t size) {
  v1::Frame f;
  f.mutable_open()->set_stream_id(id);
  f.mutable_open()->set_drive("lto5");
  f.mutable_open()->set_max_chunk(64 * kib);
  auto* m = f.mutable_open()->mutable_manifest();
  m->set_name("web01/disk0.vhd");
  m->set_expected_size(size);
  m->set_payload_format("vhd");
  (*m->mutable_labels())["job"] = "nightly";
  return f;
}

std::string enc(v1::Frame f) {
  return wire::encode(f).bytes;
}

void wire_seeds() {
  wire::chunk_builder b(100);
  std::string payload(100, 'x');
  std::copy(payload.begin(), payload.end(), b.payload());
  put("wire", "chunk", b.seal(7, 3, 100, crc32c(payload.data(), 100)).bytes);
  put("wire", "open", enc(open_frame(7, 4096)));
  v1::Frame c;
  c.mutable_close()->set_stream_id(7);
  c.mutable_close()->set_total_bytes(4096);
  c.mutable_close()->set_sha256(std::string(64, 'a'));
  put("wire", "close", wire::encode(c).bytes);
  v1::Frame cmd;
  cmd.mutable_command()->set_op(v1::DriveCommand::VERIFY);
  cmd.mutable_command()->set_file_number(2);
  put("wire", "command", wire::encode(cmd).bytes);
  v1::Frame chunk;  // a chunk as protobuf writes it (minimal varints)
  chunk.mutable_chunk()->set_stream_id(7);
  chunk.mutable_chunk()->set_seq(0);
  chunk.mutable_chunk()->set_data("hello");
  chunk.mutable_chunk()->set_crc32c(crc32c("hello", 5));
  put("wire", "chunk_protobuf", wire::encode(chunk).bytes);
}

// ---- stream recipes (stream_fuzz.cc's opcodes) ----------------------------

std::string op_open(uint8_t id, uint32_t size24) {
  return std::string{char(1), char(id)} + u24(size24) + char(4) + "disk" +
         char(1);
}
std::string op_chunk(uint32_t n, char fill) {
  return std::string{char(2), char(0)} + u16(n) + fill;
}
std::string op_close() {
  return std::string{char(3), char(0)};
}
std::string op_command(v1::DriveCommand::Op op, uint8_t file) {
  return std::string{char(5), char(op), char(file), char(0), char(0)};
}
const std::string op_pump(1, char(6));

void stream_seeds() {
  std::string known = op_open(1, 3000) + op_chunk(1000, 'a') +
                      op_chunk(2000, 'b') + op_pump + op_close() + op_pump +
                      op_command(v1::DriveCommand::FINISH_SESSION, 0) +
                      op_command(v1::DriveCommand::VERIFY, 1);
  put("stream", "known_size", known);
  std::string unknown = op_open(2, 0xFFFFFF);
  for (int i = 0; i < 30; ++i) unknown += op_chunk(64 * kib, char('a' + i));
  unknown += op_pump + op_close() + op_pump;
  put("stream", "unknown_size_spans", unknown);
  put("stream", "bad_crc",
      op_open(3, 100) + std::string{char(2), char(1)} + u16(100) + 'z' +
          op_pump);
  put("stream", "abort_then_status",
      op_open(4, 5000) + op_chunk(3000, 'q') + op_pump +
          std::string{char(4), char(4)} +
          op_command(v1::DriveCommand::STATUS, 0) +
          op_command(v1::DriveCommand::EJECT, 0));
  std::string raw = enc(open_frame(9, 10));
  put("stream", "raw_open",
      std::string{char(0)} + u16(raw.size()) + raw + op_chunk(10, 'r') +
          op_close() + op_pump);
}

// ---- tapes ------------------------------------------------------------------

struct shelf {
  std::string root, lib, slot;
  shelf() {
    std::string t = fs::temp_directory_path() / "tapeline-seeds-XXXXXX";
    root = ::mkdtemp(t.data());
    lib = root + "/shelf";
    slot = root + "/slot";
    fs::create_directories(lib);
    fs::create_directories(slot);
  }
  ~shelf() { fs::remove_all(root); }
};

// Records of tape file `n` of a cartridge.
std::vector<std::string> records(const std::string& cart, unsigned n) {
  std::vector<std::string> out;
  auto st = drive::read_cartridge_file(cart, n, [&](const char* p, size_t k) {
    out.emplace_back(p, k);
    return status{};
  });
  if (!st.ok()) die("read tape file " + std::to_string(n), st);
  return out;
}

std::string trim_zeros(std::string s) {
  size_t end = s.find_last_not_of('\0');
  s.resize(end == std::string::npos ? 0 : end + 1);
  return s;
}

// A cartridge as volume_reader_fuzz.cc's opcodes.
std::string cartridge_recipe(const std::string& cart) {
  auto sum = drive::inspect_cartridge(cart);
  if (!sum) die("inspect", sum.error());
  std::string out;
  for (unsigned f = 0; f < sum->files.size(); ++f) {
    for (const std::string& r : records(cart, f)) {
      std::string t = trim_zeros(r);
      out += char(r.size() == 64 * kib ? 2 : 1);
      const std::string& body = r.size() == 64 * kib ? t : r;
      out += u16(body.size()) + body;
    }
    if (f + 1 < sum->files.size() || sum->filemarks > f) out += char(0);
  }
  return out + char(3);
}

// One tape file as tape_file_fuzz.cc's input (whole, no second part).
std::string tape_file_input(const std::string& cart, unsigned n) {
  std::string all;
  for (const std::string& r : records(cart, n)) all += r;
  all = trim_zeros(all);
  all.resize((all.size() + 1023) / 512 * 512 + 1024, '\0');  // end of archive
  return std::string{char(255)} + u16(0xFFFF) + all;
}

int64_t fixed_now() {
  return 1767225600;
}

void tape_seeds() {
  shelf s;
  for (const char* bc : {"SEED-01", "SEED-02"}) {
    drive::cartridge_spec spec;
    spec.barcode = bc;
    spec.capacity_bytes = 2048 * kib;
    spec.early_warning_bytes = 512 * kib;
    if (auto st = drive::create_cartridge(s.lib, spec); !st.ok())
      die("create", st);
  }
  drive::virtual_drive_options vo;
  vo.name = "seed";
  vo.slot_dir = s.slot;
  vo.library_dir = s.lib;
  drive::virtual_drive d(vo);
  if (auto st = d.load("SEED-01"); !st.ok()) die("load", st);
  tape::writer_options wo;
  wo.record_size = 64 * kib;
  wo.now_unix = fixed_now;
  tape::volume_writer w(&d, wo);
  v1::TapeLabel l;
  l.set_volume_id("SEED-01");
  l.set_pool("default");
  l.set_media_set("ms-seed");
  l.set_media_type("LTO-5");
  if (auto st = w.label(l, false); !st.ok()) die("label", st);

  // Object 1: known size.
  v1::ObjectManifest m;
  m.set_object_id("obj-known");
  m.set_name("web01/disk0.raw");
  m.set_expected_size(3000);
  std::string payload(3000, 'k');
  sha256 h;
  h.update(payload.data(), payload.size());
  v1::ObjectTrailer t;
  t.set_object_id("obj-known");
  t.set_payload_bytes(payload.size());
  t.set_sha256(h.hex_digest());
  if (auto st = w.begin_object(m); !st.ok()) die("begin", st);
  if (auto r = w.append(payload.data(), payload.size()); !r)
    die("append", r.error());
  if (auto r = w.finish_object(t); !r) die("finish", r.error());

  // Object 2: unknown size, two segments.
  m.set_object_id("obj-segments");
  m.set_name("files/etc.tar.zst");
  m.set_expected_size(-1);
  if (auto st = w.begin_object(m); !st.ok()) die("begin", st);
  sha256 h2;
  for (int seg = 0; seg < 2; ++seg) {
    std::string p(700 + seg, char('s' + seg));
    h2.update(p.data(), p.size());
    if (auto r = w.begin_segment(p.size()); !r) die("segment", r.error());
    if (auto r = w.append(p.data(), p.size()); !r) die("append", r.error());
  }
  t.set_object_id("obj-segments");
  t.set_payload_bytes(1401);
  t.set_sha256(h2.hex_digest());
  if (auto r = w.finish_object(t); !r) die("finish", r.error());

  // Object 3: aborted.
  m.set_object_id("obj-aborted");
  m.set_expected_size(5000);
  if (auto st = w.begin_object(m); !st.ok()) die("begin", st);
  if (auto r = w.append(payload.data(), 1000); !r) die("append", r.error());
  if (auto st = w.abort_object("seed: sender lost"); !st.ok()) die("abort", st);
  if (auto st = w.finish_session(); !st.ok()) die("session", st);

  // Object 4: spans onto SEED-02 (payload of zeros: small recipes).
  m.set_object_id("obj-spanned");
  m.set_expected_size(1800 * kib);
  if (auto st = w.begin_object(m); !st.ok()) die("begin", st);
  std::string zeros(64 * kib, '\0');
  sha256 h3;
  for (uint64_t sent = 0; sent < 1800 * kib;) {
    size_t n = std::min<uint64_t>(zeros.size(), 1800 * kib - sent);
    sent += n;
    h3.update(zeros.data(), n);
    auto r = w.append(zeros.data(), n);
    if (!r) die("append", r.error());
    if (*r == tape::progress::need_volume) {
      if (auto st = d.eject(); !st.ok()) die("eject", st);
      if (auto st = d.load("SEED-02"); !st.ok()) die("load 2", st);
      v1::TapeLabel l2 = l;
      l2.set_volume_id("SEED-02");
      l2.set_media_set_seq(2);
      auto c = w.continue_on_new_volume(l2);
      if (!c) die("continue", c.error());
    }
  }
  t.set_object_id("obj-spanned");
  t.set_payload_bytes(1800 * kib);
  t.set_sha256(h3.hex_digest());
  if (auto r = w.finish_object(t); !r) die("finish", r.error());
  if (auto st = w.finish_session(); !st.ok()) die("session", st);
  if (auto st = d.eject(); !st.ok()) die("eject", st);

  const std::string c1 = drive::cartridge_path(s.lib, "SEED-01");
  const std::string c2 = drive::cartridge_path(s.lib, "SEED-02");
  put("volume_reader", "tape1", cartridge_recipe(c1));
  put("volume_reader", "tape2_continuation", cartridge_recipe(c2));
  put("tape_file", "label", tape_file_input(c1, 0));
  put("tape_file", "object_known", tape_file_input(c1, 1));
  put("tape_file", "object_segments", tape_file_input(c1, 2));
  put("tape_file", "object_aborted", tape_file_input(c1, 3));
  put("tape_file", "catalog", tape_file_input(c1, 4));
  // tape 2 (a continuation part) is mostly payload: volume_reader has it.
}

// ---- VHD ------------------------------------------------------------------

// A dynamic (or differencing) VHD with 4 KiB blocks, 0 and 2 present.
std::string small_vhd(bool differencing) {
  const uint32_t bs = 4096;
  vhd::footer f;
  f.current_size = f.original_size = 4 * bs;
  f.geometry = vhd::geometry_for_size(f.current_size);
  f.data_offset = 512;
  f.type =
      differencing ? vhd::disk_type::differencing : vhd::disk_type::dynamic;
  f.unique_id[0] = 0x42;
  vhd::dynamic_header h;
  h.block_size = bs;
  h.max_table_entries = 4;
  const uint64_t locator_at = 1536, bat_at = differencing ? 2048 : 1536;
  h.table_offset = bat_at;
  std::string locator = "file://./parent.vhd";
  if (differencing) {
    h.parent_id[0] = 0x41;
    h.parent_name = u"parent.vhd";
    h.locators[0] = {vhd::platform_macx, 512, uint32_t(locator.size()),
                     locator_at};
  }
  const uint64_t block0 = bat_at + 512;
  const uint64_t block_bytes = 512 + bs;  // bitmap sector + data
  std::vector<uint32_t> bat = {uint32_t(block0 / 512), vhd::bat_unused,
                               uint32_t((block0 + block_bytes) / 512),
                               vhd::bat_unused};
  std::string out = vhd::encode_footer(f) + vhd::encode_header(h);
  if (differencing) {
    locator.resize(512, '\0');
    out += locator;
  }
  std::string b = vhd::encode_bat(bat);
  b.resize(512, '\xff');
  out += b;
  for (int i = 0; i < 2; ++i) {
    std::string bitmap(512, '\0');
    bitmap[0] = char(0xF0 >> i);
    out += bitmap + std::string(bs, char('0' + i));
  }
  return out + vhd::encode_footer(f);
}

void vhd_seeds() {
  put("vhd_image", "dynamic", small_vhd(false));
  put("vhd_image", "differencing", small_vhd(true));
  put("vhd_stream", "dynamic",
      std::string{char(3), char(0)} + small_vhd(false));
  put("vhd_stream", "differencing",
      std::string{char(0), char(1)} + small_vhd(true));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_seeds CORPUS_DIR\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::off);
  out_dir = argv[1];
  wire_seeds();
  stream_seeds();
  tape_seeds();
  vhd_seeds();
  return 0;
}
