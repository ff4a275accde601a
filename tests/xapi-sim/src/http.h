// A small HTTP/1.1 server side for the simulator: one connection (plain
// socket or TLS), buffered request parsing, and raw writes. XAPI's handlers
// write their status line and headers themselves (http-lib's
// Http_svr.headers), so responses here are plain byte writes.
//
// One connection belongs to one thread; nothing here is shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "tapeline/common/status.h"

namespace xapi_sim {

class connection {
 public:
  virtual ~connection() = default;
  // Bytes read (> 0), 0 at end of stream, < 0 on error.
  virtual long read_some(char* buf, size_t n) = 0;
  virtual bool write_all(const char* p, size_t n) = 0;
  // Sends n bytes of file `fd` from `off`; plain sockets use sendfile(2).
  // `scratch` is a buffer of at least n bytes for the TLS path.
  virtual bool send_file(int fd, uint64_t off, size_t n, char* scratch);
  virtual bool is_unix() const = 0;
  virtual std::string peer() const = 0;
  bool write(const std::string& s) { return write_all(s.data(), s.size()); }
};

// Takes ownership of fd (and of ssl).
std::unique_ptr<connection> plain_connection(int fd, bool unix_socket,
                                             std::string peer);
std::unique_ptr<connection> tls_connection(int fd, SSL* ssl, std::string peer);

struct request {
  std::string method, target, path, query_string, version;
  std::map<std::string, std::string> query;    // percent-decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::optional<uint64_t> content_length;
  bool keep_alive = true;
  std::string param(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

// Reads requests and bodies from a connection, buffering what it read
// past the headers.
class http_reader {
 public:
  explicit http_reader(connection* c) : conn_(c) {}
  // The next request's line and headers; code::not_found at a clean end of
  // stream.
  tapeline::result<request> next();
  // Up to n body bytes (buffered bytes first); 0 at end of stream.
  long read(char* buf, size_t n);
  // Exactly n bytes into out, or an error.
  tapeline::status read_exact(size_t n, std::string* out);

 private:
  connection* conn_;
  std::string buf_;
  size_t pos_ = 0;
};

std::string percent_decode(const std::string& s);
// "HTTP/1.1 200 OK\r\nConnection: close\r\n..." from header lines, plus the
// blank line that ends them.
std::string header_block(const std::vector<std::string>& lines);

}  // namespace xapi_sim
