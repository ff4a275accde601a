// The log channel: spdlog (journald through syslog), logger
// "coordinator.notify".
#include "tapeline/common/log.h"
#include "tapeline/notifier/channel.h"

namespace tapeline::notifier {
namespace {

class log_channel final : public channel {
 public:
  std::string name() const override { return "log"; }
  status deliver(const message& m) override {
    auto lg = log::get("coordinator.notify");
    bool bad = m.kind == "job_failed" || m.kind == "drive_error";
    lg->log(bad ? spdlog::level::warn : spdlog::level::info,
            "notification {} ({}): {}", m.id, m.kind, m.subject);
    // The details, one log line each, so journald keeps them readable.
    size_t start = 0;
    while (start < m.text.size()) {
      size_t nl = m.text.find('\n', start);
      if (nl == std::string::npos) nl = m.text.size();
      if (nl > start)
        lg->debug("notification {}: {}", m.id,
                  m.text.substr(start, nl - start));
      start = nl + 1;
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<channel> make_log_channel() {
  return std::make_unique<log_channel>();
}

}  // namespace tapeline::notifier
