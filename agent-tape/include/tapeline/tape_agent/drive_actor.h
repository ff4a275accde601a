// CAF actors of tapeline-tape-agent (docs/architecture.md, "Tape agent").
//
// drive_actor: one per drive, spawned detached (it blocks on the device). It
// owns a drive_controller and speaks the wire protocol: StreamOpen / chunks /
// close from one sender at a time, credits and the result back, commands from
// anyone. It monitors the sender; a lost sender aborts the stream.
//
// agent_actor: the published front. It answers ATTACH (the drive actor's
// handle, so the sender then talks to the drive directly), LIST, and
// forwards other commands to the named drive.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "tapeline/caf/wire.h"
#include "tapeline/tape_agent/drive_controller.h"

namespace tapeline::tape_agent {

using pump_atom = caf::atom_constant<caf::atom("pump")>;
using start_atom = caf::atom_constant<caf::atom("start")>;

struct drive_actor_state {
  std::shared_ptr<drive_controller> ctl;
  caf::actor sender;  // the stream's peer, if any
  std::vector<caf::actor> subscribers;
  bool pump_scheduled = false;
  static inline const char* name = "tapeline.drive";
};

// Send it start_atom once: it reads (or labels) the loaded tape.
caf::behavior drive_actor(caf::stateful_actor<drive_actor_state>* self,
                          std::shared_ptr<drive_controller> ctl);

struct agent_actor_state {
  std::map<std::string, caf::actor> drives;
  static inline const char* name = "tapeline.agent";
};

caf::behavior agent_actor(caf::stateful_actor<agent_actor_state>* self,
                          std::map<std::string, caf::actor> drives);

}  // namespace tapeline::tape_agent
