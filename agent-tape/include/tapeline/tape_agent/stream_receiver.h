// The receiving side of one data stream (docs/wire-protocol.md, "Streams").
//
// Pure state machine, no actors and no I/O: the drive actor feeds it the
// frames of one stream and acts on what it says. It checks the stream id,
// the sequence (no gap, no duplicate), the chunk size, the CRC32C of each
// chunk, that the sender stays within the credit granted, and at close the
// total size against what arrived and what the manifest announced.
//
// Credit: the receiver grants bytes of buffer. The initial grant is the
// whole buffer; later grants return what the writer has freed, batched so
// that a credit frame is worth sending (a quarter of the buffer, or 4 chunks,
// whichever is smaller).
//
// Thread-safety: none; owned by one actor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tapeline/v1/stream.pb.h"

namespace tapeline::tape_agent {

struct stream_error {
  v1::ErrorCode code = v1::INTERNAL;
  std::string message;
};

class stream_receiver {
 public:
  // REQUIRES: buffer_bytes >= max_chunk.
  stream_receiver(const v1::StreamOpen& open, uint64_t buffer_bytes,
                  uint32_t max_chunk);

  uint64_t stream_id() const { return id_; }
  const v1::ObjectManifest& manifest() const { return manifest_; }
  // Bytes to grant in the StreamAccepted frame.
  uint64_t initial_credit();

  // Checks one chunk. On success the caller owns c.data and has counted it
  // as buffered. On error the stream must be aborted.
  std::optional<stream_error> on_chunk(const v1::StreamChunk& c);
  // The same for a chunk read in place (wire::peek_chunk).
  std::optional<stream_error> on_chunk(uint64_t seq, uint32_t crc,
                                       const char* data, size_t n);
  std::optional<stream_error> on_close(const v1::StreamClose& c);

  // The writer freed `n` buffered bytes. Returns the credit to send now
  // (0: keep batching).
  uint64_t on_freed(uint64_t n);

  bool closed() const { return closed_; }
  uint64_t received() const { return received_; }
  const std::string& sha256() const { return sha256_; }

 private:
  uint64_t id_;
  v1::ObjectManifest manifest_;
  uint64_t buffer_bytes_;
  uint32_t max_chunk_;
  uint64_t next_seq_ = 0;
  uint64_t received_ = 0;
  uint64_t granted_ = 0;  // total credit granted so far
  uint64_t freed_pending_ = 0;
  bool closed_ = false;
  std::string sha256_;
};

}  // namespace tapeline::tape_agent
