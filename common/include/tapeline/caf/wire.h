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

// Registers wire_frame with CAF. Call on every actor_system_config.
void register_types(caf::actor_system_config& cfg);

// A readable name for the frame body, for logs ("chunk", "open", ...).
const char* body_name(const v1::Frame& f);

}  // namespace tapeline::wire
