// The XAPI account the hv agent logs in with, read from a file only its
// owner can read.
//
// File format: TOML with two string keys,
//   username = "root"
//   password = "..."
// The file must be a regular file owned by the running user with no access
// for group or others (mode 0600 or 0400). Other keys are refused.
//
// Thread-safe (reads the file; no global state).
#pragma once

#include <string>

#include "tapeline/common/status.h"

namespace tapeline::xapi {

struct credentials {
  std::string username;
  std::string password;  // secret: never log it (log::redact)
};

// Errors: not_found / io_error when unreadable; permission_denied naming the
// file, its mode or owner and the fix ("chmod 600 FILE"); invalid_argument
// with FILE:LINE for a bad or incomplete file.
result<credentials> read_credentials(const std::string& path);

}  // namespace tapeline::xapi
