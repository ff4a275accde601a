// source: the tar stream, through zstd unless compression is off
// (docs/fileset.md).
#include "tapeline/fileset/source.h"

#include <sys/stat.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "tar_stream.h"

namespace tapeline::fileset {
namespace {

class stream_source final : public source {
 public:
  explicit stream_source(const options& opts)
      : opts_(opts), tar_(opts_, &rep_) {}
  ~stream_source() override { ZSTD_freeCCtx(cctx_); }

  status init() {
    if (!opts_.compress) return {};
    cctx_ = ZSTD_createCCtx();
    if (!cctx_) return make_error(code::internal, "zstd: out of memory");
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, opts_.level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    if (opts_.workers > 0) {
      size_t r = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, opts_.workers);
      if (ZSTD_isError(r))
        return make_error(code::invalid_argument,
                          std::string("zstd workers: ") + ZSTD_getErrorName(r) +
                              " (this libzstd has no threads; use 0)");
    }
    in_.resize(opts_.buffer_size);
    return {};
  }

  result<size_t> read(char* buf, size_t cap) override {
    size_t n = opts_.compress ? compress(buf, cap) : tar_.read(buf, cap);
    if (!error_.ok()) return error_;
    if (n == 0) rep_.finished = true;
    rep_.bytes_out += n;
    return n;
  }

  const report& progress() const override { return rep_; }
  const std::string& current() const override { return tar_.current(); }

 private:
  // Refills the input buffer from the tar stream when it is used up.
  void refill() {
    if (in_pos_ < in_size_ || tar_done_) return;
    in_pos_ = in_size_ = 0;
    while (in_size_ < in_.size()) {
      size_t n = tar_.read(in_.data() + in_size_, in_.size() - in_size_);
      if (n == 0) {
        tar_done_ = true;
        break;
      }
      in_size_ += n;
    }
  }

  size_t compress(char* buf, size_t cap) {
    ZSTD_outBuffer out{buf, cap, 0};
    while (out.pos < out.size && !frame_done_) {
      refill();
      ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
      bool last = tar_done_ && in_pos_ == in_size_;
      size_t r = ZSTD_compressStream2(cctx_, &out, &in,
                                      last ? ZSTD_e_end : ZSTD_e_continue);
      in_pos_ = in.pos;
      if (ZSTD_isError(r)) {
        error_ = make_error(code::internal, std::string("zstd compression "
                                                        "failed: ") +
                                                ZSTD_getErrorName(r));
        return 0;
      }
      if (last && r == 0) frame_done_ = true;
    }
    return out.pos;
  }

  options opts_;
  report rep_;
  tar_stream tar_;
  ZSTD_CCtx* cctx_ = nullptr;
  std::vector<char> in_;
  size_t in_pos_ = 0, in_size_ = 0;
  bool tar_done_ = false, frame_done_ = false;
  status error_;
};

}  // namespace

result<std::unique_ptr<source>> source::open(const options& opts) {
  if (opts.roots.empty())
    return make_error(code::invalid_argument,
                      "file set: no roots given; name at least one directory "
                      "or file to archive");
  if (opts.compress && (opts.level < 1 || opts.level > ZSTD_maxCLevel()))
    return make_error(code::invalid_argument,
                      "file set: zstd level " + std::to_string(opts.level) +
                          " is out of range; use 1.." +
                          std::to_string(ZSTD_maxCLevel()));
  if (opts.buffer_size < 4096)
    return make_error(code::invalid_argument,
                      "file set: buffer size below 4 KiB");
  for (const auto& r : opts.roots) {
    struct stat st;
    if (lstat(r.path.c_str(), &st) != 0)
      return make_error(errno == ENOENT ? code::not_found : code::io_error,
                        "file set root '" + r.path +
                            "': " + std::strerror(errno) +
                            "; check the path in the file-set definition");
  }
  auto s = std::make_unique<stream_source>(opts);
  TL_RETURN_IF_ERROR(s->init());
  return std::unique_ptr<source>(std::move(s));
}

}  // namespace tapeline::fileset
