// The notifier's own actor: SMTP and webhook deliveries block (libcurl), so
// they run on a detached actor with its own catalog connection, never on
// the coordinator's actor. The log line is written at once by notify().
#include <spdlog/spdlog.h>

#include "state.h"
#include "tapeline/notifier/notifier.h"

namespace tapeline::coordinator {
namespace {

using retry_atom = caf::atom_constant<caf::atom("notretry")>;
constexpr auto retry_every = std::chrono::seconds(5);

struct notifier_state {
  std::unique_ptr<catalog::catalog> cat;
  std::unique_ptr<notifier::notifier> n;
  clock_fn now;
  static inline const char* name = "tapeline.notifier";
};
using notifier_actor = caf::stateful_actor<notifier_state>;

notifier::event event_from_json(const json& j) {
  notifier::event e;
  e.kind = j.value("kind", "");
  e.subject = j.value("subject", "");
  e.text = j.value("text", "");
  if (j.contains("fields")) e.fields = j["fields"];
  e.barcode = j.value("barcode", "");
  e.drive = j.value("drive", "");
  e.job_id = j.value("job_id", int64_t(0));
  return e;
}

caf::behavior notifier_fn(notifier_actor* self, std::string path,
                          notifier::notify_config cfg, clock_fn now) {
  auto& st = self->state;
  st.now = now;
  auto cat = catalog::open(path);
  if (!cat) {
    spdlog::error("notifier: catalog {}: {}; notifications are only logged",
                  path, cat.error().message());
  } else {
    st.cat = std::move(*cat);
    // The coordinator pushes to watchers itself.
    cfg.channels.erase(
        std::remove(cfg.channels.begin(), cfg.channels.end(), "watch"),
        cfg.channels.end());
    auto n = notifier::notifier::create(st.cat.get(), cfg);
    if (!n)
      spdlog::error("notifier: {}; notifications are only logged",
                    n.error().message());
    else
      st.n = std::move(*n);
  }
  self->delayed_send(self, retry_every, retry_atom::value);
  return {
      [=](notify_atom, const std::string& js) {
        auto& st = self->state;
        if (!st.n) return;
        auto e = event_from_json(json::parse(js, nullptr, false));
        auto r = st.n->post(e, st.now());
        if (!r)
          spdlog::error("notifier: cannot store '{}': {}", e.subject,
                        r.error().message());
      },
      [=](retry_atom) {
        auto& st = self->state;
        if (st.n) {
          auto r = st.n->retry_due(st.now());
          if (!r) spdlog::error("notifier: retries: {}", r.error().message());
        }
        self->delayed_send(self, retry_every, retry_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_notifier(caf::actor_system& sys, const std::string& path,
                          const notifier::notify_config& cfg, clock_fn now) {
  return sys.spawn<caf::detached>(notifier_fn, path, cfg, now);
}

}  // namespace tapeline::coordinator
