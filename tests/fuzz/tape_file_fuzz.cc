// Fuzz target: the tape file reader (common/tapefmt tape_file_reader.h) and
// the pax/ustar decoders under it, on a tape file held in memory.
//
// Input: u8 read size (the source hands out at most 1 + 8*that bytes per
// read, as a drive hands out records), u16 split point, then the bytes. The
// bytes before the split are the first part; when its object ends inside
// payload data, the rest is offered to resume() as the next part.
//
// Invariant: the bytes handed to the sink add up to payload_bytes().
#include <cstdint>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "fuzz_support.h"
#include "tapeline/tapefmt/pax.h"
#include "tapeline/tapefmt/tape_file_reader.h"

using namespace tapeline;

namespace {

// A memory source that hands out at most `step` bytes per read.
class chopped_source final : public tapefmt::byte_source {
 public:
  chopped_source(std::string_view data, size_t step)
      : data_(data), step_(step) {}
  result<std::string_view> read(size_t max) override {
    std::string_view v = data_.substr(pos_, std::min(max, step_));
    pos_ += v.size();
    return v;
  }
  std::string where() const override { return "byte " + std::to_string(pos_); }

 private:
  std::string_view data_;
  size_t step_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // refusals are expected
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::byte_reader in(data, size);
  const size_t step = 1 + 8 * size_t(in.u8());
  const size_t split = in.u16();
  std::string_view all = in.rest();
  std::string_view first = all.substr(0, std::min(split, all.size()));
  std::string_view second = all.substr(first.size());

  // The block decoders on their own.
  for (size_t off = 0; off + tapefmt::block_size <= all.size();
       off += tapefmt::block_size)
    (void)tapefmt::decode_ustar(all.data() + off);
  (void)tapefmt::decode_pax_records(first);

  chopped_source part1(first, step), part2(second, step);
  tapefmt::tape_file_reader r("fuzz tape file");
  auto kind = r.open(&part1);
  if (!kind) return 0;
  if (*kind != tapefmt::tape_file_kind::object &&
      *kind != tapefmt::tape_file_kind::continuation)
    return 0;
  uint64_t seen = 0;
  auto sink = [&](const char*, size_t n) -> status {
    seen += n;
    return {};
  };
  auto end = r.read_payload(sink);
  if (end && *end == tapefmt::object_end::ended_in_data &&
      r.resume(&part2, "fuzz part 2").ok())
    end = r.read_payload(sink);
  FUZZ_CHECK(seen == r.payload_bytes(),
             "sink got %llu bytes, reader counts %llu",
             (unsigned long long)seen, (unsigned long long)r.payload_bytes());
  if (end && *end == tapefmt::object_end::complete) (void)r.payload_sha256();
  return 0;
}
