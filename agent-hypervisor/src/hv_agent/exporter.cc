#include "tapeline/hv_agent/exporter.h"

#include <caf/all.hpp>
#include <deque>
#include <map>

#include "tapeline/common/clock.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"

namespace tapeline::hv_agent {

std::string drive_target::to_string() const {
  return host + ":" + std::to_string(port) + "/" + drive;
}

result<drive_target> parse_target(std::string_view text) {
  auto bad = [&] {
    return make_error(code::invalid_argument,
                      "target \"" + std::string(text) +
                          "\": expected HOST:PORT/DRIVE, e.g. "
                          "backup1:4711/lto5");
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash + 1 == text.size()) return bad();
  auto hp = text.substr(0, slash);
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  drive_target t;
  t.host = std::string(hp.substr(0, colon));
  if (t.host.size() > 2 && t.host.front() == '[' && t.host.back() == ']')
    t.host = t.host.substr(1, t.host.size() - 2);
  auto port = hp.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos)
    return bad();
  int p = std::stoi(std::string(port));
  if (p <= 0 || p > 65535) return bad();
  t.port = static_cast<uint16_t>(p);
  t.drive = std::string(text.substr(slash + 1));
  return t;
}

namespace {

void run_task(caf::actor_system& sys, export_task& task, export_outcome& out) {
  out.what = task.what;
  out.target = task.target;
  out.manifest = task.manifest;
  double t0 = monotonic_seconds();
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.error = why;
    out.seconds = monotonic_seconds() - t0;
    log::get("hv.exporter")
        ->error("{} to {}: {}", task.what, task.target.to_string(), why);
  };
  auto src = task.open();
  if (!src) return fail(src.error().message());
  stream::send_options so;
  so.host = task.target.host;
  so.port = task.target.port;
  so.drive = task.target.drive;
  so.manifest = task.manifest;
  so.chunk_bytes = task.settings.chunk_bytes;
  so.window_bytes = task.settings.window_bytes;
  so.finish_session = task.finish_session;
  if (task.settings.on_progress)
    so.on_progress = [&](const stream::progress_info& p) {
      task.settings.on_progress(task.what, p);
    };
  log::get("hv.exporter")
      ->info("{}: streaming object {} to {}", task.what,
             task.manifest.object_id(), task.target.to_string());
  auto r = stream::send_object(sys, so, **src);
  src->reset();  // close the source (and its XAPI transfer) on this thread
  out.seconds = monotonic_seconds() - t0;
  if (!r) return fail(r.error().message());
  out.result = *r;
  if (!r->ok()) return fail("the drive refused the object: " + r->error());
  out.ok = true;
  log::get("hv.exporter")
      ->info(
          "{}: object {} on {} complete, {} in {:.1f} s ({}/s), "
          "sha256 {}",
          task.what, r->object_id(), task.target.to_string(),
          format_bytes(r->payload_bytes()), out.seconds,
          format_bytes(static_cast<uint64_t>(r->payload_bytes() /
                                             std::max(out.seconds, 1e-3))),
          r->sha256());
}

}  // namespace

caf::actor spawn_exporter(caf::actor_system& sys, export_task task,
                          std::shared_ptr<export_outcome> out) {
  return sys.spawn<caf::detached>(
      [&sys, task = std::move(task), out](caf::blocking_actor*) mutable {
        run_task(sys, task, *out);
      });
}

std::vector<export_outcome> run_exports(caf::actor_system& sys,
                                        std::vector<export_task> tasks) {
  std::vector<std::shared_ptr<export_outcome>> slots;
  std::map<std::string, std::deque<size_t>> queues;  // by drive
  for (size_t i = 0; i < tasks.size(); ++i) {
    slots.push_back(std::make_shared<export_outcome>());
    queues[tasks[i].target.to_string()].push_back(i);
  }
  caf::scoped_actor self{sys};
  std::map<caf::actor_addr, std::string> running;  // exporter -> drive
  auto start_next = [&](const std::string& drive) {
    auto& q = queues[drive];
    if (q.empty()) return;
    size_t i = q.front();
    q.pop_front();
    auto a = spawn_exporter(sys, std::move(tasks[i]), slots[i]);
    self->monitor(a);
    running.emplace(a.address(), drive);
  };
  for (auto& [drive, q] : queues) start_next(drive);
  while (!running.empty()) {
    self->receive([&](const caf::down_msg& d) {
      auto it = running.find(d.source);
      if (it == running.end()) return;
      auto drive = it->second;
      running.erase(it);
      start_next(drive);
    });
  }
  std::vector<export_outcome> out;
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace tapeline::hv_agent
