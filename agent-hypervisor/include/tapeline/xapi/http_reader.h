// Pulling a body from XAPI's HTTP handlers: VDI exports (/export_raw_vdi)
// and the pool database (/pool/xmldbdump).
//
// XAPI sends these bodies without Content-Length and closes the connection
// at the end, so a cut connection looks like an end. The reader therefore
// passes a task (task_id=) and, at the end, waits for the task and fails
// unless it succeeded. For format=raw the caller should also compare
// bytes_read() with the VDI's virtual_size; for vhd, parse the stream.
//
// Memory stays bounded whatever the size: the transfer runs only inside
// read() (libcurl multi interface), the write callback copies straight into
// the caller's buffer and pauses the transfer (CURL_WRITEFUNC_PAUSE) once it
// is full; at most one libcurl buffer (512 KiB) is held over between reads.
//
// A 302 (the VDI's SR is on another host) is followed to the Location's host
// with the same session, task and query. Any answer but 200 is an error
// naming the status and the body's text.
//
// Ownership: the reader uses `c` (for the session and the task) until it is
// destroyed; `c` must outlive it. The destructor aborts an unfinished
// transfer and destroys the task the reader created.
// Thread-safety: none; use the reader and its client from one thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/xapi/client.h"
#include "tapeline/xapi/task.h"

namespace tapeline::xapi {

enum class vdi_format { raw, vhd };
const char* to_string(vdi_format f);  // "raw", "vhd"

struct export_request {
  std::string vdi;  // VDI ref or uuid
  vdi_format format = vdi_format::vhd;
  // A delta against this VDI (ref or uuid; an earlier snapshot of the same
  // disk): a differencing VHD, or for raw only the changed blocks.
  std::optional<std::string> base;
  // A task the caller made (kept, not destroyed); empty: the reader makes
  // and destroys its own.
  std::string task;
  std::string about;  // for messages: "disk 1 of VM web01"
  // How long to wait, after the end of the body, for XAPI to finish the task.
  std::chrono::milliseconds task_timeout{60000};
};

class http_reader {
 public:
  ~http_reader();
  http_reader(const http_reader&) = delete;
  http_reader& operator=(const http_reader&) = delete;

  // Up to `cap` bytes into `buf`; 0 at the end of a complete, successful
  // transfer. A cut connection, a failed task, a transport error: an error
  // status (and every later call returns it again).
  // REQUIRES: cap > 0.
  result<size_t> read(char* buf, size_t cap);

  uint64_t bytes_read() const;
  const std::string& content_type() const;
  // The task passed as task_id (redact with short_ref in logs).
  const std::string& task() const;
  // After read() returned 0: the task's final state (status "success").
  const task_state& final_task() const;

  struct impl;  // the implementation's; not for callers
  explicit http_reader(std::unique_ptr<impl> p);

 private:
  std::unique_ptr<impl> p_;
};

// GET /export_raw_vdi?session_id&task_id&vdi&format[&base]. Returns once the
// answer's headers are in: a 302 is followed, a non-200 answer is an error.
result<std::unique_ptr<http_reader>> open_export(client& c,
                                                 const export_request& req);

// GET /pool/xmldbdump?session_id&task_id: the pool database as XML.
result<std::unique_ptr<http_reader>> open_xmldbdump(client& c);

}  // namespace tapeline::xapi
