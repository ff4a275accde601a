// Puts the tape format (docs/tape-format.md) on a drive: labels, objects,
// spanning at end of medium (§6), session catalogs (§7).
//
// Call order per object: begin_object, then append (and, for unknown sizes,
// begin_segment before each segment's bytes), then finish_object or
// abort_object. When a call returns progress::need_volume the current tape
// is closed (filemark, catalog with end_of_medium, filemark) and every byte
// passed so far is accepted (the unwritten ones are held in memory); the
// caller loads a blank tape and calls continue_on_new_volume before anything
// else.
//
// Does not own the drive, which must outlive the writer. Thread-safety: one
// thread at a time (the drive actor's).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tapeline/common/status.h"
#include "tapeline/drive/drive.h"
#include "tapeline/tapefmt/record_assembler.h"
#include "tapeline/v1/tape.pb.h"

namespace tapeline::tape {

struct writer_options {
  uint32_t record_size = 256 * 1024;  // for tapes labelled by this writer
  std::string writer = "tapeline 0.1.0";
  int64_t (*now_unix)() = nullptr;  // wall clock when null
  // tapeline-extract, written as the tools file (tape file 1, §2) of every
  // tape this writer labels; empty: labels without one (objects then start
  // at tape file 1).
  std::string tools_binary;
};

enum class progress { done, need_volume };

class volume_writer {
 public:
  volume_writer(drive::tape_drive* d, writer_options o);  // does not own d
  ~volume_writer();

  // Writes tape file 0 (§2) at BOT, then the tools file when
  // options().tools_binary is set, and makes the tape current. Refuses a
  // tape that already holds data (a Tapeline label or anything else) unless
  // `force`. l.record_size 0 means options().record_size; magic, version,
  // writer and tools_file are filled in.
  status label(const v1::TapeLabel& l, bool force);

  // Reads the label, rebuilds the catalog (last catalog file + object files
  // after it, §9) and positions at the append point (EOD; catalogs are never
  // overwritten, §7). code::not_found for a blank tape.
  result<v1::TapeLabel> mount();

  // REQUIRES: a tape is current; not in an object. m.expected_size >= 0:
  // one payload member of that size; -1: segments (begin_segment).
  status begin_object(const v1::ObjectManifest& m);
  // Unknown size only: the next n > 0 appended bytes form one segment.
  // REQUIRES: the previous segment is complete.
  result<progress> begin_segment(uint64_t n);
  // Payload bytes; never more than the member (payload or segment) has left.
  result<progress> append(const void* data, size_t n);
  // The caller loaded a blank tape into the same drive: labels it with
  // `next_label`, writes the continuation (§6) and the held bytes.
  // REQUIRES: the last call returned need_volume.
  result<progress> continue_on_new_volume(const v1::TapeLabel& next_label);
  // Checks the payload is complete and matches t.payload_bytes, writes the
  // trailer (segments and parts filled in), end of archive, filemark.
  result<progress> finish_object(const v1::ObjectTrailer& t);
  // One entry per volume of the object last finished or aborted.
  std::vector<v1::CatalogEntry> last_object_parts() const { return parts_; }
  // Ends the object's tape file where it stands (pad, filemark); the catalog
  // records it incomplete. The tape stays appendable. `reason` is kept in
  // the catalog entry's manifest label "tapeline.abort_reason".
  status abort_object(const std::string& reason);
  // Writes the session's catalog file if anything was written since the
  // last one. REQUIRES: not in an object.
  status finish_session();

  bool mounted() const { return mounted_; }
  const v1::TapeLabel& tape_label() const { return label_; }
  const std::string& volume_id() const { return label_.volume_id(); }
  // The tape file the current (or next) object is written to.
  uint32_t file_number() const { return file_number_; }
  // Bytes written to the current tape (records and all).
  uint64_t bytes_written() const { return bytes_written_; }
  bool in_object() const { return in_object_; }
  bool needs_volume() const { return stopped_; }
  // The current tape's catalog as it stands (entries of every object part).
  const v1::TapeCatalog& catalog() const { return catalog_; }

 private:
  int64_t now() const;
  status check_blank(bool force);
  status write_record_retrying(const char* p, size_t n, const char* what);
  status write_document_file(const char* member,
                             const google::protobuf::Message& doc);
  status write_filemark();
  status write_tools_file(const std::string& file);
  status write_catalog(bool end_of_medium);
  status close_volume();
  status emit(const char* p, size_t n);
  status emit_member(const std::string& name, uint64_t size, bool payload);
  status emit_document(const char* member, const google::protobuf::Message& m);
  status close_member();
  status flush_record();
  status stop_at(const tapefmt::split_point& sp);
  void start_part_file();
  result<progress> outcome();
  result<progress> complete_finish();
  void record_part(bool continues, bool complete, uint64_t length);

  drive::tape_drive* drive_;
  writer_options opts_;
  std::unique_ptr<tapefmt::record_assembler> asm_;
  tapefmt::split_tracker splits_;

  // The current tape.
  bool mounted_ = false;
  v1::TapeLabel label_;
  v1::TapeCatalog catalog_;
  uint32_t file_number_ = 0;
  uint64_t block_ = 0;  // logical objects from BOT (§7)
  uint64_t bytes_written_ = 0;
  bool session_dirty_ = false;  // tape files since the last catalog
  bool eom_pending_ = false;    // early warning seen: split at the next chance
  bool volume_full_ = false;    // closed with an end-of-medium catalog

  // The current object.
  bool in_object_ = false;
  bool finishing_ = false;      // trailer emitted: no more splits
  bool resume_finish_ = false;  // finish_object waits for the next volume
  bool need_reported_ = false;
  v1::ObjectManifest manifest_;
  v1::ObjectTrailer trailer_;
  uint64_t stream_pos_ = 0;   // logical bytes emitted
  uint64_t payload_ = 0;      // payload bytes appended
  uint64_t member_size_ = 0;  // current payload member
  uint64_t member_left_ = 0;
  bool member_open_ = false;
  uint32_t segments_ = 0;
  v1::CatalogEntry part_;
  std::vector<v1::CatalogEntry> parts_;

  // Spanning: the bytes after the split, held until the next volume.
  bool stopped_ = false;
  std::optional<tapefmt::split_point> split_;
  std::string pending_;
};

}  // namespace tapeline::tape
