#include "tapeline/hv_agent/prefetch_source.h"

#include <cstring>

namespace tapeline::hv_agent {

prefetch_source::prefetch_source(std::unique_ptr<stream::byte_source> inner,
                                 size_t buffer_bytes, size_t depth)
    : inner_(std::move(inner)), buffer_bytes_(buffer_bytes) {
  for (size_t i = 0; i < depth; ++i) spare_.emplace_back(buffer_bytes, '\0');
  thread_ = std::thread([this] { run(); });
}

prefetch_source::~prefetch_source() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
  inner_.reset();  // on this thread, after the read-ahead thread has ended
}

void prefetch_source::run() {
  for (;;) {
    std::string buf;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [&] { return stop_ || !spare_.empty(); });
      if (stop_) return;
      buf = std::move(spare_.back());
      spare_.pop_back();
    }
    buf.resize(buffer_bytes_);
    size_t got = 0;
    status err;
    bool at_end = false;
    while (got < buf.size()) {  // fill it: fewer, larger hand-overs
      auto n = inner_->read(buf.data() + got, buf.size() - got);
      if (!n) {
        err = n.error();
        break;
      }
      if (*n == 0) {
        at_end = true;
        break;
      }
      got += *n;
    }
    buf.resize(got);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (got > 0) ready_.push_back({std::move(buf), 0});
      if (!err.ok() || at_end) {
        error_ = err;
        end_ = true;
      }
    }
    changed_.notify_all();
    if (!err.ok() || at_end) return;
  }
}

result<size_t> prefetch_source::read(char* out, size_t cap) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return !ready_.empty() || end_; });
  if (ready_.empty()) {
    if (!error_.ok()) return error_;
    return size_t{0};
  }
  auto& f = ready_.front();
  size_t n = std::min(cap, f.data.size() - f.taken);
  std::memcpy(out, f.data.data() + f.taken, n);
  f.taken += n;
  if (f.taken == f.data.size()) {
    spare_.push_back(std::move(f.data));
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();
  }
  return n;
}

}  // namespace tapeline::hv_agent
