#include "tapeline/caf/node.h"

#include <malloc.h>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

#include "tapeline/caf/wire.h"

namespace tapeline::node {

bool openssl_error_queue_workaround();  // openssl_error_queue.cc

status prepare(caf::actor_system_config& cfg, const node_options& opts) {
  TL_RETURN_IF_ERROR(validate(opts.tls, std::time(nullptr), opts.role));
  if (!openssl_error_queue_workaround())
    return {code::internal, "OpenSSL error-queue workaround missing"};
  // Frames are megabyte buffers allocated and freed at a high rate. Keep
  // them on the heap (no mmap/munmap and page faults per frame) and do not
  // give memory back to the kernel between frames.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  wire::register_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = opts.tls.certificate;
  cfg.openssl_key = opts.tls.key;
  cfg.openssl_cafile = opts.tls.cafile;
  cfg.openssl_passphrase = opts.tls.passphrase;
  // Our heavy actors are detached (drives) or blocking (senders); the
  // scheduler only runs light ones. One worker, which sleeps soon when idle
  // instead of spinning: every spinning cycle is taken from TLS and the disk.
  cfg.set("scheduler.max-threads", opts.threads > 0 ? opts.threads : 1);
  cfg.set("work-stealing.aggressive-poll-attempts", 10);
  cfg.set("work-stealing.moderate-poll-attempts", 50);
  // Our frames are up to 4 MiB; let the multiplexer read them in few calls.
  cfg.set("middleman.max-consecutive-reads", 256);
  return {};
}

std::string explain_connect_error(const caf::actor_system& sys,
                                  const caf::error& err,
                                  const std::string& host, uint16_t port) {
  std::string where = host + ":" + std::to_string(port);
  std::string what = const_cast<caf::actor_system&>(sys).render(err);
  return "cannot reach the Tapeline node at " + where + " (" + what +
         "). Check that it runs and listens there, and that both ends "
         "have certificates issued by the same site CA (deploy/pki.sh); "
         "a certificate from another CA, an expired one or none is refused "
         "during the TLS handshake.";
}

}  // namespace tapeline::node
