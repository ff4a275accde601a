// Small text helpers of the channels. Private to tapeline_notifier.
#pragma once

#include <string>
#include <vector>

namespace tapeline::notifier::detail {

// How a channel's URL appears in messages: scheme, host and port only. A
// webhook's path or query is often its secret (e.g. chat services), and a
// user:password@ part always is.
// "https://user:pw@hooks.example.org:8443/T0/B1/xyz?k=v" ->
// "https://hooks.example.org:8443".
std::string url_origin(const std::string& url);

// `s` on one line: CR, LF and tab become spaces, trailing spaces go.
std::string one_line(std::string s);

// Whether a channel with this `events` filter (empty: all) carries `kind`.
bool wanted(const std::vector<std::string>& events, const std::string& kind);

}  // namespace tapeline::notifier::detail
