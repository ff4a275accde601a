// PUT /import_raw_vdi, after ocaml/xapi/import_raw_vdi.ml (docs/xapi.md
// §1.5): raw bytes from offset 0, or a VHD stream whose blocks land at
// their place. Writes go to the VDI's writable leaf, block by block.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "handlers.h"
#include "tapeline/vhd/stream_parser.h"
#include "tasks.h"

namespace xapi_sim {

namespace {

// Writes whole or partial blocks into one VDI.
class vdi_writer {
 public:
  vdi_writer(sim_context& ctx, std::string vdi)
      : ctx_(ctx), vdi_(std::move(vdi)) {}
  ~vdi_writer() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Writes `n` bytes at `off`, all inside block `b`. An all-zero write to a
  // block no layer holds is skipped: it already reads as zeros.
  tapeline::status write(uint32_t b, uint64_t off, const char* p, size_t n) {
    state& st = *ctx_.st;
    std::lock_guard<std::mutex> lk(st.mu);
    if (fd_ < 0) {
      auto leaf = writable_leaf(st, vdi_);
      if (!leaf.ok()) return leaf.error();
      leaf_ = *leaf;
      path_ = st.files().path(leaf_);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0)
        return tapeline::make_error(
            tapeline::code::io_error,
            "cannot open " + path_ + ": " + std::strerror(errno));
    }
    const uint64_t size = st.find("VDI", vdi_)->at("virtual_size");
    const uint64_t block_len =
        std::min(block_size, size - uint64_t{b} * block_size);
    if (owner_of(st.layers, vdi_chain(st, vdi_), b).empty() &&
        std::all_of(p, p + n, [](char ch) { return ch == 0; }))
      return tapeline::status::ok_status();
    TL_RETURN_IF_ERROR(prepare_block(st, vdi_, leaf_, b, n < block_len));
    size_t done = 0;
    while (done < n) {
      ssize_t w =
          ::pwrite(fd_, p + done, n - done, static_cast<off_t>(off + done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0)
        return tapeline::make_error(
            tapeline::code::io_error,
            "cannot write " + path_ + ": " + std::strerror(errno));
      done += static_cast<size_t>(w);
    }
    return tapeline::status::ok_status();
  }
  tapeline::status finish() {
    std::lock_guard<std::mutex> lk(ctx_.st->mu);
    refresh_utilisation(*ctx_.st);
    return ctx_.st->save();
  }

 private:
  sim_context& ctx_;
  std::string vdi_, leaf_, path_;
  int fd_ = -1;
};

tapeline::status import_raw(http_reader& in, uint64_t length, uint64_t size,
                            vdi_writer& w) {
  std::unique_ptr<char[]> buf(new char[block_size]);
  uint64_t off = 0;
  while (off < length) {
    const uint32_t b = static_cast<uint32_t>(off / block_size);
    const uint64_t block_end = std::min((uint64_t{b} + 1) * block_size, size);
    const size_t want = static_cast<size_t>(std::min(block_end, length) - off);
    size_t got = 0;
    while (got < want) {
      long r = in.read(buf.get() + got, want - got);
      if (r <= 0)
        return tapeline::make_error(tapeline::code::protocol_error,
                                    "body ended at byte " +
                                        std::to_string(off + got) + " of " +
                                        std::to_string(length));
      got += static_cast<size_t>(r);
    }
    TL_RETURN_IF_ERROR(w.write(b, off, buf.get(), want));
    off += want;
  }
  return tapeline::status::ok_status();
}

tapeline::status import_vhd(http_reader& in, uint64_t length, uint64_t size,
                            const std::string& vdi, vdi_writer& w) {
  namespace vhd = tapeline::vhd;
  vhd::stream_parser parser(
      [&](uint32_t index, std::string_view bitmap,
          std::string_view data) -> tapeline::status {
        const uint64_t base = uint64_t{index} * data.size();
        if (base >= size)
          return tapeline::make_error(tapeline::code::invalid_argument,
                                      "VDI_TOO_LARGE");
        // Runs of present sectors, each written at its place.
        const uint32_t sectors =
            static_cast<uint32_t>(data.size() / vhd::sector_size);
        uint32_t s = 0;
        while (s < sectors) {
          if (!vhd::bitmap_test(bitmap, s)) {
            ++s;
            continue;
          }
          uint32_t e = s;
          while (e < sectors && vhd::bitmap_test(bitmap, e)) ++e;
          const uint64_t off = base + uint64_t{s} * vhd::sector_size;
          const uint64_t end =
              std::min(base + uint64_t{e} * vhd::sector_size, size);
          if (end > off)
            TL_RETURN_IF_ERROR(w.write(index, off,
                                       data.data() + s * vhd::sector_size,
                                       static_cast<size_t>(end - off)));
          s = e;
        }
        return tapeline::status::ok_status();
      },
      "import into VDI " + vdi);
  std::unique_ptr<char[]> buf(new char[1 << 20]);
  uint64_t got = 0;
  while (got < length) {
    long r =
        in.read(buf.get(),
                static_cast<size_t>(std::min<uint64_t>(1 << 20, length - got)));
    if (r <= 0)
      return tapeline::make_error(tapeline::code::protocol_error,
                                  "body ended at byte " + std::to_string(got));
    got += static_cast<uint64_t>(r);
    TL_RETURN_IF_ERROR(
        parser.feed(std::string_view(buf.get(), static_cast<size_t>(r))));
    if (parser.headers_ready() && parser.footer().current_size > size)
      return tapeline::make_error(tapeline::code::invalid_argument,
                                  "VDI_TOO_LARGE");
  }
  return parser.finish();
}

// Reads and drops up to 64 MiB of a refused request's body before the
// connection closes: closing with unread bytes makes the kernel send a
// reset, and the client may lose the answer it was sent.
void drain_body(http_reader& in, const request& r) {
  uint64_t left = std::min<uint64_t>(r.content_length.value_or(0), 64u << 20);
  std::unique_ptr<char[]> buf(new char[1 << 16]);
  while (left > 0) {
    long n = in.read(buf.get(),
                     static_cast<size_t>(std::min<uint64_t>(left, 1 << 16)));
    if (n <= 0) break;
    left -= static_cast<uint64_t>(n);
  }
}

}  // namespace

bool handle_import(sim_context& ctx, listener_kind where, connection& c,
                   http_reader& in, const request& r) {
  (void)where;
  if (!credentials_ok(ctx, c, r)) {
    send_error_page(c, 401, "Unauthorised", "",
                    {"WWW-Authenticate: Basic realm=\"VDI.import\""});
    drain_body(in, r);
    return false;
  }
  const std::string task = task_for(ctx, r, "VDI.import");
  std::string format = r.param("format");
  if (format.empty()) format = "raw";
  auto fail = [&](const rpc_error& e, const std::string& status_line) {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    fail_task(*ctx.st, task, e);
    c.write(header_block({status_line, "Connection: close",
                          "Cache-Control: no-cache, no-store"}));
    drain_body(in, r);
    return false;
  };
  if (format != "raw" && format != "vhd")
    return fail({"INTERNAL_ERROR", {"Unknown format " + format}},
                "HTTP/1.0 404 Not Found");
  if (r.headers.count("transfer-encoding"))
    return fail(
        {"INTERNAL_ERROR",
         {"Cannot handle encoding: " + r.headers.at("transfer-encoding")}},
        "HTTP/1.0 404 Not Found");
  if (r.param("vdi").empty())
    return fail({"VDI_MISSING", {}}, "HTTP/1.1 400 Bad Request");
  std::string vdi;
  uint64_t size = 0;
  {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    vdi = resolve_vdi(*ctx.st, r.param("vdi"));
    if (!vdi.empty()) size = ctx.st->find("VDI", vdi)->at("virtual_size");
  }
  if (vdi.empty())
    return fail({"UUID_INVALID", {"VDI", r.param("vdi")}},
                "HTTP/1.1 500 Internal Server Error");
  if (!r.content_length)
    return fail({"INTERNAL_ERROR", {"Content-Length required"}},
                "HTTP/1.1 400 Bad Request");
  if (format == "raw" && *r.content_length > size)
    return fail({"VDI_TOO_LARGE", {vdi, std::to_string(size)}},
                "HTTP/1.1 400 Bad Request");
  c.write(header_block({"HTTP/1.1 200 OK", "Connection: close",
                        "Cache-Control: no-cache, no-store", "task-id:" + task,
                        "content-type: application/octet-stream"}));
  vdi_writer w(ctx, vdi);
  tapeline::status st = format == "raw"
                            ? import_raw(in, *r.content_length, size, w)
                            : import_vhd(in, *r.content_length, size, vdi, w);
  tapeline::status fin = w.finish();
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  if (st.ok() && fin.ok()) {
    complete_task(*ctx.st, task, vdi);
    ctx.log->info("{} import into {} ({} bytes, {})", c.peer(), vdi,
                  *r.content_length, format);
  } else {
    const tapeline::status& bad = st.ok() ? fin : st;
    fail_task(*ctx.st, task,
              bad.message() == "VDI_TOO_LARGE"
                  ? rpc_error{"VDI_TOO_LARGE", {vdi, std::to_string(size)}}
                  : rpc_error{"VDI_IO_ERROR", {bad.message()}});
    ctx.log->warn("{} import into {} failed: {}", c.peer(), vdi, bad.message());
  }
  return false;
}

}  // namespace xapi_sim
