// GET /export_raw_vdi, after ocaml/xapi/export_raw_vdi.ml and the stream
// vhd-tool produces for it (ocaml/xapi/vhd_tool_wrapper.ml `send`,
// ocaml/vhd-tool/src/impl.ml `make_stream`, and ocaml-vhd's
// vhd_format/f.ml Vhd_input.raw/vhd). docs/xapi.md §3.
#include <ctime>
#include <functional>
#include <memory>
#include <set>

#include "chain.h"
#include "handlers.h"
#include "layer_files.h"
#include "rpc.h"
#include "tapeline/vhd/stream_writer.h"
#include "tasks.h"

namespace xapi_sim {

namespace {

// Writes to the connection, enforcing an armed export_cut or
// expire_session fault: once `limit` bytes are out it stops, and on
// expire_session every session becomes invalid.
class guarded_out {
 public:
  guarded_out(sim_context& ctx, connection& c, char* scratch)
      : ctx_(ctx), c_(c), scratch_(scratch) {
    if (auto f = ctx.faults.take("export_cut")) {
      limit_ = f->after_bytes;
      why_ = "export_cut fault";
    } else if (auto f2 = ctx.faults.take("expire_session")) {
      limit_ = f2->after_bytes;
      expire_ = true;
      why_ = "expire_session fault";
    }
  }
  bool write(const char* p, size_t n) {
    size_t allowed = room(n);
    if (allowed > 0 && !c_.write_all(p, allowed)) return fail("peer gone");
    sent_ += allowed;
    return allowed == n || trip();
  }
  bool send_file(int fd, uint64_t off, size_t n) {
    size_t allowed = room(n);
    if (allowed > 0 && !c_.send_file(fd, off, allowed, scratch_))
      return fail("peer gone");
    sent_ += allowed;
    return allowed == n || trip();
  }
  uint64_t sent() const { return sent_; }
  const std::string& error() const { return error_; }

 private:
  size_t room(size_t n) const {
    if (limit_ == UINT64_MAX) return n;
    return static_cast<size_t>(
        std::min<uint64_t>(n, limit_ - std::min(limit_, sent_)));
  }
  bool trip() {
    if (expire_) {
      std::lock_guard<std::mutex> lk(ctx_.st->mu);
      expire_all_sessions(*ctx_.st);
    }
    return fail(why_ + " after " + std::to_string(sent_) + " bytes");
  }
  bool fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  sim_context& ctx_;
  connection& c_;
  char* scratch_;
  uint64_t limit_ = UINT64_MAX;
  uint64_t sent_ = 0;
  bool expire_ = false;
  std::string why_, error_;
};

class out_sink final : public tapeline::vhd::byte_sink {
 public:
  explicit out_sink(guarded_out* out) : out_(out) {}
  tapeline::status write(std::string_view b) override {
    if (out_->write(b.data(), b.size())) return tapeline::status::ok_status();
    return tapeline::make_error(tapeline::code::aborted, out_->error());
  }

 private:
  guarded_out* out_;
};

tapeline::vhd::uuid uuid_bytes(const std::string& s) {
  tapeline::vhd::uuid u{};
  size_t k = 0;
  for (size_t i = 0; i + 1 < s.size() && k < 16; ++i) {
    if (s[i] == '-') continue;
    u[k++] = static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16));
    ++i;
  }
  return u;
}

uint32_t vhd_now() {
  return static_cast<uint32_t>(std::time(nullptr) - 946684800);  // 2000-01-01
}

// Task progress every 64 blocks, as vhd-tool reports it to XAPI.
using progress_fn = std::function<void(double)>;

struct export_plan {
  std::string vdi, vdi_uuid, base_vdi, base_uuid, sr_uuid, task;
  uint64_t size = 0;
  std::vector<uint32_t> blocks;  // what the stream carries
  chain_view view;
};

bool stream_raw(const export_plan& p, const chain_reader& rd, guarded_out& out,
                const char* zeros, char* buf, const progress_fn& progress) {
  const std::set<uint32_t> chosen(p.blocks.begin(), p.blocks.end());
  const uint32_t n = block_count(p.size);
  for (uint32_t b = 0; b < n; ++b) {
    if (b % 64 == 63) progress(double(b) / n);
    const size_t len = static_cast<size_t>(rd.block_bytes(b));
    bool ok;
    if (!chosen.count(b) || rd.is_zero(b)) {
      ok = out.write(zeros, len);
    } else if (int fd = rd.fd_of(b); fd >= 0) {
      ok = out.send_file(fd, uint64_t{b} * block_size, len);
    } else {  // a generated block
      ok = rd.read_block(b, buf).ok() && out.write(buf, len);
    }
    if (!ok) return false;
  }
  return true;
}

tapeline::status stream_vhd(const export_plan& p, const chain_reader& rd,
                            guarded_out& out, char* buf,
                            const progress_fn& progress) {
  namespace vhd = tapeline::vhd;
  vhd::disk_params dp;
  dp.size =
      (p.size + vhd::sector_size - 1) / vhd::sector_size * vhd::sector_size;
  dp.unique_id = uuid_bytes(p.vdi_uuid);
  dp.unique_id[15] ^= 0x5a;  // the stream's own id, not the VDI's
  dp.timestamp = vhd_now();
  if (!p.base_vdi.empty()) {
    dp.type = vhd::disk_type::differencing;
    dp.parent_id = uuid_bytes(p.base_uuid);
    dp.parent_timestamp = dp.timestamp;
    dp.parent_name =
        "/var/run/sr-mount/" + p.sr_uuid + "/" + p.base_uuid + ".vhd";
  }
  out_sink sink(&out);
  auto w = vhd::stream_writer::start(dp, p.blocks, &sink);
  if (!w.ok()) return w.error();
  const std::string bitmap = vhd::full_bitmap();
  for (size_t i = 0; i < p.blocks.size(); ++i) {
    const uint32_t b = p.blocks[i];
    if (i % 64 == 63) progress(double(i) / p.blocks.size());
    const size_t len = static_cast<size_t>(rd.block_bytes(b));
    TL_RETURN_IF_ERROR(rd.read_block(b, buf));
    std::fill(buf + len, buf + block_size, 0);
    TL_RETURN_IF_ERROR(
        w->add_block(b, bitmap, std::string_view(buf, block_size)));
  }
  return w->finish();
}

}  // namespace

bool handle_export(sim_context& ctx, listener_kind where, connection& c,
                   const request& r) {
  if (!credentials_ok(ctx, c, r))
    return send_error_page(
        c, 401, "Unauthorised", "",
        {"WWW-Authenticate: Basic realm=\"VDI.export_raw\""});
  if (!where.pool_member && !ctx.member_address.empty() &&
      ctx.faults.take("redirect")) {
    const std::string url =
        "https://" + ctx.member_address + r.path + "?" + r.query_string;
    c.write(header_block({"HTTP/1.1 302 Found", "Connection: close",
                          "Cache-Control: no-cache, no-store",
                          "Location: " + url}));
    return false;
  }
  if (ctx.faults.take("export_500"))
    return send_error_page(c, 500, "Internal Server Error",
                           "export_500 fault (xapi-sim)");
  export_plan p;
  p.task = task_for(ctx, r, "VDI.export_raw_vdi");
  std::string format = r.param("format");
  if (format.empty()) format = "raw";
  auto fail = [&](const rpc_error& e, int code, const std::string& reason) {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    fail_task(*ctx.st, p.task, e);
    return send_error_page(c, code, reason, e.code);
  };
  if (format != "raw" && format != "vhd") {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    fail_task(*ctx.st, p.task,
              {"INTERNAL_ERROR", {"Unknown format " + format}});
    c.write(header_block({"HTTP/1.0 404 Not Found", "Connection: close",
                          "Cache-Control: no-cache, no-store"}));
    return false;
  }
  {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    state& st = *ctx.st;
    p.vdi = resolve_vdi(st, r.param("vdi"));
    if (!p.vdi.empty() && !r.param("base").empty()) {
      p.base_vdi = resolve_vdi(st, r.param("base"));
      if (p.base_vdi.empty()) p.vdi.clear();
    }
    if (!p.vdi.empty()) {
      const json& rec = *st.find("VDI", p.vdi);
      p.vdi_uuid = rec["uuid"];
      p.size = rec["virtual_size"];
      p.sr_uuid = st.find("SR", rec["SR"])->at("uuid");
      const chain c1 = vdi_chain(st, p.vdi);
      if (p.base_vdi.empty()) {
        p.blocks = allocated_blocks(st.layers, c1, p.size);
      } else {
        p.base_uuid = st.find("VDI", p.base_vdi)->at("uuid");
        p.blocks =
            delta_blocks(st.layers, c1, vdi_chain(st, p.base_vdi), p.size);
      }
      p.view = make_view(st.layers, c1, p.size);
    }
  }
  if (p.vdi.empty())
    return fail(
        {"UUID_INVALID", {"VDI", r.param("vdi") + " " + r.param("base")}}, 500,
        "Internal Server Error");
  auto rd = chain_reader::open(ctx.st->files(), p.view);
  if (!rd.ok())
    return fail({"VDI_IO_ERROR", {rd.error().message()}}, 500,
                "Internal Server Error");
  ctx.log->info("{} export vdi={} format={} base={} blocks={}", c.peer(),
                p.vdi_uuid, format, p.base_uuid, p.blocks.size());
  const std::string ext = format == "vhd" ? ".vhd" : ".raw";
  c.write(header_block(
      {"HTTP/1.1 200 OK", "Connection: close",
       "Cache-Control: no-cache, no-store", "task-id:" + p.task,
       std::string("content-type:") +
           (format == "vhd" ? "application/vhd" : "application/octet-stream"),
       "content-disposition: attachment; filename=\"" + p.vdi_uuid + ext +
           "\""}));
  // export_raw_vdi.ml checks the VHD size limit only after the headers.
  constexpr uint64_t max_vhd_size = 2040ull << 30;  // Constants.max_vhd_size
  if (format == "vhd" && p.size > max_vhd_size) {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    fail_task(*ctx.st, p.task,
              {"VDI_TOO_LARGE", {p.vdi, std::to_string(max_vhd_size)}});
    return false;
  }
  std::unique_ptr<char[]> buf(new char[block_size]);
  std::unique_ptr<char[]> zeros(new char[block_size]());
  std::unique_ptr<char[]> gen(new char[block_size]);
  guarded_out out(ctx, c, buf.get());
  const progress_fn progress = [&](double v) {
    std::lock_guard<std::mutex> lk(ctx.st->mu);
    set_task_progress(*ctx.st, p.task, v);
  };
  bool ok;
  std::string err;
  if (format == "raw") {
    ok = stream_raw(p, **rd, out, zeros.get(), gen.get(), progress);
    err = out.error();
  } else {
    auto s = stream_vhd(p, **rd, out, buf.get(), progress);
    ok = s.ok();
    err = s.message();
  }
  std::lock_guard<std::mutex> lk(ctx.st->mu);
  if (ok) {
    complete_task(*ctx.st, p.task, "");
  } else {
    fail_task(*ctx.st, p.task, {"VDI_IO_ERROR", {err}});
    ctx.log->warn("{} export of {} stopped: {}", c.peer(), p.vdi_uuid, err);
  }
  return false;
}

}  // namespace xapi_sim
