#include "tapeline/restore/mount.h"

#include <thread>

namespace tapeline::restore {
namespace {

class load_handler final : public mount_handler {
 public:
  status ensure_loaded(drive_client& d, const std::string& volume,
                       const std::string& why) override {
    v1::DriveCommand c;
    c.set_op(v1::DriveCommand::LOAD);
    c.set_volume_id(volume);
    auto r = d.command(c);
    if (!r) return r.error().with_context("loading " + volume + " for " + why);
    return {};
  }
};

class operator_handler final : public mount_handler {
 public:
  explicit operator_handler(operator_options o) : o_(std::move(o)) {
    if (!o_.wait)
      o_.wait = [](std::chrono::milliseconds t) {
        std::this_thread::sleep_for(t);
      };
  }

  status ensure_loaded(drive_client& d, const std::string& volume,
                       const std::string& why) override {
    auto s = d.status_report();
    if (!s) return s.error();
    // A tape whose label the drive has not read yet may be the right one:
    // the READ that follows reads the label and refuses another tape.
    if (s->loaded() && (s->volume_id() == volume || s->volume_id().empty()))
      return {};
    if (s->loaded()) {
      v1::DriveCommand c;
      c.set_op(v1::DriveCommand::EJECT);
      if (auto r = d.command(c); !r) return r.error();
    }
    if (o_.out)
      *o_.out << "tapeline: load " << volume << " into drive " << d.drive()
              << " (" << s->device() << ") for " << why
              << "; waiting for it to be loaded" << std::endl;
    const auto deadline = std::chrono::steady_clock::now() + o_.timeout;
    for (;;) {
      s = d.status_report();
      if (!s) return s.error();
      if (s->loaded()) return {};
      if (std::chrono::steady_clock::now() >= deadline)
        return make_error(code::unavailable,
                          "no tape was loaded into drive " + d.drive() +
                              " within " + std::to_string(o_.timeout.count()) +
                              " s; load " + volume +
                              " and run the restore again");
      o_.wait(o_.poll);
    }
  }

 private:
  operator_options o_;
};

}  // namespace

std::unique_ptr<mount_handler> make_load_handler() {
  return std::make_unique<load_handler>();
}

std::unique_ptr<mount_handler> make_operator_handler(operator_options o) {
  return std::make_unique<operator_handler>(std::move(o));
}

}  // namespace tapeline::restore
