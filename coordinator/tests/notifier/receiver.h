// Test receivers started by the notifier tests: tests/support's SMTP
// (aiosmtpd) and webhook (http.server) receivers on free loopback ports,
// and a reserved port where nothing listens ("receiver down").
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tapeline::notifier::testing {

// A port on 127.0.0.1 that is bound but not listening, so connections to
// it are refused, until release(); a receiver then takes it over.
class reserved_port {
 public:
  reserved_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~reserved_port() { release(); }
  int port() const { return port_; }
  void release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A receiver process from tests/support, stopped (SIGTERM) when destroyed.
// The constructor returns once it listens: it reads the port the receiver
// prints after binding (a blocking read, no sleep).
class receiver {
 public:
  receiver(const std::string& script, std::vector<std::string> args) {
    int p[2];
    EXPECT_EQ(::pipe(p), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(p[1], 1);
      ::close(p[0]);
      ::close(p[1]);
      std::string path =
          std::string(TAPELINE_SOURCE_DIR) + "/tests/support/" + script;
      std::vector<char*> argv = {const_cast<char*>("/usr/bin/python3"),
                                 const_cast<char*>(path.c_str())};
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(p[1]);
    std::string line;
    char c;
    while (::read(p[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(p[0]);
    port_ = line.empty() ? 0 : std::stoi(line);
    EXPECT_GT(port_, 0) << script << " did not start";
  }
  ~receiver() { stop(); }
  int port() const { return port_; }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace tapeline::notifier::testing
