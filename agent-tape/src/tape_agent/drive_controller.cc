#include "tapeline/tape_agent/drive_controller.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "tapeline/common/clock.h"
#include "tapeline/tape/volume_reader.h"

namespace tapeline::tape_agent {
namespace {

// Payload bytes between two receipts to the sender. Senders keep a window
// of at least twice this (docs/wire-protocol.md), so it must stay small.
constexpr uint64_t receipt_interval = 2ull << 20;

v1::ErrorCode to_error_code(const status& st) {
  switch (st.error_code()) {
    case code::no_media:
      return v1::NO_MEDIA;
    case code::write_protected:
      return v1::WRITE_PROTECTED;
    case code::io_error:
    case code::end_of_medium:
    case code::corrupt:
      return v1::MEDIA_ERROR;
    default:
      return v1::INTERNAL;
  }
}

v1::Frame result_error(uint64_t id, v1::ErrorCode c, const std::string& why) {
  v1::Frame f;
  auto* r = f.mutable_result();
  r->set_stream_id(id);
  r->set_ok(false);
  r->set_code(c);
  r->set_error(why);
  return f;
}

}  // namespace

drive_controller::drive_controller(drive_options opts,
                                   std::unique_ptr<drive::tape_drive> d,
                                   event_callback on_event)
    : opts_(std::move(opts)),
      drive_(std::move(d)),
      on_event_(std::move(on_event)) {
  tape::writer_options wo;
  wo.record_size = opts_.record_size;
  wo.tools_binary = opts_.extract_binary;
  writer_ = std::make_unique<tape::volume_writer>(drive_.get(), wo);
  // A segment must fit in the buffer with room to spare for the next one.
  segment_bytes_ = std::min<uint64_t>(64ull << 20, opts_.buffer_bytes / 4);
  segment_bytes_ -= segment_bytes_ % 512;
}

drive_controller::~drive_controller() = default;

void drive_controller::emit(v1::DriveEvent::Kind k, const std::string& msg,
                            v1::ErrorCode code) {
  if (!on_event_) return;
  v1::DriveEvent e;
  e.set_drive(opts_.name);
  e.set_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
  e.set_kind(k);
  e.set_volume_id(label_.volume_id());
  e.set_file_number(writer_->file_number());
  e.set_message(msg);
  e.set_code(code);
  e.set_backhitches(drive_->backhitches());
  if (receiver_) e.set_object_id(receiver_->manifest().object_id());
  on_event_(e);
}

status drive_controller::start() {
  return mount_loaded_tape();
}

status drive_controller::mount_loaded_tape() {
  auto inf = drive_->info();
  if (!inf) return inf.error();
  if (!inf->loaded) {
    state_ = state::no_media;
    return {code::no_media, "drive " + opts_.name + " (" + drive_->describe() +
                                ") has no cartridge loaded; load one"};
  }
  TL_RETURN_IF_ERROR(drive_->open());
  auto lbl = writer_->mount();
  if (!lbl && lbl.error().error_code() == code::not_found && opts_.auto_label) {
    v1::TapeLabel l;
    l.set_volume_id(inf->volume_hint.empty()
                        ? opts_.name + "-" + std::to_string(std::time(nullptr))
                        : inf->volume_hint);
    l.set_pool(opts_.pool);
    l.set_media_type(opts_.media_type);
    l.set_media_set(random_hex(8));
    l.set_media_set_seq(1);
    TL_RETURN_IF_ERROR(label_tape(l));
    lbl = writer_->mount();
  }
  if (!lbl) {
    state_ = state::failed;
    return lbl.error().with_context("drive " + opts_.name);
  }
  label_ = *lbl;
  state_ = state::ready;
  emit(v1::DriveEvent::LABEL_READ, "tape " + label_.volume_id() + " (pool " +
                                       label_.pool() +
                                       ") ready, appending at tape file " +
                                       std::to_string(writer_->file_number()));
  return {};
}

status drive_controller::label_tape(v1::TapeLabel l, bool force) {
  l.set_record_size(opts_.record_size);
  l.set_created_unix(std::time(nullptr));
  l.set_label_uuid(random_hex(16));
  if (l.media_type().empty()) l.set_media_type(opts_.media_type);
  if (l.pool().empty()) l.set_pool(opts_.pool);
  TL_RETURN_IF_ERROR(writer_->label(l, force));
  label_ = l;
  emit(v1::DriveEvent::LABELLED,
       "labelled blank tape " + l.volume_id() + " for pool " + l.pool());
  return {};
}

v1::Frame drive_controller::credit_frame(uint64_t bytes) const {
  v1::Frame f;
  f.mutable_credit()->set_stream_id(receiver_->stream_id());
  f.mutable_credit()->set_bytes(bytes);
  f.mutable_credit()->set_received_bytes(receiver_->received());
  return f;
}

std::vector<v1::Frame> drive_controller::on_open(const v1::StreamOpen& o) {
  if (busy())
    return {result_error(o.stream_id(), v1::DRIVE_BUSY,
                         "drive " + opts_.name + " is busy with stream " +
                             std::to_string(stream_id()))};
  if (remount_) {
    if (auto st = return_to_append_point(); !st)
      return {result_error(o.stream_id(), to_error_code(st), st.message())};
  }
  if (state_ == state::no_media || state_ == state::failed) {
    if (auto st = mount_loaded_tape(); !st)
      return {result_error(o.stream_id(), to_error_code(st), st.message())};
  }
  if (state_ == state::waiting_for_media)
    return {result_error(o.stream_id(), v1::NO_MEDIA,
                         "drive " + opts_.name + " waits for a cartridge")};
  if (auto inf = drive_->info(); inf && inf->write_protected)
    return {result_error(o.stream_id(), v1::WRITE_PROTECTED,
                         "tape " + label_.volume_id() + " in drive " +
                             opts_.name + " (" + drive_->describe() +
                             ") is write-protected; load a writable tape or "
                             "remove the protection")};
  v1::StreamOpen open = o;
  auto* m = open.mutable_manifest();
  if (m->object_id().empty()) m->set_object_id(random_hex(16));
  if (m->name().empty()) m->set_name(m->object_id());
  if (m->created_unix() == 0) m->set_created_unix(std::time(nullptr));
  uint32_t max_chunk = std::min(
      opts_.max_chunk, o.max_chunk() ? o.max_chunk() : opts_.max_chunk);
  receiver_.emplace(open, opts_.buffer_bytes, max_chunk);
  if (auto st = writer_->begin_object(*m); !st)
    return fail_stream(to_error_code(st), st.message());
  object_begun_ = true;
  object_volumes_.assign(1, label_.volume_id());
  ++files_in_session_;
  state_ = state::writing;
  v1::Frame f;
  auto* a = f.mutable_accepted();
  a->set_stream_id(o.stream_id());
  a->set_credit_bytes(receiver_->initial_credit());
  a->set_volume_id(label_.volume_id());
  a->set_file_number(writer_->file_number());
  a->set_sends_receipts(true);
  receipt_due_ = 0;
  return {f};
}

std::vector<v1::Frame> drive_controller::on_chunk(v1::StreamChunk& c) {
  const size_t n = c.data().size();
  return on_chunk(c.stream_id(), c.seq(), c.crc32c(),
                  std::move(*c.mutable_data()), 0, n);
}

std::vector<v1::Frame> drive_controller::on_chunk(uint64_t stream_id,
                                                  uint64_t seq, uint32_t crc,
                                                  std::string&& frame,
                                                  size_t off, size_t n) {
  if (!receiver_ || stream_id != receiver_->stream_id()) return {};
  if (off > frame.size() || n > frame.size() - off)
    return fail_stream(v1::MALFORMED_FRAME, "chunk data outside its frame");
  if (auto err = receiver_->on_chunk(seq, crc, frame.data() + off, n))
    return fail_stream(err->code, err->message);
  if (stream_start_ < 0) stream_start_ = last_pace_ = now();
  bytes_in_ += n;
  buffered_ += n;
  queue_.push_back(piece{std::move(frame), off, off + n});
  // Receipts let the sender bound what it has in flight (wire-protocol.md).
  receipt_due_ += n;
  if (receipt_due_ < receipt_interval) return {};
  receipt_due_ = 0;
  return {credit_frame(0)};
}

std::vector<v1::Frame> drive_controller::on_close(const v1::StreamClose& c) {
  if (!receiver_ || c.stream_id() != receiver_->stream_id()) return {};
  if (auto err = receiver_->on_close(c))
    return fail_stream(err->code, err->message);
  return {};
}

std::vector<v1::Frame> drive_controller::on_abort(const v1::StreamAbort& a) {
  if (read_ && a.stream_id() == read_id_) {
    v1::Frame f;
    *f.mutable_abort() = a;
    if (a.code() == v1::ERROR_CODE_UNSPECIFIED)
      f.mutable_abort()->set_code(v1::SENDER_ABORT);
    return end_read(std::move(f));
  }
  if (!receiver_ || a.stream_id() != receiver_->stream_id()) return {};
  // The drive actor aborts with its own code (a refused frame); a sender's
  // abort is SENDER_ABORT.
  v1::ErrorCode c =
      a.code() == v1::ERROR_CODE_UNSPECIFIED ? v1::SENDER_ABORT : a.code();
  return fail_stream(
      c, c == v1::SENDER_ABORT ? "sender aborted: " + a.reason() : a.reason());
}

std::vector<v1::Frame> drive_controller::on_peer_lost(const std::string& why) {
  if (read_) {
    emit(v1::DriveEvent::ERROR,
         "reader of " + read_->what() + " lost; read stopped: " + why,
         v1::PEER_LOST);
    end_read({});
    return {};
  }
  if (!receiver_) return {};
  return fail_stream(v1::PEER_LOST, "sender lost mid-stream: " + why);
}

double drive_controller::now() const {
  return opts_.clock ? opts_.clock() : monotonic_seconds();
}

uint64_t drive_controller::paced_budget(uint64_t budget) {
  throttled_ = false;
  if (!opts_.pacing || receiver_->closed() || stream_start_ < 0 ||
      buffered_ >= opts_.buffer_bytes / 2)
    return budget;
  const double t = now();
  const double elapsed = t - stream_start_;
  if (elapsed < 0.5) return budget;  // no rate estimate yet
  const double rate = bytes_in_ / elapsed;
  allowance_ += rate * (t - last_pace_);
  last_pace_ = t;
  // Never bank more than a pump's worth: pacing must stay smooth.
  allowance_ = std::min(allowance_, static_cast<double>(budget));
  uint64_t allowed = static_cast<uint64_t>(std::max(0.0, allowance_));
  if (allowed < opts_.record_size) {
    throttled_ = true;
    return 0;
  }
  return allowed;
}

void drive_controller::drop_buffer() {
  stream_start_ = -1;
  bytes_in_ = 0;
  allowance_ = 0;
  throttled_ = false;
  queue_.clear();
  buffered_ = 0;
  segment_left_ = 0;
}

std::vector<v1::Frame> drive_controller::fail_stream(v1::ErrorCode c,
                                                     const std::string& why) {
  uint64_t id = receiver_ ? receiver_->stream_id() : 0;
  std::string what = "object " +
                     (receiver_ ? receiver_->manifest().object_id() + " (" +
                                      receiver_->manifest().name() + ")"
                                : std::string("?")) +
                     " on drive " + opts_.name + " failed: " + why;
  if (object_begun_) {
    if (auto st = writer_->abort_object(why); !st) {
      what += "; closing its tape file also failed: " + st.message();
      state_ = state::failed;
    }
  }
  emit(v1::DriveEvent::OBJECT_FAILED, what, c);
  object_begun_ = false;
  drop_buffer();
  receiver_.reset();
  if (state_ == state::writing || state_ == state::waiting_for_media)
    state_ = state::ready;
  return {result_error(id, c, what)};
}

status drive_controller::on_writer_progress(const result<tape::progress>& p) {
  if (!p) return p.error();
  if (*p != tape::progress::need_volume) return {};
  state_ = state::waiting_for_media;
  std::string full = label_.volume_id();
  emit(v1::DriveEvent::EARLY_WARNING,
       "end of medium on " + full + "; the object continues on the next tape");
  if (auto st = drive_->eject(); st)
    emit(v1::DriveEvent::EJECTED, "tape " + full + " is full and ejected");
  emit(v1::DriveEvent::MOUNT_REQUEST,
       "load a blank cartridge into drive " + opts_.name + " (" +
           drive_->describe() + ") to continue object " +
           receiver_->manifest().object_id() + " from " + full);
  return try_continue_on_new_volume();
}

status drive_controller::try_continue_on_new_volume() {
  last_media_poll_ = monotonic_seconds();
  if (opts_.autoload) {
    auto inf = drive_->info();
    if (inf && !inf->loaded) {
      if (auto st = opts_.autoload(); !st) return {};  // keep waiting
    }
  }
  auto inf = drive_->info();
  if (!inf) return inf.error();
  if (!inf->loaded) return {};
  TL_RETURN_IF_ERROR(drive_->open());
  v1::TapeLabel next;
  next.set_volume_id(inf->volume_hint.empty()
                         ? opts_.name + "-" + std::to_string(std::time(nullptr))
                         : inf->volume_hint);
  next.set_pool(label_.pool());
  next.set_media_type(opts_.media_type);
  next.set_media_set(label_.media_set());
  next.set_media_set_seq(label_.media_set_seq() + 1);
  next.set_record_size(opts_.record_size);
  next.set_created_unix(std::time(nullptr));
  next.set_label_uuid(random_hex(16));
  state_ = state::writing;
  label_ = next;
  files_in_session_ = 1;
  object_volumes_.push_back(next.volume_id());
  emit(v1::DriveEvent::LOADED, "continuing on " + next.volume_id());
  return on_writer_progress(writer_->continue_on_new_volume(next));
}

status drive_controller::feed_writer(uint64_t budget,
                                     std::vector<v1::Frame>& out) {
  const bool known = receiver_->manifest().expected_size() >= 0;
  uint64_t done = 0;
  while (buffered_ > 0 && done < budget && state_ == state::writing) {
    if (!known && segment_left_ == 0) {
      uint64_t seg = buffered_ >= segment_bytes_ ? segment_bytes_ : 0;
      if (seg == 0 && receiver_->closed()) seg = buffered_;
      if (seg == 0) break;  // wait for a whole segment
      segment_left_ = seg;
      TL_RETURN_IF_ERROR(on_writer_progress(writer_->begin_segment(seg)));
      if (state_ != state::writing) break;
    }
    piece& front = queue_.front();
    uint64_t n = front.end - front.begin;
    if (!known) n = std::min(n, segment_left_);
    auto p = writer_->append(front.buf.data() + front.begin, n);
    front.begin += n;
    buffered_ -= n;
    done += n;
    if (!known) segment_left_ -= n;
    if (front.begin == front.end) queue_.pop_front();
    if (uint64_t g = receiver_->on_freed(n)) out.push_back(credit_frame(g));
    TL_RETURN_IF_ERROR(on_writer_progress(p));
  }
  return {};
}

bool drive_controller::wants_pump() const {
  if (read_) return read_credit_ > 0;
  if (state_ == state::waiting_for_media) return true;
  if (!receiver_ || state_ != state::writing) return false;
  if (receiver_->closed()) return true;
  if (buffered_ == 0) return false;
  if (receiver_->manifest().expected_size() < 0 && segment_left_ == 0)
    return buffered_ >= segment_bytes_;
  return true;
}

std::vector<v1::Frame> drive_controller::pump(uint64_t budget) {
  if (read_) return pump_read(budget);
  std::vector<v1::Frame> out;
  if (state_ == state::waiting_for_media) {
    if (monotonic_seconds() - last_media_poll_ < opts_.media_poll_seconds)
      return out;
    if (auto st = try_continue_on_new_volume(); !st)
      return fail_stream(to_error_code(st), st.message());
    if (state_ != state::writing) return out;
    if (finishing_) return deliver_result();
  }
  if (!receiver_ || state_ != state::writing) return out;
  const uint64_t before = buffered_;
  budget = paced_budget(budget);
  if (budget == 0) return out;
  auto st = feed_writer(budget, out);
  allowance_ -= static_cast<double>(before - buffered_);
  if (!st) {
    auto f = fail_stream(to_error_code(st), st.message());
    out.insert(out.end(), f.begin(), f.end());
    return out;
  }
  if (state_ == state::writing && receiver_->closed() && buffered_ == 0) {
    auto f = complete_stream();
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

std::vector<v1::Frame> drive_controller::complete_stream() {
  v1::ObjectTrailer t;
  t.set_object_id(receiver_->manifest().object_id());
  t.set_payload_bytes(receiver_->received());
  t.set_sha256(receiver_->sha256());
  trailer_ = t;
  auto p = writer_->finish_object(t);
  if (auto st = on_writer_progress(p); !st)
    return fail_stream(to_error_code(st), st.message());
  if (state_ == state::waiting_for_media) {
    // The writer finishes the object on the next tape.
    finishing_ = true;
    return {};
  }
  return deliver_result();
}

std::vector<v1::Frame> drive_controller::deliver_result() {
  const v1::ObjectTrailer& t = trailer_;
  v1::Frame f;
  auto* r = f.mutable_result();
  r->set_stream_id(receiver_->stream_id());
  r->set_ok(true);
  r->set_object_id(t.object_id());
  r->set_payload_bytes(t.payload_bytes());
  r->set_sha256(t.sha256());
  for (const auto& part : writer_->last_object_parts()) {
    auto* e = r->add_extents();
    if (part.part() < object_volumes_.size())
      e->set_volume_id(object_volumes_[part.part()]);
    e->set_file_number(part.file_number());
    e->set_part(part.part());
    e->set_payload_offset(part.payload_offset());
    e->set_payload_length(part.payload_length());
    e->set_first_block(part.first_block());
  }
  emit(v1::DriveEvent::OBJECT_WRITTEN,
       "object " + t.object_id() + " (" + receiver_->manifest().name() + ", " +
           std::to_string(t.payload_bytes()) + " bytes) written to " +
           label_.volume_id());
  object_begun_ = false;
  finishing_ = false;
  receiver_.reset();
  state_ = state::ready;
  return {f};
}

status drive_controller::finish_session() {
  if (files_in_session_ == 0 || busy()) return {};
  if (remount_) TL_RETURN_IF_ERROR(return_to_append_point());
  TL_RETURN_IF_ERROR(writer_->finish_session());
  files_in_session_ = 0;
  emit(v1::DriveEvent::SESSION_CLOSED,
       "session catalog written on " + label_.volume_id());
  return {};
}

v1::DriveStatus drive_controller::status_report() {
  v1::DriveStatus s;
  s.set_drive(opts_.name);
  s.set_device(drive_->describe());
  s.set_media_type(opts_.media_type);
  s.set_pool(opts_.pool);
  s.set_volume_id(label_.volume_id());
  s.set_buffer_capacity(opts_.buffer_bytes);
  s.set_buffer_used(buffered_);
  s.set_backhitches(drive_->backhitches());
  s.set_bytes_written(writer_->bytes_written());
  static const char* names[] = {"no_media", "ready", "writing",
                                "waiting_for_media", "failed"};
  s.set_state(names[static_cast<int>(state_)]);
  if (auto inf = drive_->info()) {
    s.set_loaded(inf->loaded);
    s.set_write_protected(inf->write_protected);
    s.set_file_number(
        static_cast<uint32_t>(std::max<int64_t>(0, inf->position.file_number)));
    s.set_block_number(static_cast<uint64_t>(
        std::max<int64_t>(0, inf->position.block_number)));
    s.set_early_warning(inf->position.early_warning);
  }
  return s;
}

v1::DriveCommandReply drive_controller::on_command(const v1::DriveCommand& c) {
  v1::DriveCommandReply r;
  auto fail = [&](v1::ErrorCode code, const std::string& msg) {
    r.set_ok(false);
    r.set_code(code);
    r.set_error(msg);
    return r;
  };
  auto busy_error = [&] {
    return fail(v1::DRIVE_BUSY, "drive " + opts_.name + " is writing stream " +
                                    std::to_string(stream_id()) +
                                    "; retry when it is done");
  };
  switch (c.op()) {
    case v1::DriveCommand::STATUS:
      break;
    case v1::DriveCommand::FINISH_SESSION:
      if (busy()) return busy_error();
      if (auto st = finish_session(); !st)
        return fail(to_error_code(st), st.message());
      break;
    case v1::DriveCommand::EJECT: {
      if (busy()) return busy_error();
      if (auto st = finish_session(); !st)
        return fail(to_error_code(st), st.message());
      std::string vol = label_.volume_id();
      if (auto st = drive_->eject(); !st)
        return fail(to_error_code(st), st.message());
      state_ = state::no_media;
      emit(v1::DriveEvent::EJECTED,
           "tape " + vol + " ejected from drive " + opts_.name);
      label_.Clear();
      break;
    }
    case v1::DriveCommand::LABEL: {
      if (busy()) return busy_error();
      v1::TapeLabel l;
      l.set_volume_id(c.volume_id());
      l.set_pool(c.pool());
      l.set_media_set(random_hex(8));
      l.set_media_set_seq(1);
      if (l.volume_id().empty()) {
        auto inf = drive_->info();
        if (inf) l.set_volume_id(inf->volume_hint);
      }
      if (l.volume_id().empty())
        return fail(v1::NOT_LABELLED, "LABEL needs a volume id (barcode)");
      if (auto st = drive_->open(); !st)
        return fail(to_error_code(st), st.message());
      if (auto st = label_tape(l, c.force()); !st)
        return fail(to_error_code(st), st.message());
      if (auto st = mount_loaded_tape(); !st)
        return fail(to_error_code(st), st.message());
      break;
    }
    case v1::DriveCommand::LOAD:
      if (busy()) return busy_error();
      if (auto st = load_cartridge(c.volume_id()); !st)
        return fail(to_error_code(st), st.message());
      break;
    case v1::DriveCommand::VERIFY: {
      if (busy()) return busy_error();
      tape::volume_reader reader(drive_.get());
      auto v = reader.verify_object(c.file_number());
      // Back to the append point whatever the outcome.
      auto remount = mount_loaded_tape();
      if (!v) return fail(v1::MEDIA_ERROR, v.error().message());
      r.set_detail(*v);
      if (!remount) return fail(to_error_code(remount), remount.message());
      break;
    }
    case v1::DriveCommand::CONTENTS: {
      if (busy()) return busy_error();
      tape::volume_reader reader(drive_.get());
      auto s = reader.scan();
      auto remount = mount_loaded_tape();
      if (!s) return fail(v1::MEDIA_ERROR, s.error().message());
      *r.mutable_label() = s->label;
      *r.mutable_catalog() = s->catalog;
      if (!remount) return fail(to_error_code(remount), remount.message());
      break;
    }
    default:
      return fail(v1::MALFORMED_FRAME, "drive command not supported here");
  }
  r.set_ok(true);
  *r.mutable_status() = status_report();
  return r;
}

}  // namespace tapeline::tape_agent
