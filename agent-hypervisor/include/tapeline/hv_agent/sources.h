// The hv agent's other two sources, as export tasks (exporter.h):
//
//  - pool metadata: one POOL_METADATA object, a plain pax tar holding
//      pool/xmldbdump.xml          GET /pool/xmldbdump
//      vms/NAME-UUID.json          xapi::vm_metadata_json() of every VM
//    so that a lost pool can be recreated (docs/disaster-recovery.md);
//  - a file set: one FILE_SET object, `NAME.tar.zst`, from
//    common/fileset (directory trees streamed without staging).
//
// Tasks open their source on the exporter's thread.
#pragma once

#include <memory>
#include <string>

#include "tapeline/fileset/source.h"
#include "tapeline/hv_agent/exporter.h"
#include "tapeline/hv_agent/vdi_backup.h"

namespace tapeline::hv_agent {

export_task pool_metadata_task(const client_factory& make_client,
                               const drive_target& target,
                               const stream_settings& settings,
                               const std::string& host_name, int64_t now);

// `report_json` receives the file-set report (fileset/report.h, as JSON)
// once the stream has ended.
export_task file_set_task(const fileset::options& opts, const std::string& name,
                          const drive_target& target,
                          const stream_settings& settings,
                          const std::string& host_name, int64_t now,
                          std::shared_ptr<std::string> report_json);

}  // namespace tapeline::hv_agent
