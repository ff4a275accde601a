// Names, magic values and versions of the tape format
// (docs/tape-format.md §2, §4 and §5). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::tapefmt {

constexpr uint32_t format_version = 1;
inline constexpr char label_magic[] = "TAPELINE-LABEL";
inline constexpr char catalog_magic[] = "TAPELINE-CATALOG";

inline constexpr char label_member[] = "TAPELINE.LABEL";
inline constexpr char object_member[] = "TAPELINE.OBJECT";
inline constexpr char trailer_member[] = "TAPELINE.TRAILER";
inline constexpr char catalog_member[] = "TAPELINE.CATALOG";
// The tools file (§2): tape file 1 of tapes labelled since issue #5.
inline constexpr char tools_member[] = "tapeline-extract";
inline constexpr char tools_readme_member[] = "README.txt";

constexpr uint32_t default_record_size = 256 * 1024;
// REQUIRES nothing; true for 64 KiB, 256 KiB and 1 MiB (§1).
bool supported_record_size(uint32_t n);
constexpr uint32_t max_record_size = 1024 * 1024;

// What a tape file is, from its first member (§2).
enum class tape_file_kind {
  label,         // TAPELINE.LABEL
  object,        // TAPELINE.OBJECT: first part of an object
  continuation,  // GNU multi-volume global header: part k >= 1 of an object
  catalog,       // TAPELINE.CATALOG
  tools,         // tapeline-extract: the recovery tools, skipped by readers
  foreign,       // any other first member: skipped by readers
  empty,         // no member at all (end of archive or no data)
};

const char* to_string(tape_file_kind k);

// Kind for a tape file whose first member is `name`.
tape_file_kind kind_of_first_member(const std::string& name);

// "NAME.seg000042" (§5).
std::string segment_name(const std::string& payload_name, uint32_t index);

// Checks manifest.name against §5; the error says what is wrong.
status validate_payload_name(const std::string& name);

}  // namespace tapeline::tapefmt
