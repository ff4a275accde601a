#include "ctl.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "http.h"

namespace xapi_sim {

namespace {

using json = nlohmann::json;

const char* kUsage =
    "usage: xapi-sim ctl --unix PATH COMMAND [OPTIONS]\n"
    "  write [--vm VM] [--vdi VDI] --blocks N [--seed S]   a night of writes\n"
    "  fill --vdi VDI [--bytes N] [--seed S]                incompressible "
    "bytes\n"
    "  sha256 --vdi VDI                                     SHA-256 of the raw "
    "disk\n"
    "  read --vdi VDI --out FILE|-                          the raw disk\n"
    "  blocks --vdi VDI [--base VDI]                        allocated/delta "
    "blocks\n"
    "  fault --kind export_500|export_cut|expire_session|redirect\n"
    "        [--count N] [--after-bytes N]\n"
    "  faults | clear-faults | expire-sessions\n"
    "  call METHOD [JSON-PARAM...]                          any JSON-RPC call\n"
    "VM and VDI accept a ref, a uuid or (VM) a name_label.\n";

// One JSON-RPC call over the Unix socket; the parsed response.
bool call(const std::string& path, const json& request, json* response,
          std::string* err) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
  if (fd < 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    *err = "cannot connect to " + path + ": " + std::strerror(errno) +
           "; is xapi-sim serve --unix " + path + " running?";
    if (fd >= 0) ::close(fd);
    return false;
  }
  auto c = plain_connection(fd, true, "ctl");
  const std::string body = request.dump();
  c->write(
      "POST /jsonrpc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string all;
  char buf[65536];
  long r;
  while ((r = c->read_some(buf, sizeof buf)) > 0)
    all.append(buf, static_cast<size_t>(r));
  const size_t head = all.find("\r\n\r\n");
  if (head == std::string::npos) {
    *err = "no HTTP response from " + path;
    return false;
  }
  *response = json::parse(all.substr(head + 4), nullptr, false);
  if (response->is_discarded()) {
    *err = "response from " + path + " is not JSON";
    return false;
  }
  return true;
}

json number_or_string(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos)
    return std::stoull(s);
  return s;
}

}  // namespace

int run_ctl(const std::vector<std::string>& args) {
  std::string sock, cmd;
  std::vector<std::string> rest;
  json opts = json::object();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--unix" && i + 1 < args.size()) {
      sock = args[++i];
    } else if (cmd.empty() && a.rfind("--", 0) != 0) {
      cmd = a;
    } else if (cmd != "call" && a.rfind("--", 0) == 0 && i + 1 < args.size()) {
      std::string key = a.substr(2);
      for (auto& ch : key)
        if (ch == '-') ch = '_';
      opts[key] = number_or_string(args[++i]);
    } else {
      rest.push_back(a);
    }
  }
  if (sock.empty() || cmd.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string method;
  json params = json::array({opts});
  std::string out_file;
  if (cmd == "call") {
    if (rest.empty()) {
      std::fputs(kUsage, stderr);
      return 2;
    }
    method = rest[0];
    params = json::array();
    for (size_t i = 1; i < rest.size(); ++i) {
      json v = json::parse(rest[i], nullptr, false);
      params.push_back(v.is_discarded() ? json(rest[i]) : v);
    }
  } else if (cmd == "read") {
    method = "sim.read";
    out_file = opts.value("out", "");
    if (out_file.empty()) {
      std::fputs("xapi-sim ctl read: --out FILE or --out - is required\n",
                 stderr);
      return 2;
    }
    std::string target = out_file;
    if (out_file == "-") {
      char tmpl[] = "/tmp/xapi-sim-read.XXXXXX";
      int fd = ::mkstemp(tmpl);
      if (fd < 0) return 1;
      ::close(fd);
      target = tmpl;
    }
    params[0]["path"] = target;
    out_file = out_file == "-" ? target : "";
  } else {
    static const std::map<std::string, std::string> names = {
        {"write", "sim.write"},
        {"fill", "sim.fill"},
        {"sha256", "sim.sha256"},
        {"blocks", "sim.blocks"},
        {"fault", "sim.fault"},
        {"faults", "sim.faults"},
        {"clear-faults", "sim.clear_faults"},
        {"expire-sessions", "sim.expire_sessions"}};
    auto it = names.find(cmd);
    if (it == names.end()) {
      std::fprintf(stderr, "xapi-sim ctl: unknown command '%s'\n%s",
                   cmd.c_str(), kUsage);
      return 2;
    }
    method = it->second;
  }
  json resp;
  std::string err;
  if (!call(sock,
            {{"jsonrpc", "2.0"},
             {"method", method},
             {"params", params},
             {"id", 1}},
            &resp, &err)) {
    std::fprintf(stderr, "xapi-sim ctl %s: %s\n", cmd.c_str(), err.c_str());
    return 1;
  }
  if (resp.contains("error")) {
    std::fprintf(stderr, "xapi-sim ctl %s: %s\n", cmd.c_str(),
                 resp["error"].dump().c_str());
    return 1;
  }
  const json& result = resp["result"];
  if (!out_file.empty()) {  // read --out -: copy the temporary file to stdout
    std::ifstream in(out_file, std::ios::binary);
    std::cout << in.rdbuf();
    std::cout.flush();
    ::unlink(out_file.c_str());
    return 0;
  }
  std::cout << (result.is_string() ? result.get<std::string>() : result.dump())
            << "\n";
  return 0;
}

}  // namespace xapi_sim
