// docs/tape-format.md §2, §4, §5.
#include "tapeline/tapefmt/layout.h"

#include <cstdio>

namespace tapeline::tapefmt {

bool supported_record_size(uint32_t n) {
  return n == 64 * 1024 || n == 256 * 1024 || n == 1024 * 1024;
}

const char* to_string(tape_file_kind k) {
  switch (k) {
    case tape_file_kind::label:
      return "label";
    case tape_file_kind::object:
      return "object";
    case tape_file_kind::continuation:
      return "continuation";
    case tape_file_kind::catalog:
      return "catalog";
    case tape_file_kind::tools:
      return "tools";
    case tape_file_kind::foreign:
      return "foreign";
    case tape_file_kind::empty:
      return "empty";
  }
  return "unknown";
}

tape_file_kind kind_of_first_member(const std::string& name) {
  if (name == label_member) return tape_file_kind::label;
  if (name == object_member) return tape_file_kind::object;
  if (name == catalog_member) return tape_file_kind::catalog;
  if (name == tools_member) return tape_file_kind::tools;
  return tape_file_kind::foreign;
}

std::string segment_name(const std::string& payload_name, uint32_t index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, ".seg%06u", index);
  return payload_name + buf;
}

status validate_payload_name(const std::string& name) {
  auto bad = [&](const std::string& why) {
    return status(code::invalid_argument,
                  "object name '" + name + "' " + why +
                      " (docs/tape-format.md §5); choose a relative path");
  };
  if (name.empty()) return bad("is empty");
  if (name.size() > 4096) return bad("is longer than 4096 bytes");
  if (name.front() == '/') return bad("is absolute");
  if (name.rfind("TAPELINE.", 0) == 0) return bad("starts with TAPELINE.");
  if (name.find('\0') != std::string::npos) return bad("contains NUL");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") return bad("has a '..' component");
    if (part.empty() || part == ".")
      return bad("has an empty or '.' component");
    start = end + 1;
  }
  return {};
}

}  // namespace tapeline::tapefmt
