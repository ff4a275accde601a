// The protobuf-in-CAF bridge (docs/wire-protocol.md).
//
// Every message between processes is a v1::Frame, serialized by protobuf and
// carried through CAF as one opaque byte string (`wire_frame`). CAF's own
// serialization of our types never crosses the network, so peers of different
// versions interoperate as long as the .proto rules are kept.
//
// decode() is the boundary check: it refuses frames over the size cap before
// parsing, and malformed frames, with a message that says which.
#pragma once

#include <cstddef>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>

#include "tapeline/common/status.h"
#include "tapeline/v1/stream.pb.h"

namespace tapeline::wire {

constexpr uint32_t protocol_version = 1;
// Largest chunk payload a sender may send, and the largest frame accepted.
constexpr size_t max_chunk_bytes = 4u << 20;
constexpr size_t max_frame_bytes = max_chunk_bytes + (64u << 10);

struct wire_frame {
  std::string bytes;  // a serialized v1::Frame
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_frame& x) {
  return f(caf::meta::type_name("tapeline.frame"), x.bytes);
}

// Serializes `f` (setting its version) into a wire_frame.
wire_frame encode(v1::Frame& f);

// Parses `w` into `out`. Errors (code::protocol_error) name the problem:
// "frame of N bytes exceeds the M-byte limit", "malformed frame (…)",
// "unsupported protocol version V".
status decode(const wire_frame& w, v1::Frame& out,
              size_t max_bytes = max_frame_bytes);

// Builds chunk frames in place, so that a payload is read straight into the
// frame that carries it (no protobuf copy on the sender's hot path).
//
// The frame is a valid `Frame{version, chunk: StreamChunk}` in protobuf's
// wire format. Its varints are padded to a fixed width (protobuf parsers
// accept any varint of up to 10 bytes), which fixes the header's size
// before the payload's length is known. Fields come in the order version,
// chunk{stream_id, seq, crc32c, data}.
class chunk_builder {
 public:
  static constexpr size_t header_bytes = 41;
  explicit chunk_builder(size_t max_payload);
  // Where to put up to max_payload() bytes of payload.
  char* payload() { return frame_.bytes.data() + header_bytes; }
  size_t max_payload() const { return max_payload_; }
  // Writes the header for `n` payload bytes and hands the frame over. The
  // builder then prepares a fresh buffer.
  wire_frame seal(uint64_t stream_id, uint64_t seq, size_t n, uint32_t crc32c);

 private:
  size_t max_payload_;
  wire_frame frame_;
};

// A chunk read in place: the fields, and where its data sits in the frame.
struct chunk_view {
  uint64_t stream_id = 0;
  uint64_t seq = 0;
  uint32_t crc32c = 0;
  size_t data_offset = 0;  // into wire_frame::bytes
  size_t data_length = 0;
};

// If `w` is a chunk frame, fills `out` without copying the data and returns
// true. False for any other frame (use decode()), and for a chunk that does
// not parse, with `err` saying why. Checks the size cap first.
bool peek_chunk(const wire_frame& w, chunk_view& out, status& err,
                size_t max_bytes = max_frame_bytes);

// Registers wire_frame with CAF. Call on every actor_system_config.
void register_types(caf::actor_system_config& cfg);

// A readable name for the frame body, for logs ("chunk", "open", ...).
const char* body_name(const v1::Frame& f);

}  // namespace tapeline::wire
