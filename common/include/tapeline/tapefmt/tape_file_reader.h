// Streaming reader of one Tapeline tape file (docs/tape-format.md §2-§6),
// and of an object's continuation parts on later volumes (§6).
//
// Usage: open() identifies the tape file and decodes its first document;
// for objects, read_payload() streams the payload to a sink and reads the
// trailer. When a part ends inside payload data (spanned, or truncated by a
// crash), resume() continues with the next part's tape file.
//
// The reader does not own its sources; each must outlive the calls that use
// it. Errors name the context given at construction, the member and the
// byte offset. Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "tapeline/common/checksum.h"
#include "tapeline/common/status.h"
#include "tapeline/tapefmt/byte_source.h"
#include "tapeline/tapefmt/layout.h"
#include "tapeline/tapefmt/pax.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::tapefmt {

// Receives payload bytes in order. A non-ok status stops the reader.
using payload_sink = std::function<status(const char* data, size_t n)>;

enum class object_end {
  complete,       // trailer read, end of archive reached
  no_trailer,     // end of archive without trailer: not restorable (§5)
  ended_in_data,  // the tape file ended inside payload data: spanned (§6)
                  // or truncated; resume() on the next part
};

// The GNU.volume.* values of a continuation part (§6).
struct continuation_info {
  std::string member;
  uint64_t size_left = 0;
  uint64_t offset = 0;
};

class tape_file_reader {
 public:
  // `context` prefixes messages, e.g. "tape LTO5-0001 file 3".
  explicit tape_file_reader(std::string context);

  // Reads the first member's headers (and, for label/object/catalog, its
  // document). REQUIRES: called first, once.
  result<tape_file_kind> open(byte_source* src);

  const v1::TapeLabel& label() const { return label_; }
  const v1::TapeCatalog& catalog() const { return catalog_; }
  // Object files: the manifest. Continuation files opened without one: a
  // manifest whose name is derived from the continued member.
  const v1::ObjectManifest& manifest() const { return manifest_; }
  const continuation_info& continuation() const { return cont_; }

  // Streams the payload to `sink` until the trailer and end of archive, or
  // until the tape file ends inside payload data.
  // REQUIRES: open() returned object or continuation, or resume() succeeded.
  result<object_end> read_payload(const payload_sink& sink);
  // read_payload in steps: returns nullopt once at least `budget` payload
  // bytes went to the sink since the call, or the end as read_payload does.
  // Call again to continue where it stopped (the drive's READ streams an
  // object this way, as the requester grants credit).
  result<std::optional<object_end>> read_payload_some(const payload_sink& sink,
                                                      uint64_t budget);

  // Continues after object_end::ended_in_data with the next part, whose
  // continuation header must name the member in progress at the offset
  // reached. Then call read_payload() again.
  status resume(byte_source* next_part, std::string context);

  const v1::ObjectTrailer& trailer() const { return trailer_; }
  uint64_t payload_bytes() const { return payload_bytes_; }
  uint32_t segments() const { return segments_; }
  // Payload bytes read from the current part.
  uint64_t part_payload_bytes() const { return payload_bytes_ - part_start_; }
  // Lowercase hex SHA-256 of the payload read. REQUIRES: complete; once.
  std::string payload_sha256() { return hash_.hex_digest(); }

 private:
  struct member {
    std::string name;
    uint64_t size = 0;
    char typeflag = '0';
    pax_records records;
    bool end = false;  // zero block or end of the tape file
  };

  status error(code c, const std::string& what) const;
  result<size_t> read_some(char* out, size_t n);
  status read_exact(char* out, size_t n, const std::string& what);
  result<member> next_member();
  status read_document(const member& m, google::protobuf::Message* msg);
  status begin_continuation(const member& g);
  result<bool> start_member(const member& m);
  status skip_padding();

  std::string context_;
  byte_source* src_ = nullptr;
  uint64_t offset_ = 0;  // bytes consumed from the current tape file
  v1::TapeLabel label_;
  v1::TapeCatalog catalog_;
  v1::ObjectManifest manifest_;
  v1::ObjectTrailer trailer_;
  continuation_info cont_;
  std::string data_member_;  // payload member being read
  uint64_t data_size_ = 0;
  uint64_t data_done_ = 0;
  uint64_t payload_bytes_ = 0;
  uint64_t part_start_ = 0;
  uint32_t segments_ = 0;
  sha256 hash_;
};

}  // namespace tapeline::tapefmt
