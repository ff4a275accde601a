// Setting up a CAF 0.17 actor system as a Tapeline node: our wire types, the
// io and openssl modules, and mutual TLS from the site CA.
//
// Every Tapeline process that talks to another one builds its
// actor_system_config through prepare_node(). There is no plaintext mode:
// a node without a certificate, key and CA file does not start.
#pragma once

#include <string>
#include <string_view>

#include <caf/actor_system_config.hpp>

#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"

namespace tapeline::node {

struct node_options {
  tls_options tls;
  std::string_view role;  // the role this process's certificate must carry
  size_t threads = 0;     // scheduler threads; 0: one (see prepare())
};

// Validates the TLS files (tls.h validate()) and fills `cfg`. Call before
// constructing the caf::actor_system.
status prepare(caf::actor_system_config& cfg, const node_options& opts);

// Turns a CAF error from publish()/remote_actor() into a message an operator
// can act on, naming host:port.
std::string explain_connect_error(const caf::actor_system& sys,
                                  const caf::error& err,
                                  const std::string& host, uint16_t port);

}  // namespace tapeline::node
