// Fuzz target: the frame boundary (common/caf/wire.h). Any bytes go to
// wire::decode and wire::peek_chunk; when the in-place chunk reader accepts
// a frame, protobuf's own parser must accept it too and agree on every
// field and on where the data lies.
#include <cstdint>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "fuzz_support.h"
#include "tapeline/caf/wire.h"

using namespace tapeline;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // refusals are expected
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wire::wire_frame w;
  w.bytes.assign(reinterpret_cast<const char*>(data), size);
  v1::Frame f;
  status decoded = wire::decode(w, f);
  if (decoded.ok()) (void)wire::body_name(f);

  wire::chunk_view cv;
  status err;
  if (!wire::peek_chunk(w, cv, err)) return 0;
  FUZZ_CHECK(err.ok(), "peek_chunk accepted with an error: %s",
             err.message().c_str());
  FUZZ_CHECK(decoded.ok(), "peek_chunk accepted what decode refused: %s",
             decoded.message().c_str());
  FUZZ_CHECK(f.has_chunk(), "peek_chunk accepted a %s frame",
             wire::body_name(f));
  FUZZ_CHECK(cv.data_offset <= w.bytes.size() &&
                 cv.data_length <= w.bytes.size() - cv.data_offset,
             "data [%zu, +%zu) outside a %zu-byte frame", cv.data_offset,
             cv.data_length, w.bytes.size());
  const auto& c = f.chunk();
  FUZZ_CHECK(c.stream_id() == cv.stream_id && c.seq() == cv.seq &&
                 c.crc32c() == cv.crc32c,
             "fields differ from protobuf's");
  FUZZ_CHECK(w.bytes.compare(cv.data_offset, cv.data_length, c.data()) == 0,
             "data differs from protobuf's (%zu vs %zu bytes)", cv.data_length,
             c.data().size());
  return 0;
}
