// Forward-only VHD stream parser (docs/vhd.md §6).
#include "tapeline/vhd/stream_parser.h"

#include <algorithm>

namespace tapeline::vhd {
namespace {

constexpr uint64_t max_locator_bytes = 64 * 1024;
constexpr uint64_t max_bat_bytes = 64ull * 1024 * 1024;  // 16 M blocks
constexpr uint32_t max_block_size = 64u * 1024 * 1024;

}  // namespace

stream_parser::stream_parser(block_handler on_block, std::string where)
    : on_block_(std::move(on_block)), where_(std::move(where)) {
  target_ = 0;
  want_ = footer_size;
}

status stream_parser::fail(status st) {
  phase_ = phase::failed;
  return st.with_context(where_);
}

status stream_parser::feed(std::string_view data) {
  if (phase_ == phase::failed)
    return make_error(code::aborted, where_ + ": vhd stream already failed");
  while (!data.empty()) {
    if (phase_ == phase::trailer) {
      tail_.append(data);
      if (tail_.size() > footer_size)
        tail_.erase(0, tail_.size() - footer_size);
      pos_ += data.size();
      return status::ok_status();
    }
    if (pos_ < target_) {  // a gap before the next item: skip it
      size_t skip = size_t(std::min<uint64_t>(target_ - pos_, data.size()));
      pos_ += skip;
      data.remove_prefix(skip);
      continue;
    }
    if (!on_block_ && current_.kind == item_kind::block) {
      // Nobody wants the data: count it, don't copy it.
      size_t take = size_t(std::min<uint64_t>(want_ - skipped_, data.size()));
      skipped_ += take;
      pos_ += take;
      data.remove_prefix(take);
      if (skipped_ == want_) {
        skipped_ = 0;
        ++blocks_seen_;
        status st = next_item();
        if (!st.ok()) return fail(st);
      }
      continue;
    }
    size_t take = size_t(std::min<uint64_t>(want_ - buf_.size(), data.size()));
    buf_.append(data.data(), take);
    pos_ += take;
    data.remove_prefix(take);
    if (buf_.size() == want_) {
      status st = on_item_complete();
      if (!st.ok()) return fail(st);
      buf_.clear();
    }
  }
  return status::ok_status();
}

status stream_parser::on_item_complete() {
  switch (phase_) {
    case phase::footer: {
      auto f = decode_footer(buf_, 0);
      if (!f.ok()) return f.error();
      footer_ = *f;
      footer_bytes_ = buf_;
      if (footer_.type != disk_type::dynamic &&
          footer_.type != disk_type::differencing)
        return make_error(code::invalid_argument,
                          std::string("vhd disk type is ") +
                              to_string(footer_.type) +
                              "; a stream must be a dynamic or differencing "
                              "VHD");
      if (footer_.data_offset < footer_size ||
          footer_.data_offset > (1ull << 40))
        return make_error(code::corrupt,
                          "vhd footer data offset " +
                              std::to_string(footer_.data_offset) +
                              " cannot be reached in stream order");
      phase_ = phase::header;
      target_ = footer_.data_offset;
      want_ = header_size;
      buf_.reserve(header_size);
      return status::ok_status();
    }
    case phase::header:
      return on_header();
    case phase::metadata:
    case phase::blocks:
      if (current_.kind == item_kind::locator) {
        locators_[current_.index] = buf_;
      } else if (current_.kind == item_kind::bat) {
        TL_RETURN_IF_ERROR(on_bat());
      } else {
        uint32_t bm = bitmap_bytes(header_.block_size);
        std::string_view all(buf_);
        ++blocks_seen_;
        TL_RETURN_IF_ERROR(
            on_block_(current_.index, all.substr(0, bm), all.substr(bm)));
      }
      return next_item();
    default:
      return make_error(code::internal, "vhd stream parser in a bad state");
  }
}

status stream_parser::on_header() {
  auto h = decode_header(buf_, target_);
  if (!h.ok()) return h.error();
  header_ = *h;
  TL_RETURN_IF_ERROR(check_dynamic(footer_, header_, "vhd stream"));
  if (header_.block_size > max_block_size)
    return make_error(code::corrupt, "vhd block size " +
                                         std::to_string(header_.block_size) +
                                         " is larger than 64 MiB");
  uint64_t tb = bat_bytes(header_.max_table_entries);
  if (tb > max_bat_bytes)
    return make_error(code::corrupt,
                      "vhd BAT of " +
                          std::to_string(header_.max_table_entries) +
                          " entries is larger than 64 MiB");
  sorted_ = false;
  items_.push_back({header_.table_offset, tb, item_kind::bat, 0});
  if (footer_.type == disk_type::differencing) {
    for (uint32_t i = 0; i < parent_locator_count; ++i) {
      const parent_locator& l = header_.locators[i];
      if (l.platform_code == 0 || l.data_length == 0) continue;
      if (l.data_length > max_locator_bytes)
        return make_error(code::corrupt, "vhd parent locator " +
                                             std::to_string(i) + " has " +
                                             std::to_string(l.data_length) +
                                             " bytes, more than 64 KiB");
      sorted_ = false;
      items_.push_back({l.data_offset, l.data_length, item_kind::locator, i});
    }
  }
  phase_ = phase::metadata;
  return next_item();
}

status stream_parser::on_bat() {
  bat_ = decode_bat(buf_, header_.max_table_entries);
  uint64_t bat_end = current_.offset + current_.size;
  uint64_t full = bitmap_bytes(header_.block_size) + header_.block_size;
  for (uint32_t i = 0; i < bat_.size(); ++i) {
    if (bat_[i] == bat_unused) continue;
    uint64_t at = uint64_t(bat_[i]) * sector_size;
    if (at < bat_end)
      return make_error(code::corrupt,
                        "vhd BAT entry " + std::to_string(i) + " (at byte " +
                            std::to_string(current_.offset + 4ull * i) +
                            ") points to byte " + std::to_string(at) +
                            ", before the end of the BAT");
    sorted_ = false;
    items_.push_back({at, full, item_kind::block, i});
  }
  phase_ = phase::blocks;
  return status::ok_status();
}

status stream_parser::next_item() {
  if (!sorted_) {  // once per batch of new items, not once per item
    std::sort(items_.begin(), items_.end(), [](const item& a, const item& b) {
      return a.offset > b.offset;  // the next item at the back
    });
    sorted_ = true;
  }
  if (items_.empty()) {
    if (phase_ != phase::blocks)
      return make_error(code::internal, "vhd stream has no BAT item");
    phase_ = phase::trailer;
    return status::ok_status();
  }
  current_ = items_.back();
  items_.pop_back();
  if (current_.offset < pos_) {
    std::string what = current_.kind == item_kind::block
                           ? "block " + std::to_string(current_.index)
                       : current_.kind == item_kind::bat
                           ? std::string("BAT")
                           : "parent locator " + std::to_string(current_.index);
    return make_error(
        code::corrupt,
        "vhd " + what + " at byte " + std::to_string(current_.offset) +
            " overlaps data already read (stream at byte " +
            std::to_string(pos_) + "); the stream is not in export order");
  }
  target_ = current_.offset;
  want_ = current_.size;
  if (on_block_ || current_.kind != item_kind::block)
    buf_.reserve(size_t(want_));
  return status::ok_status();
}

status stream_parser::finish() {
  if (phase_ == phase::failed)
    return make_error(code::aborted, where_ + ": vhd stream already failed");
  if (phase_ != phase::trailer) {
    std::string what = phase_ == phase::footer ? "the footer copy"
                       : phase_ == phase::header
                           ? "the dynamic header"
                           : "item at byte " + std::to_string(target_);
    return fail(make_error(code::corrupt, "vhd stream ended at byte " +
                                              std::to_string(pos_) +
                                              " inside or before " + what));
  }
  if (tail_.size() < footer_size)
    return fail(make_error(code::corrupt, "vhd stream ended at byte " +
                                              std::to_string(pos_) +
                                              " without its final footer"));
  if (tail_ != footer_bytes_) {
    auto f = decode_footer(tail_, pos_ - footer_size);
    if (!f.ok()) return fail(f.error());
    return fail(make_error(code::corrupt,
                           "vhd final footer at byte " +
                               std::to_string(pos_ - footer_size) +
                               " differs from the footer copy at byte 0"));
  }
  return status::ok_status();
}

}  // namespace tapeline::vhd
