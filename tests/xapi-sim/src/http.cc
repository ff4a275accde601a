#include "http.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;

bool connection::send_file(int fd, uint64_t off, size_t n, char* scratch) {
  size_t done = 0;
  while (done < n) {
    ssize_t r =
        ::pread(fd, scratch + done, n - done, static_cast<off_t>(off + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    if (r == 0) {
      std::fill(scratch + done, scratch + n, 0);
      break;
    }
    done += static_cast<size_t>(r);
  }
  return write_all(scratch, n);
}

namespace {

class plain final : public connection {
 public:
  plain(int fd, bool unix_socket, std::string peer)
      : fd_(fd), unix_(unix_socket), peer_(std::move(peer)) {}
  ~plain() override { ::close(fd_); }
  long read_some(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::recv(fd_, buf, n, 0);
      if (r < 0 && errno == EINTR) continue;
      return static_cast<long>(r);
    }
  }
  bool write_all(const char* p, size_t n) override {
    while (n > 0) {
      ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  bool send_file(int fd, uint64_t off, size_t n, char* scratch) override {
    off_t o = static_cast<off_t>(off);
    const off_t end = o + static_cast<off_t>(n);
    while (o < end) {
      ssize_t w = ::sendfile(fd_, fd, &o, static_cast<size_t>(end - o));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return false;
      if (w == 0)  // the file is shorter: the rest reads as zeros
        return connection::send_file(fd, static_cast<uint64_t>(o),
                                     static_cast<size_t>(end - o), scratch);
    }
    return true;
  }
  bool is_unix() const override { return unix_; }
  std::string peer() const override { return peer_; }

 private:
  int fd_;
  bool unix_;
  std::string peer_;
};

class tls final : public connection {
 public:
  tls(int fd, SSL* ssl, std::string peer)
      : fd_(fd), ssl_(ssl), peer_(std::move(peer)) {}
  ~tls() override {
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ::close(fd_);
  }
  long read_some(char* buf, size_t n) override {
    int r = SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int e = SSL_get_error(ssl_, r);
    return e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  bool write_all(const char* p, size_t n) override {
    while (n > 0) {
      int w =
          SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(n, 1 << 20)));
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }
  bool is_unix() const override { return false; }
  std::string peer() const override { return peer_; }

 private:
  int fd_;
  SSL* ssl_;
  std::string peer_;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

}  // namespace

std::unique_ptr<connection> plain_connection(int fd, bool unix_socket,
                                             std::string peer) {
  return std::make_unique<plain>(fd, unix_socket, std::move(peer));
}

std::unique_ptr<connection> tls_connection(int fd, SSL* ssl, std::string peer) {
  return std::make_unique<tls>(fd, ssl, std::move(peer));
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) &&
        std::isxdigit(s[i + 2])) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

std::string header_block(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out + "\r\n";
}

tapeline::result<request> http_reader::next() {
  constexpr size_t max_head = 64 * 1024;
  size_t end;
  for (;;) {
    end = buf_.find("\r\n\r\n", pos_);
    if (end != std::string::npos) break;
    if (buf_.size() - pos_ > max_head)
      return make_error(code::protocol_error, "request headers too long");
    char tmp[16384];
    long r = conn_->read_some(tmp, sizeof tmp);
    if (r <= 0) {
      if (buf_.size() == pos_) return make_error(code::not_found, "closed");
      return make_error(code::protocol_error, "connection closed mid-request");
    }
    buf_.erase(0, pos_);
    pos_ = 0;
    buf_.append(tmp, static_cast<size_t>(r));
  }
  const std::string head = buf_.substr(pos_, end - pos_);
  pos_ = end + 4;
  request req;
  size_t line_end = head.find("\r\n");
  const std::string first = head.substr(0, line_end);
  size_t s1 = first.find(' '), s2 = first.rfind(' ');
  if (s1 == std::string::npos || s2 == s1)
    return make_error(code::protocol_error, "bad request line: " + first);
  req.method = first.substr(0, s1);
  req.target = first.substr(s1 + 1, s2 - s1 - 1);
  req.version = first.substr(s2 + 1);
  size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) {
    req.query_string = req.target.substr(q + 1);
    size_t i = 0;
    while (i <= req.query_string.size()) {
      size_t amp = req.query_string.find('&', i);
      if (amp == std::string::npos) amp = req.query_string.size();
      std::string kv = req.query_string.substr(i, amp - i);
      size_t eq = kv.find('=');
      if (!kv.empty())
        req.query[percent_decode(kv.substr(0, eq))] =
            eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1));
      i = amp + 1;
    }
  }
  while (line_end != std::string::npos) {
    size_t next = head.find("\r\n", line_end + 2);
    std::string line = head.substr(line_end + 2, next == std::string::npos
                                                     ? std::string::npos
                                                     : next - line_end - 2);
    line_end = next;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    req.headers[lower(trim(line.substr(0, colon)))] =
        trim(line.substr(colon + 1));
  }
  if (auto it = req.headers.find("content-length"); it != req.headers.end())
    req.content_length = std::strtoull(it->second.c_str(), nullptr, 10);
  const std::string conn = lower(req.headers["connection"]);
  req.keep_alive =
      req.version == "HTTP/1.1" ? conn != "close" : conn == "keep-alive";
  return req;
}

long http_reader::read(char* out, size_t n) {
  if (pos_ < buf_.size()) {
    size_t k = std::min(n, buf_.size() - pos_);
    std::copy(buf_.data() + pos_, buf_.data() + pos_ + k, out);
    pos_ += k;
    return static_cast<long>(k);
  }
  return conn_->read_some(out, n);
}

tapeline::status http_reader::read_exact(size_t n, std::string* out) {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    long r = read(&(*out)[got], n - got);
    if (r <= 0)
      return make_error(code::protocol_error, "body ended after " +
                                                  std::to_string(got) + " of " +
                                                  std::to_string(n) + " bytes");
    got += static_cast<size_t>(r);
  }
  return tapeline::status::ok_status();
}

}  // namespace xapi_sim
