// The virtual drive: st semantics over a cartridge file (cartridge_file.h)
// and the LTO speed model (speed_model.h). docs/virtual-drive.md.
#include "tapeline/drive/virtual_drive.h"

#include <chrono>
#include <optional>
#include <thread>

#include "cartridge_file.h"
#include "tapeline/common/clock.h"
#include "tapeline/drive/speed_model.h"

namespace tapeline::drive {
namespace {

constexpr size_t max_record = 64u << 20;

void system_sleep(double s) {
  if (s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace

struct virtual_drive::impl {
  virtual_drive_options opts;
  std::optional<cartridge_file> cart;  // open cartridge in the slot
  size_t pos = 0;                      // head: entry index
  bool ew_signalled = false;  // written_early_warning given at this pass
  bool enospc_due = false;    // the next write returns not_written_eom
  bool writing = false;       // the last operation was a record write
  speed_model speed;
  uint64_t past_backhitches = 0;  // of cartridges already ejected

  explicit impl(virtual_drive_options o)
      : opts(std::move(o)), speed(opts.speed) {
    if (!opts.now) opts.now = monotonic_seconds;
    if (!opts.sleep_for) opts.sleep_for = system_sleep;
  }

  std::string where() const {
    std::string s = "virtual drive " + opts.name;
    if (cart) s += " (cartridge " + cart->header().spec.barcode + ")";
    return s;
  }
  status error(code c, const std::string& what) const {
    return make_error(c, where() + ": " + what);
  }

  // The cartridge file in the slot, if any.
  result<std::string> slot_cartridge() const {
    auto names = list_cartridges(opts.slot_dir);
    if (!names) return names.error();
    if (names->empty()) return std::string();
    return cartridge_path(opts.slot_dir, names->front());
  }

  // Opens the cartridge in the slot at BOT; code::no_media when empty.
  status ensure_open() {
    if (cart) return {};
    auto path = slot_cartridge();
    if (!path) return path.error();
    if (path->empty())
      return error(code::no_media,
                   "no tape loaded; load a cartridge first "
                   "(tapeline-vtape load)");
    cart.emplace();
    status st = cart->open(*path, true);
    if (!st.ok()) {
      cart.reset();
      return st.with_context(where());
    }
    reposition(0);
    return {};
  }

  void reposition(size_t p) {
    pos = p;
    writing = false;
    ew_signalled = false;
    enospc_due = false;
  }

  void pace_write(size_t n) {
    if (!opts.speed.enabled) return;
    opts.sleep_for(speed.on_write(opts.now(), n));
  }
  void flush() {
    if (!opts.speed.enabled) return;
    opts.sleep_for(speed.on_flush(opts.now()));
  }
  // As st does before a rewind, unload or backward space that follows a
  // write: close the file being written with a filemark.
  status close_written_file() {
    if (!writing) return {};
    writing = false;
    flush();
    TL_RETURN_IF_ERROR(cart->write_filemarks(pos, 1));
    ++pos;
    return {};
  }

  bool past_early_warning(size_t p) const {
    const auto& s = cart->header().spec;
    return cart->data_before(p) + s.early_warning_bytes >= s.capacity_bytes;
  }

  status check_faults_before_write();
  result<write_outcome> write_record(const void* data, size_t n);
  result<read_result> read_record(void* buf, size_t cap);
  status space_forward(unsigned n);
  status space_back(unsigned n);
  status unload_to_shelf();
};

status virtual_drive::impl::check_faults_before_write() {
  auto h = cart->header();
  auto block = static_cast<int64_t>(pos);
  if (h.faults.removed_at_record == block) {
    h.faults.removed_at_record = -1;  // a cartridge is pulled once
    TL_RETURN_IF_ERROR(cart->store_header(h));
    std::string barcode = h.spec.barcode;
    writing = false;  // pulled: no filemark gets written
    TL_RETURN_IF_ERROR(unload_to_shelf());
    return make_error(code::no_media,
                      "virtual drive " + opts.name + ": cartridge " + barcode +
                          " was removed while writing record " +
                          std::to_string(block) +
                          "; reload it and append after the last complete "
                          "tape file");
  }
  if (h.faults.eio_at_record == block)
    return error(code::io_error,
                 "write error (EIO) at record " + std::to_string(block) +
                     " (injected fault); the tape is bad at this spot");
  return {};
}

result<write_outcome> virtual_drive::impl::write_record(const void* data,
                                                        size_t n) {
  TL_RETURN_IF_ERROR(ensure_open());
  if (n == 0 || n > max_record)
    return error(code::invalid_argument, "record size " + std::to_string(n) +
                                             " is outside 1.." +
                                             std::to_string(max_record));
  const auto& spec = cart->header().spec;
  if (spec.write_protected)
    return error(code::write_protected,
                 "cartridge is write-protected; use another tape or "
                 "tapeline-vtape protect ... off");
  if (enospc_due) {
    enospc_due = false;
    return write_outcome::not_written_eom;
  }
  TL_RETURN_IF_ERROR(check_faults_before_write());
  if (cart->data_before(pos) + n > spec.capacity_bytes)
    return error(code::end_of_medium,
                 "physical end of medium: a " + std::to_string(n) +
                     "-byte record does not fit; continue on another tape");
  pace_write(n);
  TL_RETURN_IF_ERROR(cart->write_record(pos, data, n));
  ++pos;
  writing = true;
  if (!past_early_warning(pos)) return write_outcome::written;
  if (!ew_signalled) enospc_due = true;
  ew_signalled = true;
  return write_outcome::written_early_warning;
}

result<read_result> virtual_drive::impl::read_record(void* buf, size_t cap) {
  TL_RETURN_IF_ERROR(ensure_open());
  if (pos >= cart->entry_count())
    return read_result{read_outcome::end_of_data, 0};
  size_t p = pos;
  reposition(p + 1);  // as st: even a failed read moves past the block
  if (cart->is_filemark(p)) return read_result{read_outcome::filemark, 0};
  uint64_t len = cart->length(p);
  if (cart->header().faults.corrupt_at_record == static_cast<int64_t>(p))
    return error(code::io_error, "read error (EIO) at record " +
                                     std::to_string(p) +
                                     " (injected bad tape)");
  if (len > cap)
    return error(code::corrupt, "record " + std::to_string(p) + " holds " +
                                    std::to_string(len) +
                                    " bytes, more than the " +
                                    std::to_string(cap) + "-byte buffer");
  TL_RETURN_IF_ERROR(cart->read_payload(p, buf));
  return read_result{read_outcome::record, static_cast<size_t>(len)};
}

status virtual_drive::impl::space_forward(unsigned n) {
  size_t k = cart->filemarks_before(pos);  // next filemark at or after pos
  if (k + n > cart->filemark_count()) {
    reposition(cart->entry_count());
    return error(code::io_error, "spacing forward " + std::to_string(n) +
                                     " file(s) ran into end of data");
  }
  reposition(cart->filemark_index(k + n - 1) + 1);
  return {};
}

status virtual_drive::impl::space_back(unsigned n) {
  size_t k = cart->filemarks_before(pos);  // filemarks behind the head
  if (n > k) {
    reposition(0);
    return error(code::io_error, "spacing back " + std::to_string(n) +
                                     " file(s) ran into beginning of tape");
  }
  reposition(cart->filemark_index(k - n));  // BOT side of the filemark
  return {};
}

status virtual_drive::impl::unload_to_shelf() {
  TL_RETURN_IF_ERROR(close_written_file());
  flush();
  past_backhitches += speed.backhitches();
  speed = speed_model(opts.speed);
  std::string from = cart->path();
  std::string barcode = cart->header().spec.barcode;
  cart.reset();
  return move_file(from, cartridge_path(opts.library_dir, barcode))
      .with_context("virtual drive " + opts.name + ": cannot eject " + barcode);
}

virtual_drive::virtual_drive(virtual_drive_options opts)
    : impl_(std::make_unique<impl>(std::move(opts))) {}

// Like closing an st device: a file being written gets its filemark.
virtual_drive::~virtual_drive() {
  if (impl_->cart) (void)impl_->close_written_file();
}

std::string virtual_drive::describe() const {
  return "virtual:" + impl_->opts.name;
}

status virtual_drive::load(const std::string& barcode) {
  auto& d = *impl_;
  auto in_slot = d.slot_cartridge();
  if (!in_slot) return in_slot.error();
  if (!in_slot->empty())
    return d.error(code::invalid_argument, "cannot load " + barcode +
                                               ": the slot already holds " +
                                               *in_slot + "; eject it first");
  std::string from = cartridge_path(d.opts.library_dir, barcode);
  status st = move_file(from, cartridge_path(d.opts.slot_dir, barcode));
  if (!st.ok())
    return st.with_context("virtual drive " + d.opts.name +
                           ": cannot load cartridge " + barcode +
                           " from the shelf " + d.opts.library_dir);
  return d.ensure_open();
}

status virtual_drive::open() {
  return impl_->ensure_open();
}

result<drive_info> virtual_drive::info() {
  auto& d = *impl_;
  drive_info i;
  status st = d.ensure_open();
  if (st.error_code() == code::no_media) return i;
  TL_RETURN_IF_ERROR(st);
  const auto& c = *d.cart;
  i.loaded = true;
  i.write_protected = c.header().spec.write_protected;
  i.volume_hint = c.header().spec.barcode;
  size_t files = c.filemarks_before(d.pos);
  size_t file_start = files == 0 ? 0 : c.filemark_index(files - 1) + 1;
  i.position.file_number = static_cast<int64_t>(files);
  i.position.block_number = static_cast<int64_t>(d.pos - file_start);
  i.position.bot = d.pos == 0;
  i.position.eod = d.pos == c.entry_count();
  i.position.early_warning = d.past_early_warning(d.pos);
  return i;
}

result<write_outcome> virtual_drive::write_record(const void* data, size_t n) {
  return impl_->write_record(data, n);
}

result<read_result> virtual_drive::read_record(void* buf, size_t cap) {
  return impl_->read_record(buf, cap);
}

status virtual_drive::write_filemarks(unsigned n) {
  auto& d = *impl_;
  TL_RETURN_IF_ERROR(d.ensure_open());
  if (d.cart->header().spec.write_protected)
    return d.error(code::write_protected,
                   "cannot write a filemark: the cartridge is "
                   "write-protected");
  d.flush();
  if (n == 0) return {};  // MTWEOF 0: flush only
  TL_RETURN_IF_ERROR(d.cart->write_filemarks(d.pos, n));
  d.pos += n;
  d.writing = false;
  return {};
}

status virtual_drive::space_files(int n) {
  auto& d = *impl_;
  TL_RETURN_IF_ERROR(d.ensure_open());
  if (n < 0) TL_RETURN_IF_ERROR(d.close_written_file());
  d.flush();
  if (n > 0) return d.space_forward(static_cast<unsigned>(n));
  if (n < 0) return d.space_back(static_cast<unsigned>(-(int64_t)n));
  return {};
}

status virtual_drive::space_to_eod() {
  auto& d = *impl_;
  TL_RETURN_IF_ERROR(d.ensure_open());
  d.flush();
  d.reposition(d.cart->entry_count());
  return {};
}

status virtual_drive::rewind() {
  auto& d = *impl_;
  TL_RETURN_IF_ERROR(d.ensure_open());
  TL_RETURN_IF_ERROR(d.close_written_file());
  d.flush();
  d.reposition(0);
  return {};
}

status virtual_drive::eject() {
  auto& d = *impl_;
  TL_RETURN_IF_ERROR(d.ensure_open());
  return d.unload_to_shelf();
}

uint64_t virtual_drive::backhitches() const {
  return impl_->past_backhitches + impl_->speed.backhitches();
}

}  // namespace tapeline::drive
