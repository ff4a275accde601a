// READ's requester side: docs/wire-protocol.md "Reading back".
#include "tapeline/restore/drive_client.h"

#include <caf/all.hpp>

#include "tapeline/caf/stream_sender.h"
#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"

namespace tapeline::restore {

struct drive_client::impl {
  explicit impl(caf::actor_system& sys) : self(sys) {}
  caf::scoped_actor self;
  caf::actor agent;
  caf::actor drive;
};

drive_client::drive_client(std::unique_ptr<impl> p, client_options o)
    : impl_(std::move(p)), opts_(std::move(o)) {}

drive_client::~drive_client() = default;

result<std::unique_ptr<drive_client>> drive_client::connect(
    caf::actor_system& sys, const client_options& opts) {
  auto p = std::make_unique<impl>(sys);
  auto agent = stream::connect_agent(sys, opts.host, opts.port);
  if (!agent) return agent.error();
  p->agent = *agent;
  auto d = stream::attach_drive(p->self, p->agent, opts.drive);
  if (!d)
    return d.error().with_context("drive " + opts.drive + " on " + opts.host +
                                  ":" + std::to_string(opts.port));
  p->drive = *d;
  p->self->monitor(p->drive);
  return std::unique_ptr<drive_client>(new drive_client(std::move(p), opts));
}

result<v1::DriveCommandReply> drive_client::command(v1::DriveCommand c) {
  c.set_drive(opts_.drive);
  v1::Frame q;
  *q.mutable_command() = c;
  result<v1::DriveCommandReply> out = status(code::internal, "no answer");
  const std::string op = v1::DriveCommand::Op_Name(c.op());
  impl_->self->request(impl_->drive, opts_.answer_timeout, wire::encode(q))
      .receive(
          [&](wire::wire_frame& w) {
            v1::Frame f;
            if (auto st = wire::decode(w, f); !st) {
              out = st;
            } else if (!f.has_reply()) {
              out = status(code::protocol_error,
                           "drive " + opts_.drive + " answered " + op +
                               " with a " + wire::body_name(f) + " frame");
            } else if (!f.reply().ok()) {
              code k = f.reply().code() == v1::NO_MEDIA ? code::no_media
                       : f.reply().code() == v1::MEDIA_ERROR ||
                               f.reply().code() == v1::DIGEST_MISMATCH
                           ? code::corrupt
                           : code::unavailable;
              out = status(k, "drive " + opts_.drive + " refused " + op + " (" +
                                  v1::ErrorCode_Name(f.reply().code()) +
                                  "): " + f.reply().error());
            } else {
              out = f.reply();
            }
          },
          [&](caf::error& e) {
            out = status(code::unavailable,
                         "drive " + opts_.drive + " did not answer " + op +
                             ": " + impl_->self->system().render(e) +
                             "; check the tape agent and its log");
          });
  return out;
}

result<v1::DriveStatus> drive_client::status_report() {
  v1::DriveCommand c;
  c.set_op(v1::DriveCommand::STATUS);
  auto r = command(c);
  if (!r) return r.error();
  return r->status();
}

namespace {

struct read_state {
  uint64_t id = 0;
  bool opened = false;
  bool done = false;
  uint64_t seq = 0;
  uint64_t bytes = 0;
  uint64_t consumed_since_credit = 0;
  sha256 hash;
  part_read out;
  status error;
};

}  // namespace

result<part_read> drive_client::read_part(const std::string& volume,
                                          uint32_t file_number,
                                          const payload_sink& sink) {
  const std::string where =
      "tape " + volume + " file " + std::to_string(file_number);
  v1::DriveCommand c;
  c.set_op(v1::DriveCommand::READ);
  c.set_volume_id(volume);
  c.set_file_number(file_number);
  auto reply = command(c);
  if (!reply) return reply.error().with_context("reading " + where);
  auto& self = impl_->self;
  read_state s;
  auto send = [&](v1::Frame f) { self->send(impl_->drive, wire::encode(f)); };
  auto grant = [&](uint64_t bytes) {
    v1::Frame f;
    f.mutable_credit()->set_stream_id(s.id);
    f.mutable_credit()->set_bytes(bytes);
    send(std::move(f));
  };
  auto abort = [&](v1::ErrorCode code, const std::string& why) {
    v1::Frame f;
    f.mutable_abort()->set_stream_id(s.id);
    f.mutable_abort()->set_code(code);
    f.mutable_abort()->set_reason(why);
    send(std::move(f));
  };
  // A chunk's payload, checked and handed to the sink.
  auto on_chunk = [&](uint64_t seq, uint32_t crc, const char* data, size_t n) {
    if (seq != s.seq) {
      s.error = status(code::protocol_error,
                       where + ": chunk " + std::to_string(seq) +
                           " arrived, expected " + std::to_string(s.seq));
      abort(v1::SEQUENCE_GAP, s.error.message());
      return;
    }
    if (crc32c(data, n) != crc) {
      s.error = status(code::corrupt, where + ": chunk " + std::to_string(seq) +
                                          " failed its CRC32C in transit");
      abort(v1::BAD_CHECKSUM, s.error.message());
      return;
    }
    ++s.seq;
    s.bytes += n;
    s.hash.update(data, n);
    if (sink) {
      if (auto st = sink(data, n); !st) {
        s.error = st;
        abort(v1::SENDER_ABORT, st.message());
        return;
      }
    }
    // Give the credit back in batches of an eighth of the window, so the
    // drive keeps reading while this side writes.
    s.consumed_since_credit += n;
    if (s.consumed_since_credit >= opts_.window_bytes / 8) {
      grant(s.consumed_since_credit);
      s.consumed_since_credit = 0;
    }
  };
  auto on_frame = [&](wire::wire_frame& w) {
    // Chunks are read in place: no copy of the payload into a Frame.
    wire::chunk_view cv;
    status perr;
    if (wire::peek_chunk(w, cv, perr)) {
      if (s.opened && cv.stream_id == s.id)
        on_chunk(cv.seq, cv.crc32c, w.bytes.data() + cv.data_offset,
                 cv.data_length);
      return;
    }
    if (!perr.ok()) {
      s.error = perr;
      return;
    }
    v1::Frame f;
    if (auto st = wire::decode(w, f); !st) {
      s.error = st;
      return;
    }
    if (f.has_open()) {
      s.id = f.open().stream_id();
      s.opened = true;
      s.out.manifest = f.open().manifest();
      grant(opts_.window_bytes);
    } else if (f.has_chunk() && s.opened && f.chunk().stream_id() == s.id) {
      const auto& ch = f.chunk();
      on_chunk(ch.seq(), ch.crc32c(), ch.data().data(), ch.data().size());
    } else if (f.has_close() && f.close().stream_id() == s.id) {
      s.done = true;
      s.out.bytes = s.bytes;
      s.out.sha256 = s.hash.hex_digest();
      if (f.close().total_bytes() != s.bytes ||
          f.close().sha256() != s.out.sha256)
        s.error = status(code::corrupt,
                         where + ": the drive read " +
                             std::to_string(f.close().total_bytes()) +
                             " bytes with SHA-256 " + f.close().sha256() +
                             ", " + std::to_string(s.bytes) + " bytes with " +
                             s.out.sha256 + " arrived");
    } else if (f.has_abort() && s.opened && f.abort().stream_id() == s.id) {
      s.done = true;
      code k = f.abort().code() == v1::MEDIA_ERROR ||
                       f.abort().code() == v1::DIGEST_MISMATCH
                   ? code::corrupt
                   : code::aborted;
      s.error = status(k, "drive " + opts_.drive + " could not read " + where +
                              " (" + v1::ErrorCode_Name(f.abort().code()) +
                              "): " + f.abort().reason());
    }
  };
  while (!s.done && s.error.ok()) {
    bool timed_out = false;
    self->receive(
        on_frame,
        [&](caf::down_msg& dm) {
          if (dm.source == impl_->drive.address())
            s.error = status(code::unavailable,
                             "lost the tape agent while reading " + where +
                                 " (" + self->system().render(dm.reason) +
                                 "); check the agent, then restore again");
        },
        caf::after(opts_.answer_timeout) >> [&] { timed_out = true; });
    if (timed_out) {
      s.error = status(code::unavailable,
                       "drive " + opts_.drive + " sent nothing for " +
                           std::to_string(opts_.answer_timeout.count()) +
                           " s while reading " + where +
                           "; check the tape agent and its log");
      if (s.opened) abort(v1::SENDER_ABORT, s.error.message());
    }
  }
  if (!s.error) return s.error;
  return s.out;
}

}  // namespace tapeline::restore
