// Fuzz target: reading a whole tape (agent-tape volume_reader.h): label,
// last catalog, the catalog rebuilt from the tape (§9) and every object,
// on a virtual cartridge whose records the input describes.
//
// Input: a list of operations, each an opcode byte (mod 4):
//   0  filemark
//   1  u16 N, N bytes: a record of exactly those bytes
//   2  u16 N, N bytes: a record of those bytes zero-padded to 64 KiB (a
//      Tapeline record: most of a real one is padding)
//   3  end of the recorded data
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include <spdlog/spdlog.h>

#include "fuzz_support.h"
#include "tapeline/drive/virtual_drive.h"
#include "tapeline/tape/volume_reader.h"

using namespace tapeline;
namespace fs = std::filesystem;

namespace {

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
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static scratch s;
  std::error_code ec;
  fs::remove_all(s.shelf, ec);
  fs::remove_all(s.slot, ec);
  fs::create_directories(s.shelf);
  fs::create_directories(s.slot);
  drive::cartridge_spec spec;
  spec.barcode = "FZ-0001";
  spec.capacity_bytes = 64ull << 20;
  FUZZ_CHECK(drive::create_cartridge(s.shelf, spec).ok(), "create_cartridge");
  drive::virtual_drive_options o;
  o.name = "fuzz";
  o.slot_dir = s.slot;
  o.library_dir = s.shelf;
  drive::virtual_drive d(o);
  FUZZ_CHECK(d.load("FZ-0001").ok(), "load");
  FUZZ_CHECK(d.open().ok(), "open");

  fuzz::byte_reader in(data, size);
  std::string rec;
  bool done = false;
  while (!in.empty() && !done) {
    const uint8_t op = in.u8() % 4;
    if (op == 0) {
      FUZZ_CHECK(d.write_filemarks(1).ok(), "write_filemarks");
    } else if (op == 3) {
      done = true;
    } else {
      rec.assign(in.bytes(in.u16()));
      if (op == 2) rec.resize(64 * 1024, '\0');
      if (!rec.empty()) (void)d.write_record(rec.data(), rec.size());
    }
  }

  tape::volume_reader r(&d);
  (void)r.read_label();
  (void)r.read_catalog();
  auto scan = r.scan();
  const uint32_t files = scan ? std::min<uint32_t>(scan->next_file, 8) : 4;
  for (uint32_t f = 1; f < files; ++f) (void)r.verify_object(f);
  return 0;
}
