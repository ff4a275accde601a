// Writing a disk back: PUT /import_raw_vdi with Content-Length (XAPI takes
// no chunked encoding), then the task's outcome.
//
// Uses the client from the calling thread (client.h); `source` is called
// from that thread too, inside import_raw().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/xapi/client.h"
#include "tapeline/xapi/http_reader.h"

namespace tapeline::xapi {

// Fills up to `cap` bytes of `buf`; returns how many, 0 at the end.
using byte_source_fn = std::function<result<size_t>(char* buf, size_t cap)>;

struct import_request {
  std::string vdi;  // VDI ref or uuid; its virtual_size must hold the data
  vdi_format format = vdi_format::raw;
  uint64_t size = 0;  // exact number of bytes `source` gives
  std::string about;  // "disk 1 of VM web01"
  std::chrono::milliseconds task_timeout{60000};
};

// Streams exactly req.size bytes from `source`. Errors: the source's own
// error; a source that ends early or gives more (invalid_argument); a
// non-200 answer (status and body, and the task's XAPI error, e.g.
// VDI_TOO_LARGE); a failed task. A 302 (the VDI is on another host) is
// refused with the host to connect to, as the body cannot be replayed.
status import_raw(client& c, const import_request& req,
                  const byte_source_fn& source);

}  // namespace tapeline::xapi
