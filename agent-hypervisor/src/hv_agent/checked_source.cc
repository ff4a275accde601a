#include "tapeline/hv_agent/checked_source.h"

#include "tapeline/common/units.h"

namespace tapeline::hv_agent {

checked_source::checked_source(stream::byte_source* inner, std::string format,
                               uint64_t raw_size, std::string where)
    : inner_(inner),
      format_(std::move(format)),
      raw_size_(raw_size),
      where_(std::move(where)) {
  if (format_ == "vhd")
    parser_ = std::make_unique<vhd::stream_parser>(nullptr, where_);
}

result<size_t> checked_source::read(char* buf, size_t cap) {
  if (done_) return size_t{0};
  auto n = inner_->read(buf, cap);
  if (!n) return n.error();
  if (*n == 0) {
    TL_RETURN_IF_ERROR(at_end());
    done_ = true;
    return size_t{0};
  }
  bytes_ += *n;
  if (parser_) {
    TL_RETURN_IF_ERROR(parser_->feed(std::string_view(buf, *n)));
  } else if (bytes_ > raw_size_) {
    return make_error(code::corrupt,
                      where_ +
                          ": the raw export is longer than the VDI's "
                          "virtual size (" +
                          std::to_string(raw_size_) + " bytes)");
  }
  return n;
}

status checked_source::at_end() {
  if (parser_) {
    auto st = parser_->finish();
    if (!st.ok())
      return make_error(code::io_error,
                        where_ +
                            ": the VHD export ended early or is damaged "
                            "after " +
                            format_bytes(bytes_) + " (" + st.message() +
                            "); XAPI may have cut the connection");
    return {};
  }
  if (bytes_ != raw_size_)
    return make_error(code::io_error,
                      where_ + ": the raw export ended after " +
                          std::to_string(bytes_) + " of " +
                          std::to_string(raw_size_) +
                          " bytes; XAPI may have cut the connection");
  return {};
}

}  // namespace tapeline::hv_agent
