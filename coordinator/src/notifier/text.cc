#include "text.h"

#include <algorithm>

namespace tapeline::notifier::detail {

std::string url_origin(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return "<url>";
  auto start = sep + 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority = url.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  auto at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  return url.substr(0, start) + authority;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool wanted(const std::vector<std::string>& events, const std::string& kind) {
  return events.empty() ||
         std::find(events.begin(), events.end(), kind) != events.end();
}

}  // namespace tapeline::notifier::detail
