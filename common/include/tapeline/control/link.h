// The agents' side of the control plane: a link to the coordinator that
// connects, authenticates (auth.h), registers, and reconnects with backoff
// whenever the coordinator goes away (docs/wire-protocol.md, "Control
// plane").
//
// Messages the link takes:
//   (send_atom, wire_frame)   a Frame{control: ControlRequest}; the link
//                             sends it to the coordinator as a request and
//                             answers the sender with (reply_atom,
//                             wire_frame{control_reply}). While not
//                             connected the answer is an UNAVAILABLE reply.
//   wire_frame{push}          from the coordinator: delegated to `handler`,
//                             whose answer goes back to the coordinator.
// It tells `handler` (connected_atom) once registered and
// (disconnected_atom) when the coordinator is lost.
//
// The link is a detached actor (connecting blocks). Its registration
// function is called on the link's thread at every (re)connection, so it
// must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

#include "tapeline/caf/wire.h"
#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"

namespace tapeline::control {

using send_atom = caf::atom_constant<caf::atom("ctlsend")>;
using reply_atom = caf::atom_constant<caf::atom("ctlreply")>;
using connected_atom = caf::atom_constant<caf::atom("ctlup")>;
using disconnected_atom = caf::atom_constant<caf::atom("ctldown")>;
// Send to the link to register again (e.g. the VM inventory changed).
using reregister_atom = caf::atom_constant<caf::atom("ctlrereg")>;

struct link_options {
  std::string host;
  uint16_t port = 0;
  tls_options tls;
  std::string name;  // this agent, for the coordinator's logs
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  // The registration (RegisterHv or RegisterTape) to send after each
  // successful authentication.
  std::function<v1::ControlRequest()> registration;
  caf::actor handler;
};

caf::actor spawn_link(caf::actor_system& sys, link_options opts);

// Parses "HOST:PORT".
result<std::pair<std::string, uint16_t>> parse_address(const std::string& s);

// Builds a Frame{control: ...} with a fresh request id.
wire::wire_frame control_frame(v1::ControlRequest req);

// Decodes a control reply; errors carry the reply's message.
result<v1::ControlReply> decode_reply(const wire::wire_frame& w);

}  // namespace tapeline::control
