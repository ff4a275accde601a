// Checks an XAPI export while it streams through, so that a cut stream is
// never taken for a whole one.
//
// XAPI's /export_raw_vdi sends no Content-Length: the body simply ends when
// the connection closes, and a connection cut halfway looks the same. So the
// bytes are checked on the way to the drive:
//  - format "vhd": parsed as a VHD stream (vhd::stream_parser); at the end
//    the trailing footer must be there and match the first one;
//  - format "raw": the byte count must equal the VDI's virtual size.
// On a short or malformed stream, read() returns an error instead of the end,
// so the stream sender aborts the object and nothing is recorded as
// restorable.
//
// Not thread-safe. The inner source must outlive this one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tapeline/caf/stream_sender.h"
#include "tapeline/vhd/stream_parser.h"

namespace tapeline::hv_agent {

class checked_source final : public stream::byte_source {
 public:
  // `format` is "vhd" or "raw"; `raw_size` is the VDI's virtual size (raw
  // only); `where` names the export in messages ("VDI 3f2a… of VM web01").
  checked_source(stream::byte_source* inner, std::string format,
                 uint64_t raw_size, std::string where);

  result<size_t> read(char* buf, size_t cap) override;

  uint64_t bytes() const { return bytes_; }
  // VHD only, once the stream has ended well: allocated blocks carried.
  uint32_t blocks() const { return parser_ ? parser_->blocks_seen() : 0; }

 private:
  status at_end();

  stream::byte_source* inner_;
  std::string format_;
  uint64_t raw_size_;
  std::string where_;
  std::unique_ptr<vhd::stream_parser> parser_;
  uint64_t bytes_ = 0;
  bool done_ = false;
};

}  // namespace tapeline::hv_agent
