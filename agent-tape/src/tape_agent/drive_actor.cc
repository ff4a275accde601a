#include "tapeline/tape_agent/drive_actor.h"

#include <spdlog/spdlog.h>

namespace tapeline::tape_agent {
namespace {

// Bytes written per pump message: large enough to keep the drive streaming,
// small enough that credits and commands are answered promptly.
constexpr uint64_t pump_budget = 32ull << 20;

using self_ptr = caf::stateful_actor<drive_actor_state>*;

void send_frames(self_ptr self, std::vector<v1::Frame>& frames) {
  auto& st = self->state;
  for (auto& f : frames) {
    // A write ends with its result, a read with its close or abort.
    bool final = f.has_result() || f.has_close() || f.has_abort();
    if (st.sender) self->send(st.sender, wire::encode(f));
    if (final && st.sender) {
      self->demonitor(st.sender);
      st.sender = nullptr;
    }
  }
}

void schedule_pump(self_ptr self) {
  auto& st = self->state;
  if (st.pump_scheduled || !st.ctl->wants_pump()) return;
  st.pump_scheduled = true;
  if (st.ctl->waiting_for_media())
    self->delayed_send(self, std::chrono::milliseconds(200), pump_atom::value);
  else if (st.ctl->throttled())
    self->delayed_send(self, std::chrono::milliseconds(10), pump_atom::value);
  else
    self->send(self, pump_atom::value);
}

void log_event(const v1::DriveEvent& e) {
  using K = v1::DriveEvent;
  auto level = spdlog::level::info;
  if (e.kind() == K::ERROR || e.kind() == K::OBJECT_FAILED)
    level = spdlog::level::err;
  else if (e.kind() == K::MOUNT_REQUEST || e.kind() == K::EARLY_WARNING)
    level = spdlog::level::warn;
  // The code, when there is one, so that logs can be searched for it.
  std::string code = e.code() == v1::ERROR_CODE_UNSPECIFIED
                         ? ""
                         : " (" + v1::ErrorCode_Name(e.code()) + ")";
  spdlog::log(level, "drive {}: {}{}: {}", e.drive(),
              v1::DriveEvent::Kind_Name(e.kind()), code, e.message());
}

// Why wire::decode() refused `w`, as a wire error code.
v1::ErrorCode refusal_code(const wire::wire_frame& w) {
  if (w.bytes.size() > wire::max_frame_bytes) return v1::OVERSIZE_FRAME;
  v1::Frame f;
  if (f.ParseFromString(w.bytes) && f.version() != wire::protocol_version)
    return v1::PROTOCOL_VERSION;
  return v1::MALFORMED_FRAME;
}

void on_stream_frame(self_ptr self, v1::Frame& f) {
  auto& st = self->state;
  std::vector<v1::Frame> out;
  switch (f.body_case()) {
    case v1::Frame::kOpen: {
      auto peer = caf::actor_cast<caf::actor>(self->current_sender());
      out = st.ctl->on_open(f.open());
      bool accepted = !out.empty() && out.front().has_accepted();
      if (accepted) {
        st.sender = peer;
        self->monitor(peer);
        spdlog::info(
            "drive {}: stream {} opened for object {} ({})",
            st.ctl->options().name, f.open().stream_id(),
            f.open().manifest().name(),
            f.open().manifest().expected_size() >= 0
                ? std::to_string(f.open().manifest().expected_size()) + " bytes"
                : "size unknown");
      } else if (peer) {
        for (auto& o : out) self->send(peer, wire::encode(o));
        out.clear();
      }
      break;
    }
    case v1::Frame::kChunk:
      out = st.ctl->on_chunk(*f.mutable_chunk());
      break;
    case v1::Frame::kClose:
      out = st.ctl->on_close(f.close());
      break;
    case v1::Frame::kCredit:  // a reader's (READ)
      out = st.ctl->on_credit(f.credit());
      break;
    case v1::Frame::kAbort:
      out = st.ctl->on_abort(f.abort());
      break;
    default: {
      auto peer = caf::actor_cast<caf::actor>(self->current_sender());
      spdlog::warn("drive {}: unexpected {} frame ignored",
                   st.ctl->options().name, wire::body_name(f));
      return;
    }
  }
  send_frames(self, out);
  schedule_pump(self);
}

}  // namespace

caf::behavior drive_actor(self_ptr self,
                          std::shared_ptr<drive_controller> ctl) {
  self->state.ctl = std::move(ctl);
  // Events are raised inside our own handlers, on this actor's thread.
  self->state.ctl->set_event_callback([self](const v1::DriveEvent& e) {
    log_event(e);
    if (self->state.subscribers.empty()) return;
    v1::Frame f;
    *f.mutable_event() = e;
    auto w = wire::encode(f);
    for (auto& s : self->state.subscribers) self->send(s, w);
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.sender && dm.source == st.sender.address()) {
      st.sender = nullptr;
      auto out = st.ctl->on_peer_lost(caf::to_string(dm.reason));
      // Nobody to tell; the event carries it.
      (void)out;
    }
    auto& subs = st.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) {
                                return a.address() == dm.source;
                              }),
               subs.end());
  });
  // Shutdown arrives as an exit message: close the session while the state
  // still exists (attached functors run after it is destroyed).
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& ctl = self->state.ctl;
    if (ctl->busy()) {
      v1::StreamAbort a;
      a.set_stream_id(ctl->stream_id());
      a.set_code(v1::SHUTTING_DOWN);
      a.set_reason("the tape agent is stopping (" +
                   self->system().render(msg.reason) +
                   "); send the object again once it is back");
      auto out = ctl->on_abort(a);
      send_frames(self, out);
    }
    if (auto st = ctl->finish_session(); !st)
      spdlog::error("drive {}: closing the session at shutdown failed: {}",
                    ctl->options().name, st.to_string());
    // Release the drive now (closing the device), not whenever CAF gets to
    // destroying this actor.
    ctl.reset();
    self->quit(msg.reason);
  });
  return {
      [=](wire::wire_frame& w) {
        auto& st = self->state;
        // The hot path: a chunk is read in place, its buffer kept as is.
        wire::chunk_view cv;
        status peek_error;
        if (wire::peek_chunk(w, cv, peek_error)) {
          auto out = st.ctl->on_chunk(cv.stream_id, cv.seq, cv.crc32c,
                                      std::move(w.bytes), cv.data_offset,
                                      cv.data_length);
          send_frames(self, out);
          schedule_pump(self);
          return;
        }
        v1::Frame f;
        if (auto err = wire::decode(w, f); !err) {
          spdlog::error("drive {}: refused frame from a peer: {}",
                        st.ctl->options().name, err.message());
          auto peer = caf::actor_cast<caf::actor>(self->current_sender());
          v1::StreamAbort a;
          a.set_stream_id(st.ctl->stream_id());
          a.set_code(refusal_code(w));
          a.set_reason(err.message());
          if (st.sender && peer == st.sender) {
            auto out = st.ctl->on_abort(a);
            send_frames(self, out);
          } else if (peer) {
            v1::Frame r;
            *r.mutable_abort() = a;
            self->send(peer, wire::encode(r));
          }
          return;
        }
        if (f.has_command()) {
          if (f.command().op() == v1::DriveCommand::SUBSCRIBE) {
            auto peer = caf::actor_cast<caf::actor>(self->current_sender());
            if (peer) {
              st.subscribers.push_back(peer);
              self->monitor(peer);
            }
          }
          if (f.command().op() == v1::DriveCommand::READ) {
            // The reader, before a response promise takes the request over.
            auto peer = caf::actor_cast<caf::actor>(self->current_sender());
            auto rp = self->make_response_promise<wire::wire_frame>();
            v1::Frame r;
            auto out = st.ctl->on_read(f.command(), r.mutable_reply());
            if (r.reply().ok() && !peer) {  // nobody to stream to
              st.ctl->on_peer_lost("READ from an anonymous sender");
              out.clear();
              r.mutable_reply()->set_ok(false);
              r.mutable_reply()->set_code(v1::MALFORMED_FRAME);
              r.mutable_reply()->set_error("READ needs a reply address");
            } else if (r.reply().ok()) {
              *r.mutable_reply()->mutable_status() = st.ctl->status_report();
              st.sender = peer;
              self->monitor(peer);
            }
            rp.deliver(wire::encode(r));
            send_frames(self, out);
            schedule_pump(self);
            return;
          }
          // Answer a request, or a plain send, alike.
          auto rp = self->make_response_promise<wire::wire_frame>();
          v1::Frame r;
          *r.mutable_reply() = st.ctl->on_command(f.command());
          rp.deliver(wire::encode(r));
          schedule_pump(self);
          return;
        }
        on_stream_frame(self, f);
      },
      [=](pump_atom) {
        auto& st = self->state;
        st.pump_scheduled = false;
        auto out = st.ctl->pump(pump_budget);
        send_frames(self, out);
        schedule_pump(self);
      },
      [=](start_atom) {
        if (auto st = self->state.ctl->start(); !st)
          spdlog::warn("drive {}: {}", self->state.ctl->options().name,
                       st.message());
      },
  };
}

namespace {

// Asks every drive for its status and answers with all of them.
caf::result<wire::wire_frame, caf::actor> list_drives(
    caf::stateful_actor<agent_actor_state>* self) {
  auto rp = self->make_response_promise<wire::wire_frame, caf::actor>();
  auto acc = std::make_shared<v1::Frame>();
  acc->mutable_reply()->set_ok(true);
  auto pending = std::make_shared<size_t>(self->state.drives.size());
  if (*pending == 0) {
    rp.deliver(wire::encode(*acc), caf::actor{});
    return rp;
  }
  for (auto& kv : self->state.drives) {
    v1::Frame q;
    q.mutable_command()->set_op(v1::DriveCommand::STATUS);
    q.mutable_command()->set_drive(kv.first);
    self->request(kv.second, std::chrono::seconds(30), wire::encode(q))
        .then(
            [=](wire::wire_frame& w) mutable {
              v1::Frame f;
              if (wire::decode(w, f).ok() && f.has_reply())
                *acc->mutable_reply()->add_drives() = f.reply().status();
              if (--*pending == 0) rp.deliver(wire::encode(*acc), caf::actor{});
            },
            [=](caf::error&) mutable {
              if (--*pending == 0) rp.deliver(wire::encode(*acc), caf::actor{});
            });
  }
  return rp;
}

}  // namespace

caf::behavior agent_actor(caf::stateful_actor<agent_actor_state>* self,
                          std::map<std::string, caf::actor> drives) {
  self->state.drives = std::move(drives);
  return {
      [=](wire::wire_frame& w) -> caf::result<wire::wire_frame, caf::actor> {
        v1::Frame f;
        v1::Frame r;
        auto* rep = r.mutable_reply();
        if (auto err = wire::decode(w, f); !err) {
          spdlog::error("agent: refused frame: {}", err.message());
          rep->set_code(v1::MALFORMED_FRAME);
          rep->set_error(err.message());
          return {wire::encode(r), caf::actor{}};
        }
        if (!f.has_command()) {
          rep->set_code(v1::MALFORMED_FRAME);
          rep->set_error(std::string("the agent takes commands, not ") +
                         wire::body_name(f) + " frames; attach to a drive");
          return {wire::encode(r), caf::actor{}};
        }
        const auto& c = f.command();
        auto& drives = self->state.drives;
        if (c.op() == v1::DriveCommand::LIST) return list_drives(self);
        auto i = drives.find(c.drive());
        if (i == drives.end()) {
          std::string names;
          for (auto& kv : drives)
            names += (names.empty() ? "" : ", ") + kv.first;
          rep->set_code(v1::UNKNOWN_DRIVE);
          rep->set_error("no drive named '" + c.drive() +
                         "' on this tape agent; drives: " + names);
          return {wire::encode(r), caf::actor{}};
        }
        rep->set_ok(true);
        return {wire::encode(r), i->second};
      },
  };
}

}  // namespace tapeline::tape_agent
