// Reads a source ahead on a thread of its own, so that receiving an export
// (XAPI writing into the socket, libcurl reading it) overlaps with hashing
// and sending it. Without it the two take turns: while the exporter hashes a
// chunk, XAPI's socket buffer fills and XAPI waits.
//
// At most `depth` buffers of `buffer_bytes` are held ahead. The inner source
// is read only by the read-ahead thread while it runs, and is destroyed by
// the destructor on the caller's thread after that thread has ended; so an
// inner source that must be used from one thread at a time (an XAPI client
// and its reader) may be wrapped.
//
// read() is for one consumer thread. An error from the inner source is
// returned once every byte before it has been read.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tapeline/caf/stream_sender.h"

namespace tapeline::hv_agent {

class prefetch_source final : public stream::byte_source {
 public:
  prefetch_source(std::unique_ptr<stream::byte_source> inner,
                  size_t buffer_bytes = 1 << 20, size_t depth = 4);
  ~prefetch_source() override;
  prefetch_source(const prefetch_source&) = delete;
  prefetch_source& operator=(const prefetch_source&) = delete;

  result<size_t> read(char* buf, size_t cap) override;

 private:
  struct filled {
    std::string data;  // capacity buffer_bytes; size = bytes held
    size_t taken = 0;  // bytes already handed out
  };
  void run();

  std::unique_ptr<stream::byte_source> inner_;
  const size_t buffer_bytes_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<filled> ready_;        // in order, for the consumer
  std::vector<std::string> spare_;  // empty buffers for the thread
  bool end_ = false;                // the inner source ended (or failed)
  status error_;                    // why it failed, after the data
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tapeline::hv_agent
