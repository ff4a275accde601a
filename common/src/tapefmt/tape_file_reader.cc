// Reading tape files: docs/tape-format.md §2 (identification), §5 (object
// members), §6 (continuations).
#include "tapeline/tapefmt/tape_file_reader.h"

#include <algorithm>
#include <cstring>

#include "tapeline/tapefmt/json.h"

namespace tapeline::tapefmt {
namespace {

constexpr uint64_t max_document = 64ull << 20;
constexpr uint64_t max_extended_header = 1ull << 20;

// "X.seg000012" -> ("X", 12); false when `name` is not a segment name.
bool split_segment_name(const std::string& name, std::string* base,
                        uint32_t* index) {
  auto pos = name.rfind(".seg");
  if (pos == std::string::npos || name.size() - pos < 10) return false;
  uint32_t v = 0;
  for (size_t i = pos + 4; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + (name[i] - '0');
  }
  *base = name.substr(0, pos);
  *index = v;
  return true;
}

uint64_t to_u64(const std::string* s, uint64_t fallback) {
  if (!s) return fallback;
  try {
    return std::stoull(*s);
  } catch (...) {
    return fallback;
  }
}

}  // namespace

tape_file_reader::tape_file_reader(std::string context)
    : context_(std::move(context)) {}

status tape_file_reader::error(code c, const std::string& what) const {
  return {c, context_ + ": " + what + " (byte offset " +
                 std::to_string(offset_) + ", " + src_->where() + ")"};
}

// Reads up to n bytes; fewer only at the end of the tape file.
result<size_t> tape_file_reader::read_some(char* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    auto v = src_->read(n - got);
    if (!v) return v.error().with_context(context_);
    if (v->empty()) break;
    std::memcpy(out + got, v->data(), v->size());
    got += v->size();
  }
  offset_ += got;
  return got;
}

status tape_file_reader::read_exact(char* out, size_t n,
                                    const std::string& what) {
  auto got = read_some(out, n);
  if (!got) return got.error();
  if (*got != n) return error(code::corrupt, "tape file ends inside " + what);
  return {};
}

result<tape_file_reader::member> tape_file_reader::next_member() {
  member m;
  for (;;) {
    char b[block_size];
    auto got = read_some(b, block_size);
    if (!got) return got.error();
    if (*got == 0 || (*got == block_size && is_zero_block(b))) {
      m.end = true;
      return m;
    }
    if (*got != block_size)
      return error(code::corrupt, "tape file ends inside a member header");
    auto h = decode_ustar(b);
    if (!h) return error(code::corrupt, h.error().message());
    if (h->typeflag != 'x' && h->typeflag != 'g') {
      const std::string* path = find_record(m.records, "path");
      m.name = path ? *path : h->name;
      m.size = to_u64(find_record(m.records, "size"), h->size);
      m.typeflag = h->typeflag;
      return m;
    }
    if (h->size > max_extended_header)
      return error(code::corrupt, "oversize pax header for " + h->name);
    std::string data(h->size + block_padding(h->size), '\0');
    TL_RETURN_IF_ERROR(
        read_exact(data.data(), data.size(), "the pax header " + h->name));
    auto recs = decode_pax_records(std::string_view(data).substr(0, h->size));
    if (!recs) return error(code::corrupt, recs.error().message());
    m.records = std::move(*recs);
    if (h->typeflag == 'g') {
      m.typeflag = 'g';
      m.name = h->name;
      return m;
    }
  }
}

status tape_file_reader::read_document(const member& m,
                                       google::protobuf::Message* msg) {
  if (m.size > max_document)
    return error(code::corrupt, m.name + " is larger than 64 MiB");
  std::string data(m.size + block_padding(m.size), '\0');
  TL_RETURN_IF_ERROR(read_exact(data.data(), data.size(), m.name));
  auto st = from_json(std::string_view(data).substr(0, m.size), msg, m.name);
  return st.ok() ? st : error(st.error_code(), st.message());
}

result<tape_file_kind> tape_file_reader::open(byte_source* src) {
  src_ = src;
  auto m = next_member();
  if (!m) return m.error();
  if (m->end) return tape_file_kind::empty;
  if (m->typeflag == 'g') {
    if (!find_record(m->records, "GNU.volume.filename"))
      return tape_file_kind::foreign;
    TL_RETURN_IF_ERROR(begin_continuation(*m));
    std::string base;
    uint32_t index = 0;
    bool seg = split_segment_name(cont_.member, &base, &index);
    manifest_.set_name(seg ? base : cont_.member);
    manifest_.set_expected_size(seg ? -1 : static_cast<int64_t>(data_size_));
    segments_ = seg ? index + 1 : 1;
    return tape_file_kind::continuation;
  }
  tape_file_kind k = kind_of_first_member(m->name);
  if (k == tape_file_kind::label) {
    TL_RETURN_IF_ERROR(read_document(*m, &label_));
    if (label_.magic() != label_magic)
      return error(code::corrupt, "TAPELINE.LABEL has magic '" +
                                      label_.magic() + "', not " + label_magic);
    if (label_.format_version() > format_version)
      return error(code::corrupt, "label of format version " +
                                      std::to_string(label_.format_version()) +
                                      " was written by a newer Tapeline");
  } else if (k == tape_file_kind::catalog) {
    TL_RETURN_IF_ERROR(read_document(*m, &catalog_));
    if (catalog_.magic() != catalog_magic)
      return error(code::corrupt, "TAPELINE.CATALOG has a wrong magic");
  } else if (k == tape_file_kind::object) {
    TL_RETURN_IF_ERROR(read_document(*m, &manifest_));
  }
  return k;
}

status tape_file_reader::begin_continuation(const member& g) {
  cont_.member = *find_record(g.records, "GNU.volume.filename");
  cont_.size_left = to_u64(find_record(g.records, "GNU.volume.size"), 0);
  cont_.offset = to_u64(find_record(g.records, "GNU.volume.offset"), 0);
  auto chunk = next_member();
  if (!chunk) return chunk.error();
  if (chunk->end || chunk->size != cont_.size_left)
    return error(code::corrupt, "continuation of " + cont_.member +
                                    " lacks its GNUFileParts header");
  data_member_ = cont_.member;
  data_size_ = cont_.offset + cont_.size_left;
  data_done_ = cont_.offset;
  part_start_ = payload_bytes_;
  return {};
}

status tape_file_reader::resume(byte_source* next_part, std::string context) {
  src_ = next_part;
  context_ = std::move(context);
  offset_ = 0;
  auto g = next_member();
  if (!g) return g.error();
  if (g->end || g->typeflag != 'g' ||
      !find_record(g->records, "GNU.volume.filename"))
    return error(code::corrupt, "this tape file does not continue " +
                                    data_member_ + " (no GNU volume header)");
  std::string expected = data_member_;
  uint64_t at = data_done_, total = data_size_;
  TL_RETURN_IF_ERROR(begin_continuation(*g));
  if (cont_.member != expected || cont_.offset != at ||
      cont_.offset + cont_.size_left != total)
    return error(code::corrupt,
                 "this part continues " + cont_.member + " at offset " +
                     std::to_string(cont_.offset) + ", but " + expected +
                     " stopped at offset " + std::to_string(at) +
                     " (wrong tape or wrong order)");
  return {};
}

// Checks that `m` is the payload member expected next (§5) and starts it.
result<bool> tape_file_reader::start_member(const member& m) {
  bool known = manifest_.expected_size() >= 0;
  std::string want =
      known ? manifest_.name() : segment_name(manifest_.name(), segments_);
  if ((known && segments_ > 0) || m.name != want)
    return error(code::corrupt,
                 "unexpected member " + m.name +
                     (known && segments_ > 0 ? "" : ", expected " + want));
  if (known && m.size != static_cast<uint64_t>(manifest_.expected_size()))
    return error(code::corrupt, "payload member " + m.name + " has " +
                                    std::to_string(m.size) +
                                    " bytes, manifest says " +
                                    std::to_string(manifest_.expected_size()));
  data_member_ = m.name;
  data_size_ = m.size;
  data_done_ = 0;
  ++segments_;
  return true;
}

status tape_file_reader::skip_padding() {
  char pad[block_size];
  size_t n = block_padding(data_size_);
  return read_exact(pad, n, "the padding of " + data_member_);
}

result<object_end> tape_file_reader::read_payload(const payload_sink& sink) {
  auto end = read_payload_some(sink, UINT64_MAX);
  if (!end) return end.error();
  return **end;  // an unlimited budget never pauses
}

result<std::optional<object_end>> tape_file_reader::read_payload_some(
    const payload_sink& sink, uint64_t budget) {
  uint64_t given = 0;
  for (;;) {
    while (data_done_ < data_size_) {
      if (given >= budget) return std::optional<object_end>();
      auto v = src_->read(std::min<uint64_t>(
          {data_size_ - data_done_, 4u << 20, budget - given}));
      if (!v)
        return v.error().with_context(context_ + ", member " + data_member_);
      if (v->empty()) return {object_end::ended_in_data};
      offset_ += v->size();
      data_done_ += v->size();
      payload_bytes_ += v->size();
      hash_.update(v->data(), v->size());
      given += v->size();
      if (sink) TL_RETURN_IF_ERROR(sink(v->data(), v->size()));
    }
    if (!data_member_.empty()) {
      TL_RETURN_IF_ERROR(skip_padding());
      data_member_.clear();
    }
    auto m = next_member();
    if (!m) return m.error();
    if (m->end) return {object_end::no_trailer};
    if (m->name == trailer_member) {
      TL_RETURN_IF_ERROR(read_document(*m, &trailer_));
      auto end = next_member();
      if (!end) return end.error();
      if (!end->end)
        return error(code::corrupt,
                     "member " + end->name + " after the trailer");
      return {object_end::complete};
    }
    auto started = start_member(*m);
    if (!started) return started.error();
  }
}

}  // namespace tapeline::tapefmt
