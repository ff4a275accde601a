#include "drive_source.h"

#include <algorithm>

#include "tapeline/tapefmt/layout.h"

namespace tapeline::tape {

drive_source::drive_source(drive::tape_drive* d)
    : drive_(d), buf_(new char[tapefmt::max_record_size]) {}

status drive_source::next_record() {
  auto r = drive_->read_record(buf_.get(), tapefmt::max_record_size);
  if (!r)
    return r.error().with_context("reading record " + std::to_string(records_));
  pos_ = len_ = 0;
  if (r->what == drive::read_outcome::record) {
    len_ = r->length;
    ++records_;
  } else {
    ended_ = true;
    filemark_ = r->what == drive::read_outcome::filemark;
    eod_ = r->what == drive::read_outcome::end_of_data;
  }
  return {};
}

result<std::string_view> drive_source::read(size_t max) {
  while (pos_ == len_ && !ended_) TL_RETURN_IF_ERROR(next_record());
  size_t k = std::min(max, len_ - pos_);
  std::string_view v(buf_.get() + pos_, k);
  pos_ += k;
  return v;
}

std::string drive_source::where() const {
  return "record " + std::to_string(records_ ? records_ - 1 : 0) +
         " of the tape file";
}

status drive_source::drain() {
  pos_ = len_;
  while (!ended_) TL_RETURN_IF_ERROR(next_record());
  return {};
}

}  // namespace tapeline::tape
