// tapeline-fileset: archives directory trees as one zstd-compressed pax tar
// stream (NAME.tar.zst), the payload of a file-set object (docs/fileset.md).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "tapeline/common/units.h"
#include "tapeline/fileset/source.h"

namespace {

using namespace tapeline;
using clock_type = std::chrono::steady_clock;

constexpr char example[] = R"(
Example (tonight's Samba and Zimbra trees, straight to a file):
  tapeline-fileset create --exclude '*.tmp' --exclude 'zimbra/log' \
      -o /srv/stage/shares.tar.zst /srv/samba /opt/zimbra/backup
Restore with GNU tar alone:
  zstd -d < shares.tar.zst | tar --xattrs --xattrs-include='*' --acls -xpf -
Exit status: 0 when the archive is complete (files that changed or vanished
while read are warnings: the summary lists them), 1 on fatal errors.)";

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void print_issues(const char* what, const fileset::issue_list& l) {
  if (l.count == 0) return;
  fprintf(stderr, "tapeline-fileset: %llu %s:\n",
          static_cast<unsigned long long>(l.count), what);
  for (const auto& p : l.first) fprintf(stderr, "  %s\n", p.c_str());
  if (l.count > l.first.size())
    fprintf(stderr, "  ... and %llu more\n",
            static_cast<unsigned long long>(l.count - l.first.size()));
}

void print_summary(const fileset::report& r, double seconds) {
  print_issues("changed while read (archived as read)", r.changed);
  print_issues("vanished before they were read (not archived)", r.vanished);
  print_issues("unreadable (not archived)", r.unreadable);
  print_issues("skipped (type tar cannot hold)", r.skipped);
  double mbs = seconds > 0 ? r.bytes_read / seconds / 1e6 : 0;
  fprintf(stderr,
          "tapeline-fileset: %llu files, %llu dirs, %llu symlinks, %llu hard "
          "links, %llu special; read %s, wrote %s in %.1f s (%.0f MB/s)%s\n",
          static_cast<unsigned long long>(r.files),
          static_cast<unsigned long long>(r.dirs),
          static_cast<unsigned long long>(r.symlinks),
          static_cast<unsigned long long>(r.hardlinks),
          static_cast<unsigned long long>(r.specials),
          format_bytes(r.bytes_read).c_str(), format_bytes(r.bytes_out).c_str(),
          seconds, mbs,
          r.clean() ? "" : "; complete WITH WARNINGS (see above)");
}

void print_progress(const fileset::source& s, clock_type::time_point start,
                    bool tty) {
  const auto& r = s.progress();
  double t = std::chrono::duration<double>(clock_type::now() - start).count();
  std::string cur = s.current();
  if (cur.size() > 40) cur = "..." + cur.substr(cur.size() - 37);
  fprintf(stderr, "%s%llu files, %s read, %s out, %.0f MB/s  %s%s",
          tty ? "\r\033[K" : "", static_cast<unsigned long long>(r.files),
          format_bytes(r.bytes_read).c_str(), format_bytes(r.bytes_out).c_str(),
          t > 0 ? r.bytes_read / t / 1e6 : 0.0, cur.c_str(), tty ? "" : "\n");
}

struct create_args {
  std::vector<std::string> roots, excludes;
  std::string output, prefix, report_file;
  int level = 3, workers = 0;
  size_t limit = 20;
  bool no_compress = false, json = false, progress = false, one_fs = false;
};

int run_create(const create_args& a) {
  fileset::options o;
  for (const auto& p : a.roots) {
    fileset::root r{p, ""};
    if (!a.prefix.empty()) {
      std::string b = p;
      while (b.size() > 1 && b.back() == '/') b.pop_back();
      r.member = a.prefix + "/" + b.substr(b.rfind('/') + 1);
    }
    o.roots.push_back(r);
  }
  o.excludes = a.excludes;
  o.level = a.level;
  o.workers = a.workers;
  o.compress = !a.no_compress;
  o.one_file_system = a.one_fs;
  o.report_limit = a.limit;
  int out = STDOUT_FILENO;
  if (a.output.empty() || a.output == "-") {
    if (isatty(STDOUT_FILENO)) {
      fprintf(stderr,
              "tapeline-fileset: refusing to write an archive to a terminal; "
              "give -o FILE or redirect stdout\n");
      return 1;
    }
  } else {
    out = ::open(a.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                 0644);
    if (out < 0) {
      fprintf(stderr, "tapeline-fileset: cannot create %s: %s\n",
              a.output.c_str(), std::strerror(errno));
      return 1;
    }
  }
  auto src = fileset::source::open(o);
  if (!src.ok()) {
    fprintf(stderr, "tapeline-fileset: %s\n", src.error().message().c_str());
    return 1;
  }
  bool tty = isatty(STDERR_FILENO);
  bool progress = a.progress || tty;
  auto start = clock_type::now(), last = start;
  auto every = tty ? std::chrono::seconds(1) : std::chrono::seconds(10);
  std::vector<char> buf(1 << 20);
  for (;;) {
    auto n = (*src)->read(buf.data(), buf.size());
    if (!n.ok()) {
      fprintf(stderr, "tapeline-fileset: %s; the archive is incomplete\n",
              n.error().message().c_str());
      return 1;
    }
    if (*n == 0) break;
    if (!write_all(out, buf.data(), *n)) {
      fprintf(stderr,
              "tapeline-fileset: writing the archive to %s failed: %s; the "
              "archive is incomplete\n",
              a.output.empty() ? "stdout" : a.output.c_str(),
              std::strerror(errno));
      return 1;
    }
    if (progress && clock_type::now() - last >= every) {
      last = clock_type::now();
      print_progress(**src, start, tty);
    }
  }
  if (out != STDOUT_FILENO && close(out) != 0) {
    fprintf(stderr, "tapeline-fileset: closing %s: %s\n", a.output.c_str(),
            std::strerror(errno));
    return 1;
  }
  if (progress && tty) fprintf(stderr, "\r\033[K");
  double secs =
      std::chrono::duration<double>(clock_type::now() - start).count();
  const auto& r = (*src)->progress();
  print_summary(r, secs);
  std::string json = fileset::to_json(r);
  if (a.json) fprintf(stderr, "%s\n", json.c_str());
  if (!a.report_file.empty()) {
    std::ofstream f(a.report_file);
    f << json << "\n";
    if (!f) {
      fprintf(stderr, "tapeline-fileset: cannot write report %s\n",
              a.report_file.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a closed reader is a write error, reported
  CLI::App app{
      "tapeline-fileset: directory trees as one zstd-compressed pax "
      "tar stream, without staging"};
  app.require_subcommand(1);
  app.footer(example);
  create_args a;
  auto* c = app.add_subcommand("create", "write the archive of ROOT...");
  c->footer(example);
  c->add_option("roots", a.roots,
                "directories or files, each stored under "
                "its base name (as tar -C parent name)")
      ->required();
  c->add_option("--exclude", a.excludes,
                "glob; without '/' it matches base names, with '/' member "
                "paths; excluded directories are not entered");
  c->add_option("--level", a.level, "zstd level (default 3)")
      ->check(CLI::Range(1, 19));
  c->add_option("--workers", a.workers,
                "zstd worker threads (default 0: compress in this thread)")
      ->check(CLI::Range(0, 64));
  c->add_flag("--no-compress", a.no_compress,
              "plain tar, for data that is already compressed");
  c->add_flag("--one-file-system", a.one_fs,
              "do not enter directories on other file systems");
  c->add_option("--prefix", a.prefix, "store each ROOT as PREFIX/base-name");
  c->add_option("-o,--output", a.output, "archive file, or - for stdout");
  c->add_flag("--json", a.json, "print the report as JSON on stderr");
  c->add_option("--report", a.report_file, "write the report as JSON to FILE");
  c->add_option("--list-limit", a.limit,
                "paths listed per kind of warning (default 20)");
  c->add_flag("--progress", a.progress,
              "progress lines on stderr (default when stderr is a terminal)");
  CLI11_PARSE(app, argc, argv);
  return run_create(a);
}
