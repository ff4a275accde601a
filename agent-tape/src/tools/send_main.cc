// tapeline-send: stream a file or stdin into a named drive of a tape agent,
// as one object. Also sends drive commands (status, eject, ...).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>

#include <google/protobuf/util/json_util.h>

#include "tapeline/caf/node.h"
#include "tapeline/caf/stream_sender.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"

namespace {

using namespace tapeline;

class fd_source : public stream::byte_source {
 public:
  fd_source(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  result<size_t> read(char* buf, size_t cap) override {
    size_t got = 0;
    while (got < cap) {
      ssize_t n = ::read(fd_, buf + got, cap - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return status{code::io_error,
                      "read " + name_ + ": " + std::strerror(errno)};
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return got;
  }

 private:
  int fd_;
  std::string name_;
};

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

bool split_host_port(const std::string& s, std::string& host, uint16_t& port) {
  auto i = s.rfind(':');
  if (i == std::string::npos) return false;
  host = s.substr(0, i);
  try {
    int p = std::stoi(s.substr(i + 1));
    if (p <= 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (...) {
    return false;
  }
  return !host.empty();
}

// One line per drive: what an operator wants at a glance.
void print_drives(const v1::DriveCommandReply& r) {
  auto line = [](const v1::DriveStatus& d) {
    std::cout << "  " << d.drive() << "  " << d.media_type() << "  "
              << d.state() << "  tape "
              << (d.loaded()
                      ? (d.volume_id().empty() ? "(unlabelled)" : d.volume_id())
                      : "(none)")
              << (d.write_protected() ? " write-protected" : "") << "  file "
              << d.file_number() << "  buffer " << format_bytes(d.buffer_used())
              << " of " << format_bytes(d.buffer_capacity()) << "  written "
              << format_bytes(d.bytes_written()) << "  backhitches "
              << d.backhitches() << "  (" << d.device() << ")\n";
  };
  for (const auto& d : r.drives()) line(d);
  if (r.drives_size() == 0 && r.has_status()) line(r.status());
}

v1::ObjectKind parse_kind(const std::string& k) {
  if (k == "vdi-full") return v1::VDI_FULL;
  if (k == "vdi-delta") return v1::VDI_DELTA;
  if (k == "pool-metadata") return v1::POOL_METADATA;
  if (k == "file-set") return v1::FILE_SET;
  return v1::BLOB;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapeline-send: stream a file or stdin to a drive of a Tapeline tape "
      "agent, over mutual TLS, as one object on tape.\n\n"
      "Examples:\n"
      "  tapeline-send --agent 127.0.0.1:4711 --drive lto5 --name etc.tar "
      "--file etc.tar --cert send.crt --key send.key --ca ca.crt\n"
      "  tar -cf - /srv | tapeline-send --agent backup:4711 --drive lto4 "
      "--name srv.tar --file - ...\n"
      "  tapeline-send --agent 127.0.0.1:4711 --drive lto5 --command eject "
      "..."};
  std::string agent = "127.0.0.1:4711", drive, name, file = "-", kind = "blob";
  std::string cert, key, ca, command, chunk = "1M", size_text, vm;
  uint32_t file_number = 0;
  bool finish = false, json = false, progress = false;
  app.add_option("--agent", agent, "tape agent HOST:PORT")
      ->capture_default_str();
  app.add_option("--drive", drive,
                 "drive name, as in the agent's configuration");
  app.add_option("--name", name, "object name (the payload's name in the tar)");
  app.add_option("--file", file, "file to send, or - for stdin")
      ->capture_default_str();
  app.add_option("--size", size_text,
                 "payload size when reading stdin (else unknown: segmented)");
  app.add_option("--kind", kind,
                 "blob, vdi-full, vdi-delta, pool-metadata, file-set")
      ->capture_default_str();
  app.add_option("--vm", vm, "VM name, for the manifest");
  app.add_option("--chunk", chunk, "chunk size (max 4M)")
      ->capture_default_str();
  app.add_option("--cert", cert, "this client's certificate (PEM)")->required();
  app.add_option("--key", key, "its private key (PEM, mode 0600)")->required();
  app.add_option("--ca", ca, "the site CA certificate (PEM)")->required();
  app.add_flag("--finish-session", finish,
               "write the tape's session catalog after the object");
  app.add_option(
      "--command", command,
      "instead of sending: status, list, finish-session, eject, verify, label, "
      "watch (print drive events until interrupted; all drives "
      "without --drive)");
  app.add_option("--file-number", file_number,
                 "tape file for --command verify");
  app.add_flag("--json", json, "print the result as JSON");
  app.add_flag("--progress", progress, "print progress to stderr every second");
  CLI11_PARSE(app, argc, argv);

  log::options lo;
  lo.level = spdlog::level::warn;
  log::setup(lo);

  std::string host;
  uint16_t port = 0;
  if (!split_host_port(agent, host, port)) {
    std::cerr << "tapeline-send: --agent must be HOST:PORT, got '" << agent
              << "'\n";
    return 2;
  }
  caf::actor_system_config cfg;
  node::node_options no;
  no.tls = {cert, key, ca, ""};
  if (auto st = node::prepare(cfg, no); !st) {
    std::cerr << "tapeline-send: " << st.message() << "\n";
    return 2;
  }
  caf::actor_system sys{cfg};

  if (command == "watch") {
    // One line per drive event until interrupted: what an operator keeps
    // open in a terminal until the coordinator's `tapeline watch` exists.
    auto st = stream::watch_events(
        sys, host, port, drive,
        [&](const v1::DriveEvent& e) {
          if (json) {
            std::cout << to_json(e) << std::endl;
          } else {
            std::cout << e.drive() << " " << v1::DriveEvent::Kind_Name(e.kind())
                      << (e.volume_id().empty() ? "" : " " + e.volume_id())
                      << ": " << e.message() << std::endl;
          }
          return true;
        },
        [](const std::vector<std::string>& drives) {
          std::cerr << "watching";
          for (const auto& d : drives) std::cerr << " " << d;
          std::cerr << " (Ctrl-C to stop)" << std::endl;
        });
    if (!st) {
      std::cerr << "tapeline-send: watch: " << st.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (!command.empty()) {
    static const std::map<std::string, v1::DriveCommand::Op> ops = {
        {"status", v1::DriveCommand::STATUS},
        {"list", v1::DriveCommand::LIST},
        {"finish-session", v1::DriveCommand::FINISH_SESSION},
        {"eject", v1::DriveCommand::EJECT},
        {"verify", v1::DriveCommand::VERIFY},
        {"label", v1::DriveCommand::LABEL}};
    auto op = ops.find(command);
    if (op == ops.end()) {
      std::cerr << "tapeline-send: unknown --command '" << command << "'\n";
      return 2;
    }
    v1::DriveCommand c;
    c.set_op(op->second);
    c.set_drive(drive);
    c.set_file_number(file_number);
    c.set_volume_id(name);
    auto r = stream::send_command(sys, host, port, c);
    if (!r) {
      std::cerr << "tapeline-send: " << r.error().message() << "\n";
      return 1;
    }
    if (json) {
      std::cout << to_json(*r) << "\n";
    } else if (r->ok()) {
      std::cout << command << ": ok"
                << (r->detail().empty() ? "" : ": " + r->detail()) << "\n";
      if (r->drives_size() > 0 || r->has_status()) print_drives(*r);
    }
    if (!r->ok()) {
      if (!json)
        std::cerr << "tapeline-send: " << command << ": " << r->error() << "\n";
      return 1;
    }
    return 0;
  }

  if (drive.empty() || name.empty()) {
    std::cerr << "tapeline-send: --drive and --name are required to send\n";
    return 2;
  }
  auto chunk_bytes = parse_size(chunk);
  if (!chunk_bytes || *chunk_bytes == 0 || *chunk_bytes > (4u << 20)) {
    std::cerr << "tapeline-send: --chunk must be between 1 and 4M\n";
    return 2;
  }
  int fd = 0;
  int64_t expected = -1;
  if (file != "-") {
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "tapeline-send: cannot open " << file << ": "
                << std::strerror(errno) << "\n";
      return 1;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) expected = sb.st_size;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  if (!size_text.empty()) {
    auto s = parse_size(size_text);
    if (!s) {
      std::cerr << "tapeline-send: --size: " << s.error().message() << "\n";
      return 2;
    }
    expected = static_cast<int64_t>(*s);
  }
  stream::send_options so;
  so.host = host;
  so.port = port;
  so.drive = drive;
  so.chunk_bytes = static_cast<uint32_t>(*chunk_bytes);
  so.finish_session = finish;
  so.manifest.set_name(name);
  so.manifest.set_kind(parse_kind(kind));
  so.manifest.set_vm_name(vm);
  so.manifest.set_payload_format(kind == "blob" ? "blob" : kind);
  so.manifest.set_expected_size(expected);
  if (progress)
    so.on_progress = [](const stream::progress_info& p) {
      double mbps = p.seconds > 0 ? p.bytes / p.seconds / 1e6 : 0;
      std::cerr << "sent " << format_bytes(p.bytes);
      if (p.expected) {
        std::cerr << " of " << format_bytes(p.expected) << " ("
                  << (100 * p.bytes / p.expected) << "%)";
        if (mbps > 0)
          std::cerr << ", ETA " << int((p.expected - p.bytes) / 1e6 / mbps)
                    << " s";
      }
      std::cerr << ", " << int(mbps) << " MB/s\n";
    };
  fd_source src(fd, file == "-" ? "stdin" : file);
  auto r = stream::send_object(sys, so, src);
  if (fd > 0) ::close(fd);
  if (!r) {
    std::cerr << "tapeline-send: " << r.error().message() << "\n";
    return 1;
  }
  if (json) std::cout << to_json(*r) << "\n";
  if (!r->ok()) {
    std::cerr << "tapeline-send: object '" << name
              << "' NOT written: " << v1::ErrorCode_Name(r->code()) << ": "
              << r->error() << "\n";
    return 1;
  }
  if (!json) {
    std::cout << "object " << r->object_id() << " '" << name
              << "': " << r->payload_bytes() << " bytes, sha256 "
              << r->sha256();
    for (auto& e : r->extents())
      std::cout << "\n  part " << e.part() << ": tape " << e.volume_id()
                << " file " << e.file_number();
    std::cout << "\n";
  }
  return 0;
}
