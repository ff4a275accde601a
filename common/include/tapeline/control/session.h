// A blocking control-plane session, for command-line tools (`tapeline`):
// connect to the coordinator, authenticate with this process's certificate
// (auth.h), and make calls. Not thread-safe: one thread uses a session.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "tapeline/caf/wire.h"
#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"

namespace tapeline::control {

class session {
 public:
  // Connects and authenticates. Errors say what to check (address, CA,
  // certificate, role).
  static result<std::unique_ptr<session>> open(caf::actor_system& sys,
                                               const std::string& host,
                                               uint16_t port,
                                               const tls_options& tls,
                                               const std::string& name);
  ~session();

  // The role the coordinator granted.
  const std::string& role() const { return role_; }

  // Sends a request, returns the reply (ok or not; transport errors and
  // timeouts are errors).
  result<v1::ControlReply> request(v1::ControlRequest req,
                                   std::chrono::seconds timeout);
  // An operator call: returns the reply's JSON, or an error with the
  // coordinator's message.
  result<std::string> call(const std::string& command,
                           const std::string& args_json,
                           std::chrono::seconds timeout =
                               std::chrono::seconds(60));
  // Receives pushes (watch) until `on_push` returns false or the
  // coordinator goes away (an error then).
  status receive_pushes(const std::function<bool(const v1::ControlPush&)>& on_push);

 private:
  session(caf::actor_system& sys) : self_(sys) {}
  caf::scoped_actor self_;
  caf::actor coordinator_;
  std::string role_;
};

}  // namespace tapeline::control
