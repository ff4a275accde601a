// Parses a dynamic or differencing VHD as a forward-only byte stream, as
// XAPI's `/export_raw_vdi?format=vhd` sends it (docs/vhd.md §6): footer copy,
// dynamic header, parent locators and BAT, then blocks, then the footer.
//
// Push-style, so it can sit on any pipe: feed() bytes in chunks of any size
// as they arrive; the handler is called once per allocated block, in stream
// order, with its BAT index, sector bitmap and data. Items may come in any
// offset order the BAT allows (qemu appends blocks in write order); gaps are
// skipped; an item placed behind one already passed is an error, since the
// stream cannot seek back. finish() checks the trailing footer.
//
// Memory is bounded by one block (plus the BAT). Not thread-safe. The views
// passed to the handler are valid only during the call. After an error, the
// parser refuses further input.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tapeline/vhd/format.h"

namespace tapeline::vhd {

class stream_parser {
 public:
  using block_handler = std::function<status(
      uint32_t index, std::string_view bitmap, std::string_view data)>;

  // `where` names the stream in messages ("export of VDI 3f2a…"). With an
  // empty `on_block`, block data is checked for placement and counted but
  // neither copied nor handed out (a validating pass-through).
  stream_parser(block_handler on_block, std::string where);

  status feed(std::string_view bytes);
  // Call at end of stream. Fails when the stream ended early or its last 512
  // bytes are not the footer the stream began with.
  status finish();

  // Valid once the BAT has been parsed (always so inside the handler).
  bool headers_ready() const { return phase_ >= phase::blocks; }
  const vhd::footer& footer() const { return footer_; }
  const dynamic_header& header() const { return header_; }
  const std::vector<uint32_t>& bat() const { return bat_; }
  // Locator slot i's data, empty when the slot is unused.
  const std::string& locator_data(uint32_t i) const { return locators_.at(i); }
  uint64_t bytes_consumed() const { return pos_; }
  uint32_t blocks_seen() const { return blocks_seen_; }

 private:
  enum class phase { footer, header, metadata, blocks, trailer, failed };
  enum class item_kind { locator, bat, block };
  struct item {
    uint64_t offset;
    uint64_t size;
    item_kind kind;
    uint32_t index;  // locator slot or block index
  };
  status on_item_complete();
  status on_header();
  status on_bat();
  status next_item();
  status fail(status st);

  block_handler on_block_;
  std::string where_;
  phase phase_ = phase::footer;
  uint64_t pos_ = 0;     // bytes consumed
  uint64_t target_ = 0;  // offset where the wanted item starts
  uint64_t want_ = 0;    // its size
  std::string buf_;      // its bytes so far
  std::string footer_bytes_;
  std::string tail_;         // the last bytes after the final item
  std::vector<item> items_;  // ahead of us, sorted by offset (back = next)
  item current_{};
  vhd::footer footer_;
  dynamic_header header_;
  std::vector<uint32_t> bat_;
  std::array<std::string, parent_locator_count> locators_;
  uint32_t blocks_seen_ = 0;
  uint64_t skipped_ = 0;  // bytes of the current block counted (no handler)
  bool sorted_ = true;    // items_ is in order
};

}  // namespace tapeline::vhd
