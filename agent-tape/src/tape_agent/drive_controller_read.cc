// The read side of a drive: READ streams an object part back to a requester
// (docs/wire-protocol.md "Reading back"), and LOAD puts a cartridge in a
// virtual drive. Writes (and session catalogs) first return to the append
// point (remount_).
#include <algorithm>

#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"
#include "tapeline/tape_agent/drive_controller.h"

namespace tapeline::tape_agent {
namespace {

// Payload bytes per chunk sent to a reader: the largest a frame carries,
// so a restore pays the per-message costs (CAF, protobuf, TLS records) on
// as few messages as possible.
constexpr size_t read_chunk = wire::max_chunk_bytes;

v1::ErrorCode read_error_code(const status& st) {
  switch (st.error_code()) {
    case code::no_media:
      return v1::NO_MEDIA;
    case code::corrupt:
      return v1::DIGEST_MISMATCH;
    case code::invalid_argument:
    case code::not_found:
      return v1::MALFORMED_FRAME;
    default:
      return v1::MEDIA_ERROR;
  }
}

}  // namespace

status drive_controller::return_to_append_point() {
  remount_ = false;
  return mount_loaded_tape();
}

std::vector<v1::Frame> drive_controller::on_read(const v1::DriveCommand& c,
                                                 v1::DriveCommandReply* reply) {
  auto refuse = [&](v1::ErrorCode code, const std::string& msg) {
    reply->set_ok(false);
    reply->set_code(code);
    reply->set_error(msg);
    return std::vector<v1::Frame>{};
  };
  if (busy())
    return refuse(v1::DRIVE_BUSY,
                  "drive " + opts_.name + " is busy with stream " +
                      std::to_string(stream_id()) + "; retry when it is done");
  if (state_ == state::no_media || state_ == state::failed) {
    if (auto st = mount_loaded_tape(); !st)
      return refuse(v1::NO_MEDIA, st.message());
  }
  if (state_ == state::waiting_for_media)
    return refuse(v1::NO_MEDIA,
                  "drive " + opts_.name + " waits for a cartridge");
  if (!c.volume_id().empty() && c.volume_id() != label_.volume_id())
    return refuse(v1::NO_MEDIA,
                  "drive " + opts_.name + " holds tape " +
                      (label_.volume_id().empty() ? std::string("(none)")
                                                  : label_.volume_id()) +
                      ", not " + c.volume_id() + "; load " + c.volume_id() +
                      " first");
  remount_ = true;
  auto r = tape::part_reader::open(drive_.get(), label_.volume_id(),
                                   c.file_number());
  if (!r) return refuse(read_error_code(r.error()), r.error().message());
  read_ = std::move(*r);
  read_id_ = next_read_id_++;
  read_credit_ = 0;
  read_seq_ = 0;
  read_bytes_ = 0;
  v1::Frame f;
  auto* o = f.mutable_open();
  o->set_stream_id(read_id_);
  o->set_drive(opts_.name);
  *o->mutable_manifest() = read_->manifest();
  o->set_max_chunk(read_chunk);
  reply->set_ok(true);
  reply->set_detail("reading " + read_->what() + " as stream " +
                    std::to_string(read_id_));
  return {f};
}

std::vector<v1::Frame> drive_controller::on_credit(const v1::StreamCredit& c) {
  if (read_ && c.stream_id() == read_id_) read_credit_ += c.bytes();
  return {};
}

std::vector<v1::Frame> drive_controller::pump_read(uint64_t budget) {
  std::vector<v1::Frame> out;
  std::string chunk;
  auto flush = [&] {
    v1::Frame f;
    auto* ch = f.mutable_chunk();
    ch->set_stream_id(read_id_);
    ch->set_seq(read_seq_++);
    ch->set_crc32c(crc32c(chunk.data(), chunk.size()));
    read_bytes_ += chunk.size();
    ch->set_data(std::move(chunk));
    chunk.clear();
    out.push_back(std::move(f));
  };
  auto sink = [&](const char* p, size_t n) -> status {
    while (n > 0) {
      size_t take = std::min(n, read_chunk - chunk.size());
      if (chunk.empty()) chunk.reserve(read_chunk);  // no regrowth copies
      chunk.append(p, take);
      p += take;
      n -= take;
      if (chunk.size() == read_chunk) flush();
    }
    return {};
  };
  uint64_t allowed = std::min(budget, read_credit_);
  auto done = read_->read(sink, allowed);
  if (!chunk.empty()) flush();
  uint64_t sent = 0;
  for (auto& f : out) sent += f.chunk().data().size();
  read_credit_ -= std::min(read_credit_, sent);
  if (!done) {
    v1::Frame f;
    auto* a = f.mutable_abort();
    a->set_stream_id(read_id_);
    a->set_code(read_error_code(done.error()));
    a->set_reason(done.error().message());
    emit(v1::DriveEvent::ERROR, "reading back failed: " + a->reason(),
         a->code());
    auto end = end_read(std::move(f));
    out.insert(out.end(), end.begin(), end.end());
    return out;
  }
  if (!*done) return out;
  v1::Frame f;
  auto* cl = f.mutable_close();
  cl->set_stream_id(read_id_);
  cl->set_total_bytes(read_bytes_);
  cl->set_sha256(read_->part_sha256());
  auto end = end_read(std::move(f));
  out.insert(out.end(), end.begin(), end.end());
  return out;
}

// Ends the read with `last` (close or abort; none when the reader is gone).
// The tape goes back to its append point lazily, before the next write or
// session catalog (remount_): a restore reading several parts in a row
// does not wind to the end of data between them.
std::vector<v1::Frame> drive_controller::end_read(v1::Frame last) {
  std::vector<v1::Frame> out;
  read_.reset();
  read_credit_ = 0;
  remount_ = true;
  if (last.body_case() != v1::Frame::BODY_NOT_SET)
    out.push_back(std::move(last));
  return out;
}

status drive_controller::load_cartridge(const std::string& barcode) {
  if (!opts_.load)
    return make_error(code::invalid_argument,
                      "drive " + opts_.name + " (" + drive_->describe() +
                          ") cannot load cartridges itself; put " + barcode +
                          " in it by hand");
  if (barcode.empty())
    return make_error(code::invalid_argument, "LOAD needs a volume id");
  auto inf = drive_->info();
  if (!inf) return inf.error();
  if (inf->loaded) {
    if (state_ != state::no_media && label_.volume_id() == barcode) return {};
    TL_RETURN_IF_ERROR(finish_session());
    std::string was = label_.volume_id();
    TL_RETURN_IF_ERROR(drive_->eject());
    state_ = state::no_media;
    label_.Clear();
    emit(v1::DriveEvent::EJECTED, "tape " + was + " ejected from drive " +
                                      opts_.name + " to load " + barcode);
  }
  TL_RETURN_IF_ERROR(opts_.load(barcode));
  remount_ = false;
  TL_RETURN_IF_ERROR(mount_loaded_tape());
  emit(v1::DriveEvent::LOADED, "tape " + barcode + " loaded");
  return {};
}

}  // namespace tapeline::tape_agent
