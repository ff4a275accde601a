#include "tapeline/common/status.h"

namespace tapeline {

const char* to_string(code c) {
  switch (c) {
    case code::ok:
      return "ok";
    case code::invalid_argument:
      return "invalid_argument";
    case code::not_found:
      return "not_found";
    case code::io_error:
      return "io_error";
    case code::end_of_medium:
      return "end_of_medium";
    case code::no_media:
      return "no_media";
    case code::write_protected:
      return "write_protected";
    case code::corrupt:
      return "corrupt";
    case code::protocol_error:
      return "protocol_error";
    case code::permission_denied:
      return "permission_denied";
    case code::unavailable:
      return "unavailable";
    case code::aborted:
      return "aborted";
    case code::internal:
      return "internal";
  }
  return "unknown";
}

std::string status::to_string() const {
  if (ok()) return "ok";
  return std::string(tapeline::to_string(code_)) + ": " + msg_;
}

}  // namespace tapeline
