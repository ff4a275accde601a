// Fuzz target: one drive's stream state machine, as the drive actor drives
// it (agent-tape drive_actor.cc), without CAF. The input is a recipe of
// operations: raw frames (through wire::peek_chunk / wire::decode, as the
// actor reads them), well-formed open / chunk / close frames with fuzzed
// fields (so the fuzzer gets past the CRC and the sequence checks), aborts,
// drive commands, pumps and a lost sender. The drive is a virtual drive in
// a temporary folder with two tiny cartridges, so objects span.
//
// Invariants: the RAM buffer never holds more than its capacity, and the
// tape left in the drive always reads back with volume_reader::scan().
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include <spdlog/spdlog.h>

#include "fuzz_support.h"
#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_reader.h"
#include "tapeline/tape_agent/drive_controller.h"

using namespace tapeline;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kib = 1024;
constexpr uint64_t buffer_bytes = 512 * kib;
constexpr uint32_t max_chunk = 64 * kib;

struct scratch {
  std::string root, shelf, slot;
  scratch() {
    std::string tmpl = fs::temp_directory_path() / "tapeline-fuzz-XXXXXX";
    root = ::mkdtemp(tmpl.data());
    shelf = root + "/shelf";
    slot = root + "/slot";
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void reset() {
    std::error_code ec;
    fs::remove_all(shelf, ec);
    fs::remove_all(slot, ec);
    fs::create_directories(shelf);
    fs::create_directories(slot);
    for (const char* barcode : {"FZ-0001", "FZ-0002"}) {
      drive::cartridge_spec s;
      s.barcode = barcode;
      s.capacity_bytes = 2048 * kib;
      s.early_warning_bytes = 512 * kib;
      FUZZ_CHECK(drive::create_cartridge(shelf, s).ok(), "create_cartridge");
    }
  }
};

drive::virtual_drive_options drive_opts(const scratch& s) {
  drive::virtual_drive_options o;
  o.name = "fuzz";
  o.slot_dir = s.slot;
  o.library_dir = s.shelf;
  return o;
}

// What the test's sender remembers, to make well-formed frames.
struct sender {
  uint64_t stream_id = 1;
  uint64_t next_seq = 0;
  uint64_t sent = 0;
  sha256 hash;
};

class harness {
 public:
  harness(const scratch& s) : scratch_(s) {
    auto d = std::make_unique<drive::virtual_drive>(drive_opts(s));
    drive_ = d.get();
    (void)drive_->load("FZ-0001");
    tape_agent::drive_options o;
    o.name = "fuzz";
    o.record_size = 64 * kib;
    o.buffer_bytes = buffer_bytes;
    o.max_chunk = max_chunk;
    o.pacing = false;
    o.media_poll_seconds = 0;
    o.clock = [this] { return now_; };
    o.autoload = [this]() -> status {
      if (!fs::exists(drive::cartridge_path(scratch_.shelf, "FZ-0002")))
        return {code::no_media, "no blank cartridge left"};
      return drive_->load("FZ-0002");
    };
    ctl_ = std::make_unique<tape_agent::drive_controller>(o, std::move(d),
                                                          nullptr);
    (void)ctl_->start();
  }

  // As drive_actor's frame handler.
  void frame(std::string bytes) {
    wire::wire_frame w{std::move(bytes)};
    wire::chunk_view cv;
    status peek_error;
    if (wire::peek_chunk(w, cv, peek_error)) {
      ctl_->on_chunk(cv.stream_id, cv.seq, cv.crc32c, std::move(w.bytes),
                     cv.data_offset, cv.data_length);
      return;
    }
    v1::Frame f;
    if (!wire::decode(w, f).ok()) {
      if (ctl_->busy()) {
        v1::StreamAbort a;
        a.set_stream_id(ctl_->stream_id());
        a.set_code(v1::MALFORMED_FRAME);
        ctl_->on_abort(a);
      }
      return;
    }
    if (f.has_command()) {
      ctl_->on_command(f.command());
      return;
    }
    switch (f.body_case()) {
      case v1::Frame::kOpen:
        ctl_->on_open(f.open());
        break;
      case v1::Frame::kChunk:
        ctl_->on_chunk(*f.mutable_chunk());
        break;
      case v1::Frame::kClose:
        ctl_->on_close(f.close());
        break;
      case v1::Frame::kAbort:
        ctl_->on_abort(f.abort());
        break;
      default:
        break;
    }
  }

  void send(v1::Frame f) { frame(wire::encode(f).bytes); }

  void pump_all() {
    for (int i = 0; i < 256 && ctl_->wants_pump(); ++i) {
      now_ += 0.5;
      ctl_->pump(1 << 20);
      check_buffer();
      if (ctl_->waiting_for_media() && i > 4) break;
    }
  }

  void check_buffer() {
    auto s = ctl_->status_report();
    FUZZ_CHECK(s.buffer_used() <= s.buffer_capacity(),
               "buffer holds %llu bytes, capacity %llu",
               (unsigned long long)s.buffer_used(),
               (unsigned long long)s.buffer_capacity());
  }

  void run(fuzz::byte_reader& in) {
    sender s;
    while (!in.empty()) {
      const uint8_t op = in.u8();
      switch (op % 8) {
        case 0:  // a raw frame
          frame(std::string(in.bytes(in.u16())));
          break;
        case 1: {  // open
          v1::Frame f;
          auto* o = f.mutable_open();
          s = sender{};
          s.stream_id = in.u8();
          o->set_stream_id(s.stream_id);
          uint32_t size = in.u24();
          o->mutable_manifest()->set_expected_size(
              size == 0xFFFFFF ? -1 : int64_t(size));
          o->mutable_manifest()->set_name(std::string(in.bytes(in.u8() % 32)));
          o->set_max_chunk(in.u8() & 1 ? max_chunk : in.u24());
          send(std::move(f));
          break;
        }
        case 2: {  // a chunk built as tapeline-send builds them
          const uint8_t flags = in.u8();
          size_t n = in.u16() % (max_chunk + 1);
          const char fill = static_cast<char>(in.u8());
          wire::chunk_builder b(n);
          std::string_view given = in.bytes(flags & 4 ? 16 : 0);
          for (size_t i = 0; i < n; ++i)
            b.payload()[i] = i < given.size() ? given[i] : fill;
          uint32_t crc = crc32c(b.payload(), n);
          if (flags & 1) crc ^= 1;
          uint64_t seq = flags & 2 ? in.u8() : s.next_seq;
          uint64_t id = flags & 8 ? in.u8() : s.stream_id;
          if (seq == s.next_seq && !(flags & 1)) {
            ++s.next_seq;
            s.sent += n;
            s.hash.update(b.payload(), n);
          }
          frame(b.seal(id, seq, n, crc).bytes);
          break;
        }
        case 3: {  // close
          const uint8_t flags = in.u8();
          v1::Frame f;
          auto* c = f.mutable_close();
          c->set_stream_id(flags & 1 ? in.u8() : s.stream_id);
          c->set_total_bytes(flags & 2 ? in.u24() : s.sent);
          c->set_sha256(flags & 4 ? std::string(in.bytes(64))
                                  : s.hash.hex_digest());
          send(std::move(f));
          break;
        }
        case 4: {  // abort
          v1::Frame f;
          f.mutable_abort()->set_stream_id(in.u8());
          f.mutable_abort()->set_code(v1::SENDER_ABORT);
          send(std::move(f));
          break;
        }
        case 5: {  // a drive command
          v1::Frame f;
          auto* c = f.mutable_command();
          c->set_op(static_cast<v1::DriveCommand::Op>(in.u8() % 10));
          c->set_file_number(in.u8() % 8);
          c->set_force(in.u8() & 1);
          c->set_volume_id(std::string(in.bytes(in.u8() % 16)));
          send(std::move(f));
          break;
        }
        case 6:
          pump_all();
          break;
        case 7:
          ctl_->on_peer_lost("fuzz: the sender went away");
          break;
      }
      check_buffer();
    }
    pump_all();
    (void)ctl_->finish_session();
    ctl_.reset();
  }

 private:
  const scratch& scratch_;
  drive::virtual_drive* drive_ = nullptr;
  std::unique_ptr<tape_agent::drive_controller> ctl_;
  double now_ = 1000.0;
};

// The cartridge left in the slot must read back as a Tapeline tape.
void check_tape_readable(const scratch& s) {
  drive::virtual_drive d(drive_opts(s));
  auto info = d.info();
  if (!info || !info->loaded) return;
  if (!d.open().ok()) return;
  tape::volume_reader r(&d);
  auto label = r.read_label();
  if (!label) return;  // blank or never labelled
  auto scan = r.scan();
  FUZZ_CHECK(scan.ok(), "the tape our writer left does not scan: %s",
             scan.error().message().c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  google::protobuf::SetLogHandler(nullptr);  // refusals are expected
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static scratch s;
  s.reset();
  fuzz::byte_reader in(data, size);
  {
    harness h(s);
    h.run(in);
  }
  check_tape_readable(s);
  return 0;
}
