#include "tapeline/tape_agent/stream_receiver.h"

#include <algorithm>

#include "tapeline/common/checksum.h"

namespace tapeline::tape_agent {
namespace {

std::optional<stream_error> fail(v1::ErrorCode c, std::string msg) {
  return stream_error{c, std::move(msg)};
}

}  // namespace

stream_receiver::stream_receiver(const v1::StreamOpen& open,
                                 uint64_t buffer_bytes, uint32_t max_chunk)
    : id_(open.stream_id()),
      manifest_(open.manifest()),
      buffer_bytes_(buffer_bytes),
      max_chunk_(max_chunk) {}

uint64_t stream_receiver::initial_credit() {
  granted_ = buffer_bytes_;
  return granted_;
}

std::optional<stream_error> stream_receiver::on_chunk(
    const v1::StreamChunk& c) {
  return on_chunk(c.seq(), c.crc32c(), c.data().data(), c.data().size());
}

std::optional<stream_error> stream_receiver::on_chunk(uint64_t seq,
                                                      uint32_t crc_in,
                                                      const char* data,
                                                      size_t n) {
  const std::string where =
      "stream " + std::to_string(id_) + " chunk " + std::to_string(seq);
  if (closed_) return fail(v1::MALFORMED_FRAME, where + ": after close");
  if (seq < next_seq_)
    return fail(v1::SEQUENCE_DUPLICATE, where + ": duplicate (expected " +
                                            std::to_string(next_seq_) + ")");
  if (seq > next_seq_)
    return fail(v1::SEQUENCE_GAP,
                where + ": gap (expected " + std::to_string(next_seq_) + ")");
  if (n > max_chunk_)
    return fail(v1::OVERSIZE_FRAME,
                where + ": " + std::to_string(n) + " bytes exceeds the " +
                    std::to_string(max_chunk_) + "-byte chunk limit");
  if (received_ + n > granted_)
    return fail(v1::CREDIT_EXCEEDED, where +
                                         ": sender exceeded its credit of " +
                                         std::to_string(granted_) + " bytes");
  uint32_t crc = crc32c(data, n);
  if (crc != crc_in)
    return fail(v1::BAD_CHECKSUM, where + ": CRC32C mismatch (frame says " +
                                      std::to_string(crc_in) + ", data has " +
                                      std::to_string(crc) + ")");
  int64_t expected = manifest_.expected_size();
  if (expected >= 0 && received_ + n > static_cast<uint64_t>(expected))
    return fail(v1::SIZE_MISMATCH, where + ": payload exceeds the announced " +
                                       std::to_string(expected) + " bytes");
  ++next_seq_;
  received_ += n;
  return std::nullopt;
}

std::optional<stream_error> stream_receiver::on_close(
    const v1::StreamClose& c) {
  const std::string where = "stream " + std::to_string(id_) + " close";
  if (closed_) return fail(v1::MALFORMED_FRAME, where + ": closed twice");
  if (c.total_bytes() != received_)
    return fail(v1::SIZE_MISMATCH,
                where + ": sender says " + std::to_string(c.total_bytes()) +
                    " bytes, " + std::to_string(received_) + " arrived");
  int64_t expected = manifest_.expected_size();
  if (expected >= 0 && static_cast<uint64_t>(expected) != received_)
    return fail(v1::SIZE_MISMATCH, where + ": manifest announced " +
                                       std::to_string(expected) + " bytes, " +
                                       std::to_string(received_) + " arrived");
  if (c.sha256().size() != 64 ||
      c.sha256().find_first_not_of("0123456789abcdef") != std::string::npos)
    return fail(v1::MALFORMED_FRAME,
                where + ": SHA-256 is not 64 lowercase hex digits");
  closed_ = true;
  sha256_ = c.sha256();
  return std::nullopt;
}

uint64_t stream_receiver::on_freed(uint64_t n) {
  freed_pending_ += n;
  uint64_t batch = std::min<uint64_t>(buffer_bytes_ / 4, 4ull * max_chunk_);
  if (closed_ || freed_pending_ < batch) return 0;
  uint64_t grant = freed_pending_;
  freed_pending_ = 0;
  granted_ += grant;
  return grant;
}

}  // namespace tapeline::tape_agent
