#include "tapeline/tape_agent/coordinator_link.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "tapeline/caf/wire.h"
#include "tapeline/control/link.h"

namespace tapeline::tape_agent {
namespace {

struct link_handler_state {
  caf::actor link;
  std::map<std::string, caf::actor> drives;
  static inline const char* name = "tapeline.tape_link_handler";
};
using handler_actor = caf::stateful_actor<link_handler_state>;

wire::wire_frame command_reply(bool ok, const std::string& error) {
  v1::Frame f;
  f.mutable_reply()->set_ok(ok);
  if (!ok) {
    f.mutable_reply()->set_code(v1::UNKNOWN_DRIVE);
    f.mutable_reply()->set_error(error);
  }
  return wire::encode(f);
}

caf::behavior handler_fn(handler_actor* self,
                         std::map<std::string, caf::actor> drives) {
  self->state.drives = drives;
  // Every drive's events come here.
  for (auto& [name, d] : drives) {
    v1::Frame f;
    f.mutable_command()->set_op(v1::DriveCommand::SUBSCRIBE);
    f.mutable_command()->set_drive(name);
    self->request(d, std::chrono::seconds(30), wire::encode(f))
        .then([](wire::wire_frame&) {}, [](caf::error&) {});
  }
  return {
      [=](caf::actor link) { self->state.link = link; },
      [=](control::connected_atom) {},
      [=](control::disconnected_atom) {},
      [=](wire::wire_frame& w) -> caf::result<wire::wire_frame> {
        v1::Frame f;
        if (auto s = wire::decode(w, f); !s) return command_reply(false, s.message());
        if (f.has_event()) {
          // A drive event: forward it; nobody waits for an answer.
          if (self->state.link) {
            v1::ControlRequest req;
            *req.mutable_drive_event() = f.event();
            self->send(self->state.link, control::send_atom::value,
                       control::control_frame(std::move(req)));
          }
          // Events are sent, not requested: answer nothing (a reply would
          // reach the drive as an unexpected frame). An undelivered
          // promise sends nothing in CAF 0.17.
          return self->make_response_promise<wire::wire_frame>();
        }
        if (f.has_push() && f.push().has_drive_command()) {
          const auto& c = f.push().drive_command();
          auto it = self->state.drives.find(c.drive());
          if (it == self->state.drives.end())
            return command_reply(false, "no drive named '" + c.drive() +
                                            "' on this tape agent");
          v1::Frame q;
          *q.mutable_command() = c;
          auto rp = self->make_response_promise<wire::wire_frame>();
          self->request(it->second, std::chrono::minutes(10), wire::encode(q))
              .then(
                  [=](wire::wire_frame& r) mutable { rp.deliver(std::move(r)); },
                  [=](caf::error& e) mutable {
                    rp.deliver(command_reply(false, self->system().render(e)));
                  });
          return rp;
        }
        return command_reply(false, "unsupported message");
      },
      [=](control::reply_atom, wire::wire_frame&) {},
  };
}

v1::ControlRequest registration(caf::actor_system& sys,
                                const coordinator_link_options& o,
                                const std::map<std::string, caf::actor>& drives) {
  v1::ControlRequest req;
  auto* reg = req.mutable_register_tape();
  reg->set_address(o.advertise);
  reg->set_version(o.version);
  caf::scoped_actor self{sys};
  for (const auto& kv : drives) {
    const std::string& name = kv.first;  // lambdas may not capture a binding
    const caf::actor& d = kv.second;
    v1::Frame q;
    q.mutable_command()->set_op(v1::DriveCommand::STATUS);
    q.mutable_command()->set_drive(name);
    self->request(d, std::chrono::seconds(30), wire::encode(q))
        .receive(
            [&](wire::wire_frame& w) {
              v1::Frame r;
              if (wire::decode(w, r).ok() && r.has_reply())
                *reg->add_drives() = r.reply().status();
            },
            [&](caf::error&) {
              v1::DriveStatus s;
              s.set_drive(name);
              s.set_state("failed");
              *reg->add_drives() = s;
            });
  }
  return req;
}

}  // namespace

status start_coordinator_link(caf::actor_system& sys,
                              const coordinator_link_options& o,
                              caf::actor agent,
                              std::map<std::string, caf::actor> drives) {
  auto addr = control::parse_address(o.coordinator);
  if (!addr) return addr.error();
  auto handler = sys.spawn(handler_fn, drives);
  control::link_options lo;
  lo.host = addr->first;
  lo.port = addr->second;
  lo.tls = o.tls;
  lo.name = o.name;
  lo.handler = handler;
  auto* sysp = &sys;
  lo.registration = [sysp, o, drives] { return registration(*sysp, o, drives); };
  auto link = control::spawn_link(sys, lo);
  caf::anon_send(handler, link);
  spdlog::info("reporting to the coordinator at {} (hv agents are told {})",
               o.coordinator, o.advertise);
  return {};
}

}  // namespace tapeline::tape_agent
