#include "tapeline/caf/stream_sender.h"

#include <caf/all.hpp>
#include <caf/openssl/remote_actor.hpp>

#include <algorithm>
#include <random>

#include "tapeline/caf/node.h"
#include "tapeline/caf/wire.h"
#include "tapeline/common/checksum.h"

namespace tapeline::stream {

result<caf::actor> connect_agent(caf::actor_system& sys,
                                 const std::string& host, uint16_t port) {
  auto front = caf::openssl::remote_actor(sys, host, port);
  if (!front)
    return status{code::unavailable,
                  node::explain_connect_error(sys, front.error(), host, port)};
  return *front;
}

result<caf::actor> attach_drive(caf::scoped_actor& self,
                                const caf::actor& front,
                                const std::string& drive) {
  v1::Frame q;
  q.mutable_command()->set_op(v1::DriveCommand::ATTACH);
  q.mutable_command()->set_drive(drive);
  result<caf::actor> out = status{code::internal, "no answer"};
  self->request(front, std::chrono::seconds(30), wire::encode(q))
      .receive(
          [&](wire::wire_frame& w, caf::actor& d) {
            v1::Frame f;
            if (auto st = wire::decode(w, f); !st) {
              out = st;
            } else if (!f.has_reply() || !f.reply().ok()) {
              out =
                  status{code::not_found, v1::ErrorCode_Name(f.reply().code()) +
                                              ": " + f.reply().error()};
            } else {
              out = d;
            }
          },
          [&](caf::error& e) {
            out =
                status{code::unavailable, "tape agent did not answer ATTACH: " +
                                              self->system().render(e)};
          });
  return out;
}

namespace {

using clock_type = std::chrono::steady_clock;

struct stream_state {
  uint64_t credit = 0;
  bool accepted = false;
  bool receipts = false;  // the drive sends received_bytes
  uint64_t received = 0;  // payload bytes the drive has received
  std::optional<v1::StreamResult> result;
  status error;
};

// Waits for one message from the drive and applies it to `s`. Returns false
// on timeout.
bool await_one(caf::scoped_actor& self, const caf::actor& drive,
               stream_state& s, std::chrono::milliseconds timeout) {
  bool got = false;
  self->receive(
      [&](wire::wire_frame& w) {
        got = true;
        v1::Frame f;
        if (auto st = wire::decode(w, f); !st) {
          s.error = st;
          return;
        }
        if (f.has_accepted()) {
          s.accepted = true;
          s.receipts = f.accepted().sends_receipts();
          s.credit += f.accepted().credit_bytes();
        } else if (f.has_credit()) {
          s.credit += f.credit().bytes();
          s.received = std::max(s.received, f.credit().received_bytes());
        } else if (f.has_result()) {
          s.result = f.result();
        } else if (f.has_abort()) {
          s.error = {code::aborted, "drive aborted: " + f.abort().reason()};
        }
      },
      [&](caf::down_msg& dm) {
        got = true;
        if (dm.source == drive.address())
          s.error = {code::unavailable,
                     "lost the tape agent mid-stream (" +
                         self->system().render(dm.reason) +
                         "); nothing of this object is restorable. Check "
                         "the tape agent and its log, then send it again"};
      },
      caf::after(timeout) >> [&] {});
  return got;
}

}  // namespace

result<v1::StreamResult> send_object(caf::actor_system& sys,
                                     const send_options& opts,
                                     byte_source& src) {
  auto front = connect_agent(sys, opts.host, opts.port);
  if (!front) return front.error();
  caf::scoped_actor self{sys};
  auto drive = attach_drive(self, *front, opts.drive);
  if (!drive) return drive.error();
  self->monitor(*drive);

  const uint64_t id =
      std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32);
  v1::Frame o;
  auto* open = o.mutable_open();
  open->set_stream_id(id);
  open->set_drive(opts.drive);
  *open->mutable_manifest() = opts.manifest;
  open->set_max_chunk(opts.chunk_bytes);
  self->send(*drive, wire::encode(o));

  stream_state s;
  auto wait = [&]() -> status {
    if (!await_one(self, *drive, s, opts.answer_timeout))
      return {code::unavailable,
              "the drive did not answer within " +
                  std::to_string(opts.answer_timeout.count()) +
                  " s; the stream is abandoned"};
    return s.error;
  };
  while (!s.accepted && !s.result) TL_RETURN_IF_ERROR(wait());
  if (s.result) return *s.result;

  sha256 hash;
  uint64_t seq = 0, total = 0;
  auto start = clock_type::now();
  auto last_report = start;
  auto report = [&] {
    if (!opts.on_progress) return;
    progress_info p;
    p.bytes = total;
    p.expected = opts.manifest.expected_size() > 0
                     ? static_cast<uint64_t>(opts.manifest.expected_size())
                     : 0;
    p.seconds =
        std::chrono::duration<double>(clock_type::now() - start).count();
    opts.on_progress(p);
  };
  // Each payload is read straight into the frame that carries it.
  wire::chunk_builder builder(opts.chunk_bytes);
  for (;;) {
    char* data = builder.payload();
    auto n = src.read(data, builder.max_payload());
    if (!n) {
      v1::Frame a;
      a.mutable_abort()->set_stream_id(id);
      a.mutable_abort()->set_code(v1::SENDER_ABORT);
      a.mutable_abort()->set_reason(n.error().message());
      self->send(*drive, wire::encode(a));
      return n.error().with_context("reading the payload");
    }
    if (*n == 0) break;
    hash.update(data, *n);
    const uint32_t crc = crc32c(data, *n);
    auto may_send = [&] {
      return s.credit >= *n &&
             (!s.receipts || total - s.received < opts.window_bytes);
    };
    while (!may_send() && !s.result) TL_RETURN_IF_ERROR(wait());
    if (s.result) return *s.result;  // the drive gave up early
    s.credit -= *n;
    total += *n;
    self->send(*drive, builder.seal(id, seq++, *n, crc));
    if ((seq & 15) == 0) {
      // Notice an early failure without waiting for credit to run out.
      await_one(self, *drive, s, std::chrono::milliseconds(0));
      TL_RETURN_IF_ERROR(s.error);
      if (s.result) return *s.result;
      auto now = clock_type::now();
      if (now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        report();
      }
    }
  }
  v1::Frame cl;
  cl.mutable_close()->set_stream_id(id);
  cl.mutable_close()->set_total_bytes(total);
  cl.mutable_close()->set_sha256(hash.hex_digest());
  self->send(*drive, wire::encode(cl));
  while (!s.result) TL_RETURN_IF_ERROR(wait());
  report();
  if (opts.finish_session && s.result->ok()) {
    v1::Frame q;
    q.mutable_command()->set_op(v1::DriveCommand::FINISH_SESSION);
    q.mutable_command()->set_drive(opts.drive);
    status fin;
    self->request(*drive, std::chrono::seconds(600), wire::encode(q))
        .receive(
            [&](wire::wire_frame& w) {
              v1::Frame f;
              if (!wire::decode(w, f).ok() || !f.reply().ok())
                fin = {code::io_error, "writing the session catalog failed: " +
                                           f.reply().error()};
            },
            [&](caf::error& e) {
              fin = {code::unavailable, "FINISH_SESSION: " + sys.render(e)};
            });
    TL_RETURN_IF_ERROR(fin);
  }
  return *s.result;
}

result<v1::DriveCommandReply> send_command(caf::actor_system& sys,
                                           const std::string& host,
                                           uint16_t port,
                                           const v1::DriveCommand& cmd) {
  auto front = connect_agent(sys, host, port);
  if (!front) return front.error();
  caf::scoped_actor self{sys};
  v1::Frame q;
  *q.mutable_command() = cmd;
  caf::actor target = *front;
  if (cmd.op() != v1::DriveCommand::LIST) {
    auto drive = attach_drive(self, *front, cmd.drive());
    if (!drive) return drive.error();
    target = *drive;
  }
  result<v1::DriveCommandReply> out = status{code::internal, "no answer"};
  auto on_frame = [&](wire::wire_frame& w) {
    v1::Frame f;
    if (auto st = wire::decode(w, f); !st)
      out = st;
    else
      out = f.reply();
  };
  auto on_error = [&](caf::error& e) {
    out = status{code::unavailable, "command failed: " + sys.render(e)};
  };
  if (cmd.op() == v1::DriveCommand::LIST)
    self->request(target, std::chrono::seconds(60), wire::encode(q))
        .receive([&](wire::wire_frame& w, caf::actor&) { on_frame(w); },
                 on_error);
  else
    self->request(target, std::chrono::seconds(3600), wire::encode(q))
        .receive(on_frame, on_error);
  return out;
}

status watch_events(
    caf::actor_system& sys, const std::string& host, uint16_t port,
    const std::string& drive,
    const std::function<bool(const v1::DriveEvent&)>& on_event,
    const std::function<void(const std::vector<std::string>&)>& on_ready) {
  auto front = connect_agent(sys, host, port);
  if (!front) return front.error();
  caf::scoped_actor self{sys};
  std::vector<std::string> names;
  if (!drive.empty()) {
    names.push_back(drive);
  } else {
    v1::DriveCommand list;
    list.set_op(v1::DriveCommand::LIST);
    auto r = send_command(sys, host, port, list);
    if (!r) return r.error();
    for (const auto& d : r->drives()) names.push_back(d.drive());
  }
  size_t watching = 0;
  for (const auto& name : names) {
    auto d = attach_drive(self, *front, name);
    if (!d) return d.error();
    self->monitor(*d);
    v1::Frame q;
    q.mutable_command()->set_op(v1::DriveCommand::SUBSCRIBE);
    q.mutable_command()->set_drive(name);
    status sub;
    self->request(*d, std::chrono::seconds(30), wire::encode(q))
        .receive([&](wire::wire_frame&) {},
                 [&](caf::error& e) {
                   sub = {code::unavailable,
                          "SUBSCRIBE " + name + ": " + sys.render(e)};
                 });
    TL_RETURN_IF_ERROR(sub);
    ++watching;
  }
  if (on_ready) on_ready(names);
  bool go_on = true;
  status out;
  while (go_on && watching > 0) {
    self->receive(
        [&](wire::wire_frame& w) {
          v1::Frame f;
          if (wire::decode(w, f).ok() && f.has_event())
            go_on = on_event(f.event());
        },
        [&](caf::down_msg& dm) {
          --watching;
          out = {code::unavailable,
                 "lost the tape agent (" + sys.render(dm.reason) + ")"};
        });
  }
  return watching == 0 ? out : status{};
}

}  // namespace tapeline::stream
