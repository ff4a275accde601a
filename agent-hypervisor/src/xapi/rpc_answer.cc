#include "tapeline/xapi/rpc_answer.h"

#include <algorithm>

namespace tapeline::xapi {

using nlohmann::json;

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629 §4: no
// overlong forms, no surrogates, nothing above U+10FFFF), 0 when none.
size_t utf8_length(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = at(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || at(1) < lo || at(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if ((at(k) & 0xC0) != 0x80) return 0;
  return n;
}

}  // namespace

std::string clip(std::string_view s, size_t max) {
  // Messages end up in JSON (tapeline-hv-agent --json), which must be
  // UTF-8: bytes that are not become '?', and a cut never splits a
  // character.
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = utf8_length(s, i);
    if (out.size() + std::max<size_t>(n, 1) > max) return out + "…";
    if (n == 0) {
      out += '?';
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

result<json> parse_rpc_answer(std::string_view body, const std::string& method,
                              const std::string& where, std::string_view about,
                              xapi_error* err) {
  const std::string what = "XAPI call " + method + " at " + where;
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(
        code::protocol_error,
        what + ": the answer is not a JSON-RPC object: " + clip(body));
  auto e = doc.find("error");
  if (e != doc.end() && !e->is_null()) {
    *err = parse_error_object(*e);
    return to_status(*err, method, about);
  }
  auto r = doc.find("result");
  if (r == doc.end())
    return make_error(
        code::protocol_error,
        what + ": JSON-RPC answer without result or error: " + clip(body));
  return std::move(*r);
}

}  // namespace tapeline::xapi
