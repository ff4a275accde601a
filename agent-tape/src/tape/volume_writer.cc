// The write side of docs/tape-format.md: §2 layout, §5 objects, §6 spanning,
// §7 catalogs, §8 write ordering.
#include "tapeline/tape/volume_writer.h"

#include <ctime>

#include "tapeline/tape/tools_file.h"
#include "tapeline/tape/volume_reader.h"
#include "tapeline/tapefmt/json.h"
#include "tapeline/tapefmt/layout.h"
#include "tapeline/tapefmt/pax.h"

namespace tapeline::tape {

using drive::write_outcome;
namespace fmt = tapeline::tapefmt;

volume_writer::volume_writer(drive::tape_drive* d, writer_options o)
    : drive_(d), opts_(std::move(o)) {}

volume_writer::~volume_writer() = default;

int64_t volume_writer::now() const {
  return opts_.now_unix ? opts_.now_unix()
                        : static_cast<int64_t>(std::time(nullptr));
}

// A refused write (ENOSPC) is retried once: the st rule lets the next one
// through (§6). The physical end of medium is an error.
status volume_writer::write_record_retrying(const char* p, size_t n,
                                            const char* what) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto r = drive_->write_record(p, n);
    if (!r)
      return r.error().with_context("writing the " + std::string(what) +
                                    " of tape " + label_.volume_id());
    if (*r == write_outcome::not_written_eom) {
      eom_pending_ = true;
      continue;
    }
    if (*r == write_outcome::written_early_warning) eom_pending_ = true;
    ++block_;
    bytes_written_ += n;
    return {};
  }
  return {code::end_of_medium, "no room left for the " + std::string(what) +
                                   " on tape " + label_.volume_id()};
}

status volume_writer::write_filemark() {
  TL_RETURN_IF_ERROR(drive_->write_filemarks(1).with_context(
      "writing a filemark on tape " + label_.volume_id()));
  ++block_;
  ++file_number_;
  return {};
}

// A whole tape file holding one document (label, catalog): §2, §4.
status volume_writer::write_document_file(
    const char* member, const google::protobuf::Message& doc) {
  std::string json = fmt::to_json(doc);
  std::string file;
  fmt::encode_member_header(member, json.size(), now(), &file);
  file += json;
  file.append(fmt::block_padding(json.size()), '\0');
  fmt::encode_end_of_archive(&file);
  size_t rs = asm_->record_size();
  file.append((rs - file.size() % rs) % rs, '\0');
  for (size_t off = 0; off < file.size(); off += rs)
    TL_RETURN_IF_ERROR(write_record_retrying(file.data() + off, rs, member));
  return write_filemark();
}

// The tools file (§2): records already padded by encode_tools_file().
status volume_writer::write_tools_file(const std::string& file) {
  const size_t rs = asm_->record_size();
  for (size_t off = 0; off < file.size(); off += rs)
    TL_RETURN_IF_ERROR(
        write_record_retrying(file.data() + off, rs, "tools file"));
  return write_filemark();
}

status volume_writer::write_catalog(bool end_of_medium) {
  catalog_.set_magic(fmt::catalog_magic);
  catalog_.set_format_version(fmt::format_version);
  catalog_.set_volume_id(label_.volume_id());
  catalog_.set_label_uuid(label_.label_uuid());
  catalog_.set_session(catalog_.session() + 1);
  catalog_.set_written_unix(now());
  catalog_.set_end_of_medium(end_of_medium);
  catalog_.set_first_block(block_);
  TL_RETURN_IF_ERROR(write_document_file(fmt::catalog_member, catalog_));
  session_dirty_ = false;
  return {};
}

status volume_writer::close_volume() {
  TL_RETURN_IF_ERROR(write_catalog(true));
  volume_full_ = true;
  return {};
}

status volume_writer::check_blank(bool force) {
  TL_RETURN_IF_ERROR(drive_->rewind());
  volume_reader reader(drive_);
  auto existing = reader.read_label();
  if (!existing && existing.error().error_code() == code::not_found) return {};
  if (force) return {};
  if (existing)
    return {code::invalid_argument,
            "tape in " + drive_->describe() +
                " already carries Tapeline label " + existing->volume_id() +
                " (pool " + existing->pool() +
                "); relabelling erases it: use force if that is intended"};
  return {code::invalid_argument, "tape in " + drive_->describe() +
                                      " holds data that is not a Tapeline "
                                      "label (" +
                                      existing.error().message() +
                                      "); use force to overwrite it"};
}

status volume_writer::label(const v1::TapeLabel& l, bool force) {
  v1::TapeLabel lbl = l;
  if (lbl.record_size() == 0) lbl.set_record_size(opts_.record_size);
  if (!fmt::supported_record_size(lbl.record_size()))
    return {code::invalid_argument,
            "record size " + std::to_string(lbl.record_size()) +
                " is not supported; use 65536, 262144 or 1048576"};
  if (lbl.volume_id().empty())
    return {code::invalid_argument, "a tape label needs a volume id (barcode)"};
  lbl.set_magic(fmt::label_magic);
  lbl.set_format_version(fmt::format_version);
  if (lbl.writer().empty()) lbl.set_writer(opts_.writer);
  if (lbl.created_unix() == 0) lbl.set_created_unix(now());
  // Read before the tape is touched: a missing binary leaves it as it was.
  std::string tools;
  lbl.set_tools_file(0);
  if (!opts_.tools_binary.empty()) {
    auto t = encode_tools_file(opts_.tools_binary, now(), lbl.record_size());
    if (!t) return t.error().with_context("labelling tape " + lbl.volume_id());
    tools = std::move(*t);
    lbl.set_tools_file(1);
  }
  TL_RETURN_IF_ERROR(check_blank(force));
  TL_RETURN_IF_ERROR(drive_->rewind());
  label_ = lbl;
  asm_ = std::make_unique<fmt::record_assembler>(lbl.record_size());
  block_ = bytes_written_ = 0;
  file_number_ = 0;
  eom_pending_ = volume_full_ = session_dirty_ = false;
  catalog_.Clear();
  mounted_ = false;
  TL_RETURN_IF_ERROR(write_document_file(fmt::label_member, label_));
  if (!tools.empty()) TL_RETURN_IF_ERROR(write_tools_file(tools));
  mounted_ = true;
  return {};
}

result<v1::TapeLabel> volume_writer::mount() {
  mounted_ = false;
  volume_reader reader(drive_);
  auto s = reader.scan();
  if (!s) return s.error();
  label_ = s->label;
  catalog_ = s->catalog;
  file_number_ = s->next_file;
  block_ = s->next_block;
  bytes_written_ = 0;
  eom_pending_ = false;
  volume_full_ =
      s->catalog.end_of_medium() && s->last_catalog_file + 1 == s->next_file;
  session_dirty_ = s->last_catalog_file + 1 != s->next_file;
  asm_ = std::make_unique<fmt::record_assembler>(label_.record_size());
  if (s->needs_filemark) {
    --file_number_;  // the unterminated file still counts as the current one
    TL_RETURN_IF_ERROR(write_filemark());
  }
  mounted_ = true;
  return label_;
}

// --- objects (§5) -------------------------------------------------------

void volume_writer::start_part_file() {
  part_.set_file_number(file_number_);
  part_.set_first_block(block_);
  part_.set_records(0);
}

status volume_writer::begin_object(const v1::ObjectManifest& m) {
  if (!mounted_) return {code::no_media, "no labelled tape is mounted"};
  if (in_object_) return {code::internal, "begin_object inside an object"};
  TL_RETURN_IF_ERROR(fmt::validate_payload_name(m.name()));
  in_object_ = true;
  finishing_ = resume_finish_ = need_reported_ = member_open_ = false;
  manifest_ = m;
  trailer_.Clear();
  stream_pos_ = payload_ = member_size_ = member_left_ = 0;
  segments_ = 0;
  splits_.clear();
  parts_.clear();
  part_.Clear();
  *part_.mutable_manifest() = m;
  start_part_file();
  // A tape already past early warning takes no new object: it starts on
  // the next tape (§6), held in memory until then.
  stopped_ = volume_full_;
  split_.reset();
  pending_.clear();
  if (!stopped_) asm_->start_file(0, {});
  TL_RETURN_IF_ERROR(emit_document(fmt::object_member, m));
  if (m.expected_size() >= 0) {
    TL_RETURN_IF_ERROR(emit_member(m.name(), m.expected_size(), true));
    segments_ = 1;
  }
  return {};
}

result<progress> volume_writer::begin_segment(uint64_t n) {
  if (!in_object_ || manifest_.expected_size() >= 0 || member_left_ > 0 ||
      n == 0)
    return status(code::internal, "begin_segment out of order or empty");
  if (stopped_ && need_reported_)
    return status(code::internal, "begin_segment while a new volume is needed");
  TL_RETURN_IF_ERROR(close_member());
  TL_RETURN_IF_ERROR(
      emit_member(fmt::segment_name(manifest_.name(), segments_), n, true));
  ++segments_;
  return outcome();
}

result<progress> volume_writer::append(const void* data, size_t n) {
  if (!in_object_ || n > member_left_)
    return status(code::invalid_argument,
                  "append of " + std::to_string(n) + " bytes exceeds the " +
                      std::to_string(member_left_) + " left in the member of " +
                      manifest_.object_id());
  if (stopped_ && need_reported_)
    return status(code::internal, "append while a new volume is needed");
  member_left_ -= n;
  payload_ += n;
  TL_RETURN_IF_ERROR(emit(static_cast<const char*>(data), n));
  return outcome();
}

result<progress> volume_writer::outcome() {
  if (!stopped_) return progress::done;
  need_reported_ = true;
  return progress::need_volume;
}

result<progress> volume_writer::finish_object(const v1::ObjectTrailer& t) {
  if (!in_object_ || finishing_)
    return status(code::internal, "finish_object outside an object");
  if (stopped_ && need_reported_)
    return status(code::internal, "finish_object while a new volume is needed");
  if (member_left_ > 0)
    return status(code::invalid_argument,
                  "object " + manifest_.object_id() + " ends " +
                      std::to_string(member_left_) +
                      " bytes short of its payload member");
  if (t.payload_bytes() != payload_)
    return status(code::invalid_argument,
                  "trailer of " + manifest_.object_id() + " says " +
                      std::to_string(t.payload_bytes()) + " bytes, " +
                      std::to_string(payload_) + " were written");
  TL_RETURN_IF_ERROR(close_member());
  finishing_ = true;
  trailer_ = t;
  trailer_.set_segments(segments_);
  trailer_.set_parts(part_.part() + 1 + (stopped_ && split_ ? 1 : 0));
  TL_RETURN_IF_ERROR(emit_document(fmt::trailer_member, trailer_));
  std::string eoa;
  fmt::encode_end_of_archive(&eoa);
  TL_RETURN_IF_ERROR(emit(eoa.data(), eoa.size()));
  if (stopped_) {
    resume_finish_ = true;
    return outcome();
  }
  return complete_finish();
}

result<progress> volume_writer::complete_finish() {
  if (!asm_->empty()) {
    asm_->pad();
    TL_RETURN_IF_ERROR(flush_record());
  }
  record_part(false, true, payload_ - part_.payload_offset());
  TL_RETURN_IF_ERROR(write_filemark());
  in_object_ = finishing_ = resume_finish_ = false;
  if (eom_pending_) TL_RETURN_IF_ERROR(close_volume());
  return progress::done;
}

void volume_writer::record_part(bool continues, bool complete,
                                uint64_t length) {
  part_.set_payload_length(length);
  part_.set_continues(continues);
  part_.set_complete(complete);
  if (complete) {
    part_.set_sha256(trailer_.sha256());
    part_.set_payload_bytes(trailer_.payload_bytes());
  }
  *catalog_.add_entries() = part_;
  parts_.push_back(part_);
  session_dirty_ = true;
}

status volume_writer::abort_object(const std::string& reason) {
  if (!in_object_) return {code::internal, "abort_object outside an object"};
  in_object_ = false;
  finishing_ = true;  // no split from here on
  (*part_.mutable_manifest()->mutable_labels())["tapeline.abort_reason"] =
      reason;
  if (stopped_) {  // nothing of this part is on the current tape
    stopped_ = need_reported_ = false;
    pending_.clear();
    return {};
  }
  if (!asm_->empty()) {
    asm_->pad();
    (void)flush_record();  // best effort: the part is incomplete anyway
  }
  record_part(false, false, payload_ - part_.payload_offset());
  TL_RETURN_IF_ERROR(write_filemark().with_context("ending aborted object " +
                                                   manifest_.object_id()));
  if (eom_pending_) TL_RETURN_IF_ERROR(close_volume());
  return {};
}

status volume_writer::finish_session() {
  if (in_object_) return {code::internal, "finish_session inside an object"};
  if (!mounted_ || volume_full_ || !session_dirty_) return {};
  return write_catalog(false);
}

// --- the archive stream (§3, §6) -----------------------------------------

status volume_writer::emit(const char* p, size_t n) {
  stream_pos_ += n;
  while (n > 0 && !stopped_) {
    size_t k = asm_->fill(p, n);
    p += k;
    n -= k;
    if (asm_->full()) TL_RETURN_IF_ERROR(flush_record());
  }
  pending_.append(p, n);
  return {};
}

status volume_writer::emit_member(const std::string& name, uint64_t size,
                                  bool payload) {
  std::string h;
  fmt::encode_member_header(name, size, now(), &h);
  TL_RETURN_IF_ERROR(emit(h.data(), h.size()));
  if (payload) {
    splits_.add(name, stream_pos_, size, payload_);
    member_size_ = member_left_ = size;
    member_open_ = true;
  }
  return {};
}

status volume_writer::emit_document(const char* member,
                                    const google::protobuf::Message& m) {
  std::string json = fmt::to_json(m);
  TL_RETURN_IF_ERROR(emit_member(member, json.size(), false));
  json.append(fmt::block_padding(json.size()), '\0');
  return emit(json.data(), json.size());
}

status volume_writer::close_member() {
  if (!member_open_) return {};
  member_open_ = false;
  static const char zeros[fmt::block_size] = {};
  return emit(zeros, fmt::block_padding(member_size_));
}

// Writes the full record; applies the st rule and ends the volume at the
// first valid split point once early warning was seen (§6).
status volume_writer::flush_record() {
  const size_t rs = asm_->record_size();
  const uint64_t before = asm_->boundary_before(),
                 after = asm_->boundary_after();
  auto r = drive_->write_record(asm_->record(), rs);
  if (r && *r == write_outcome::not_written_eom) {
    eom_pending_ = true;
    auto sp = splits_.at(before);
    if (sp && !finishing_ && !asm_->at_file_start()) {
      pending_ = asm_->take_buffered();
      return stop_at(*sp);
    }
    r = drive_->write_record(asm_->record(), rs);
    if (r && *r == write_outcome::not_written_eom)
      return {code::end_of_medium, "physical end of medium on tape " +
                                       label_.volume_id() + " in tape file " +
                                       std::to_string(file_number_)};
  }
  if (!r)
    return r.error().with_context(
        "writing record " + std::to_string(part_.records()) + " of tape file " +
        std::to_string(file_number_) + " on tape " + label_.volume_id());
  if (*r == write_outcome::written_early_warning) eom_pending_ = true;
  ++block_;
  bytes_written_ += rs;
  part_.set_records(part_.records() + 1);
  asm_->record_written();
  splits_.prune(after);
  if (eom_pending_ && !finishing_) {
    if (auto sp = splits_.at(after)) return stop_at(*sp);
  }
  return {};
}

// Ends this part at `sp`: filemark, end-of-medium catalog (§6).
status volume_writer::stop_at(const fmt::split_point& sp) {
  stopped_ = true;
  split_ = sp;
  record_part(true, false, sp.payload_offset - part_.payload_offset());
  TL_RETURN_IF_ERROR(write_filemark());
  return close_volume();
}

result<progress> volume_writer::continue_on_new_volume(
    const v1::TapeLabel& next_label) {
  if (!stopped_) return status(code::internal, "no new volume was asked for");
  v1::TapeLabel l = next_label;
  if (l.record_size() == 0) l.set_record_size(label_.record_size());
  TL_RETURN_IF_ERROR(label(l, false));
  std::string prefix;
  if (split_) {
    uint32_t part = part_.part() + 1;
    fmt::encode_continuation(split_->member, split_->size_left, split_->offset,
                             part + 1, &prefix);
    part_.set_part(part);
    part_.set_payload_offset(split_->payload_offset);
  }
  start_part_file();
  asm_->start_file(stream_pos_ - pending_.size(), prefix);
  stopped_ = need_reported_ = false;
  split_.reset();
  std::string held;
  held.swap(pending_);
  stream_pos_ -= held.size();  // emit() counts them again
  TL_RETURN_IF_ERROR(emit(held.data(), held.size()));
  if (stopped_) return outcome();
  if (resume_finish_) return complete_finish();
  return progress::done;
}

}  // namespace tapeline::tape
