// A VM's configuration as one JSON document, stored on tape beside its disks
// so the VM can be recreated: the VM record and the records of its VBDs,
// VDIs, VIFs and their networks, as XAPI returns them (field names as the
// datamodel spells them).
//
//   {"format": "tapeline.xapi.vm-metadata/1",
//    "vm":       {"ref": …, "record": {…}},
//    "vbds":     [{"ref": …, "record": {…}}, …],   (by userdevice)
//    "vdis":     [{"ref": …, "record": {…}}, …],   (disks only)
//    "vifs":     [{"ref": …, "record": {…}}, …],
//    "networks": [{"ref": …, "record": {…}}, …],
//    "snapshot": {"vm": …, "vbds": …, "vdis": …}   (when asked)}
//
// Uses the client from the calling thread (client.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/xapi/client.h"

namespace tapeline::xapi {

// `vm` is the VM's ref; `snapshot`, when not empty, the ref of the snapshot
// whose disks are exported, recorded under "snapshot".
result<nlohmann::json> vm_metadata_json(client& c, const std::string& vm,
                                        const std::string& snapshot = {});

}  // namespace tapeline::xapi
