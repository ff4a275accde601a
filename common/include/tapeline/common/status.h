// Errors as values (STYLE.md rule 3).
//
// `status` is a code plus an operator-readable message that says what failed,
// on what, and what to do next. `result<T>` is either a T or a non-ok status.
// Both are plain values: copyable, not thread-safe to mutate concurrently.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace tapeline {

enum class code {
  ok = 0,
  invalid_argument,  // bad input from a user or a peer
  not_found,
  io_error,       // EIO and other OS failures
  end_of_medium,  // no more room on the tape
  no_media,
  write_protected,
  corrupt,         // data failed a checksum or a format check
  protocol_error,  // a peer broke the wire protocol
  permission_denied,
  unavailable,  // a peer or device is not reachable now
  aborted,
  internal,
};

const char* to_string(code c);

class status {
 public:
  status() = default;
  status(code c, std::string msg) : code_(c), msg_(std::move(msg)) {}

  static status ok_status() { return {}; }
  bool ok() const { return code_ == code::ok; }
  explicit operator bool() const { return ok(); }
  tapeline::code error_code() const { return code_; }
  const std::string& message() const { return msg_; }
  // "io_error: <message>"
  std::string to_string() const;

  // Returns a copy whose message is prefixed with `context: `.
  status with_context(const std::string& context) const {
    return ok() ? *this : status(code_, context + ": " + msg_);
  }

 private:
  tapeline::code code_ = code::ok;
  std::string msg_;
};

inline status make_error(code c, std::string msg) {
  return {c, std::move(msg)};
}

template <class T>
class result {
 public:
  result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  result(status err) : err_(std::move(err)) {    // NOLINT
    assert(!err_.ok());
  }
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  // The error; an ok status when a value is held.
  const status& error() const { return err_; }

 private:
  std::optional<T> value_;
  status err_;
};

}  // namespace tapeline

// Propagates a non-ok status from an expression returning `status`.
#define TL_RETURN_IF_ERROR(expr)        \
  do {                                  \
    ::tapeline::status _tl_st = (expr); \
    if (!_tl_st.ok()) return _tl_st;    \
  } while (0)
