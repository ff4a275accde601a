// docs/tape-format.md §4.
#include "tapeline/tapefmt/json.h"

#include <google/protobuf/util/json_util.h>

namespace tapeline::tapefmt {

std::string to_json(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  std::string out;
  // Serializing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

status from_json(std::string_view json, google::protobuf::Message* m,
                 const std::string& what) {
  google::protobuf::util::JsonParseOptions o;
  o.ignore_unknown_fields = true;
  m->Clear();
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), m, o);
  if (!st.ok())
    return {code::corrupt, what + " is not valid JSON for " +
                               m->GetDescriptor()->full_name() + ": " +
                               std::string(st.message())};
  return {};
}

}  // namespace tapeline::tapefmt
