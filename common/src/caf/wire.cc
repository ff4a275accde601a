#include "tapeline/caf/wire.h"

#include <caf/all.hpp>

namespace tapeline::wire {

wire_frame encode(v1::Frame& f) {
  f.set_version(protocol_version);
  wire_frame w;
  f.SerializeToString(&w.bytes);
  return w;
}

status decode(const wire_frame& w, v1::Frame& out, size_t max_bytes) {
  if (w.bytes.size() > max_bytes)
    return {code::protocol_error,
            "oversize frame: " + std::to_string(w.bytes.size()) +
                " bytes exceeds the " + std::to_string(max_bytes) +
                "-byte limit"};
  if (!out.ParseFromString(w.bytes))
    return {code::protocol_error,
            "malformed frame: " + std::to_string(w.bytes.size()) +
                " bytes that do not parse as tapeline.v1.Frame"};
  if (out.version() != protocol_version)
    return {code::protocol_error,
            "unsupported protocol version " + std::to_string(out.version()) +
                " (this build speaks " + std::to_string(protocol_version) +
                ")"};
  if (out.body_case() == v1::Frame::BODY_NOT_SET)
    return {code::protocol_error, "malformed frame: no body"};
  return {};
}

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<wire_frame>("tapeline.frame");
}

const char* body_name(const v1::Frame& f) {
  switch (f.body_case()) {
    case v1::Frame::kOpen: return "open";
    case v1::Frame::kAccepted: return "accepted";
    case v1::Frame::kChunk: return "chunk";
    case v1::Frame::kCredit: return "credit";
    case v1::Frame::kClose: return "close";
    case v1::Frame::kAbort: return "abort";
    case v1::Frame::kResult: return "result";
    case v1::Frame::kStatus: return "status";
    case v1::Frame::kEvent: return "event";
    case v1::Frame::kCommand: return "command";
    case v1::Frame::kReply: return "reply";
    case v1::Frame::BODY_NOT_SET: break;
  }
  return "empty";
}

}  // namespace tapeline::wire
