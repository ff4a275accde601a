#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <openssl/err.h>

#include "handlers.h"

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;

namespace {

tapeline::status sock_error(const std::string& what) {
  return make_error(code::unavailable, what + ": " + std::strerror(errno));
}

tapeline::result<int> listen_tcp(const std::string& addr_port, uint16_t* port) {
  const size_t colon = addr_port.rfind(':');
  if (colon == std::string::npos)
    return make_error(code::invalid_argument,
                      "listen address '" + addr_port + "' must be ADDR:PORT");
  const std::string host = addr_port.substr(0, colon);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port =
      htons(static_cast<uint16_t>(std::atoi(addr_port.c_str() + colon + 1)));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1)
    return make_error(code::invalid_argument,
                      "listen address '" + host + "' is not an IPv4 address");
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sock_error("socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(fd, 64) != 0) {
    ::close(fd);
    return sock_error("cannot listen on " + addr_port);
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  *port = ntohs(sa.sin_port);
  return fd;
}

tapeline::result<int> listen_unix(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path)
    return make_error(code::invalid_argument, "socket path too long: " + path);
  std::strcpy(sa.sun_path, path.c_str());
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sock_error("socket");
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(fd, 64) != 0) {
    ::close(fd);
    return sock_error("cannot listen on " + path);
  }
  return fd;
}

std::string openssl_error() {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
  return buf;
}

tapeline::result<SSL_CTX*> make_tls(const listen_options& o) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx)
    return make_error(code::internal, "SSL_CTX_new: " + openssl_error());
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert.c_str()) != 1)
    return make_error(
        code::invalid_argument,
        "cannot load certificate " + o.cert + ": " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx, o.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(code::invalid_argument,
                      "cannot load key " + o.key + ": " + openssl_error());
  return ctx;
}

void accept_loop(sim_context* ctx, int lfd, SSL_CTX* tls, bool unix_socket,
                 listener_kind where) {
  for (;;) {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    int fd =
        ::accept4(lfd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      ctx->log->error("accept: {}", std::strerror(errno));
      return;
    }
    std::string peer = "unix";
    if (!unix_socket) {
      char ip[64] = "?";
      auto* in = reinterpret_cast<sockaddr_in*>(&sa);
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
      peer = std::string(ip) + ":" + std::to_string(ntohs(in->sin_port));
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    std::thread([ctx, fd, tls, unix_socket, where, peer] {
      std::unique_ptr<connection> c;
      if (tls) {
        SSL* ssl = SSL_new(tls);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {
          ctx->log->warn("{}: TLS handshake failed: {}", peer, openssl_error());
          SSL_free(ssl);
          ::close(fd);
          return;
        }
        c = tls_connection(fd, ssl, peer);
      } else {
        c = plain_connection(fd, unix_socket, peer);
      }
      try {
        serve_connection(*ctx, where, *c);
      } catch (const std::exception& e) {  // never let one request kill the sim
        ctx->log->error("{}: {}", peer, e.what());
      }
    }).detach();
  }
}

}  // namespace

tapeline::result<bound_ports> start_listeners(sim_context& ctx,
                                              const listen_options& o) {
  bound_ports ports;
  SSL_CTX* tls = nullptr;
  if (!o.https.empty() || !o.slave_https.empty()) {
    auto t = make_tls(o);
    if (!t.ok()) return t.error();
    tls = *t;
  }
  if (!o.https.empty()) {
    auto fd = listen_tcp(o.https, &ports.https);
    if (!fd.ok()) return fd.error();
    ctx.master_address = o.https.substr(0, o.https.rfind(':')) + ":" +
                         std::to_string(ports.https);
    std::thread(accept_loop, &ctx, *fd, tls, false, listener_kind{false})
        .detach();
  }
  if (!o.slave_https.empty()) {
    auto fd = listen_tcp(o.slave_https, &ports.slave);
    if (!fd.ok()) return fd.error();
    ctx.member_address = o.slave_https.substr(0, o.slave_https.rfind(':')) +
                         ":" + std::to_string(ports.slave);
    std::thread(accept_loop, &ctx, *fd, tls, false, listener_kind{true})
        .detach();
  }
  if (!o.unix_path.empty()) {
    auto fd = listen_unix(o.unix_path);
    if (!fd.ok()) return fd.error();
    std::thread(accept_loop, &ctx, *fd, nullptr, true, listener_kind{false})
        .detach();
  }
  return ports;
}

}  // namespace xapi_sim
