// Works around a bug in CAF 0.17's openssl module: it never clears OpenSSL's
// per-thread error queue. OpenSSL requires that queue to be empty before
// every SSL_read/SSL_write/SSL_accept/SSL_connect, because SSL_get_error()
// reports any queued error as fatal. CAF runs every TLS session on the one
// multiplexer thread, so the error left behind by one peer (an unexpected
// EOF when a client exits, a refused certificate) made the next harmless
// WANT_READ on another session look fatal, and CAF dropped that connection:
// a `tapeline-send --command list` from one terminal aborted a backup
// running from another (see docs/wire-protocol.md, "Transport").
//
// These definitions interpose the four calls for libcaf_openssl (the linker
// exports them from the executable because a shared library on the link line
// references them), clear the queue, and call OpenSSL's own.
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>

#include "tapeline/caf/node.h"

namespace {

template <class Fn>
Fn next_symbol(const char* name) {
  void* p = dlsym(RTLD_NEXT, name);
  if (!p) std::abort();  // libssl is linked: cannot happen
  return reinterpret_cast<Fn>(p);
}

}  // namespace

extern "C" {

int SSL_read(SSL* s, void* buf, int num) {
  static const auto real = next_symbol<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_write(SSL* s, const void* buf, int num) {
  static const auto real =
      next_symbol<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_accept(SSL* s) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(s);
}

int SSL_connect(SSL* s) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(s);
}

}  // extern "C"

namespace tapeline::node {

// Referenced by prepare() so that this object is always linked in.
bool openssl_error_queue_workaround() {
  return true;
}

}  // namespace tapeline::node
