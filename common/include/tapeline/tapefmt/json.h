// The JSON documents of docs/tape-format.md §4: protobuf's JSON mapping,
// proto field names, indented so `tar -xO` output is readable.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "tapeline/common/status.h"

namespace tapeline::tapefmt {

std::string to_json(const google::protobuf::Message& m);

// Parses `json` into `m` (cleared first); unknown fields are ignored.
// `what` names the document in the error, e.g. "TAPELINE.LABEL".
status from_json(std::string_view json, google::protobuf::Message* m,
                 const std::string& what);

}  // namespace tapeline::tapefmt
