// The RFC 5322 message of the email channel (docs/notifications.md
// "Email"): headers, then the text with CRLF line ends.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include "tapeline/notifier/channel.h"
#include "text.h"

namespace tapeline::notifier {
namespace {

// "Tue, 01 Jul 2025 06:00:00 +0000" (RFC 5322 §3.3), independent of locale.
std::string rfc5322_date(int64_t unix_seconds) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool plain_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c < 0x20) return false;
  return true;
}

std::string base64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                          reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(n);
  return out;
}

// RFC 2047 encoded words of at most 45 bytes each (60 in base64), cut on
// UTF-8 character boundaries, folded onto continuation lines.
std::string encode_header_text(const std::string& s) {
  if (plain_ascii(s)) return s;
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = std::min(s.size(), i + 45);
    while (end < s.size() && end > i + 1 &&
           (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
      --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// One line, no control characters, at most 200 bytes (header injection
// and overlong lines are impossible).
std::string one_line(const std::string& text) {
  std::string s = detail::one_line(text);
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

std::string crlf_body(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)
    out += "\r\n";
  return out;
}

}  // namespace

std::string format_email(const email_config& c, const message& m) {
  std::string to;
  for (const auto& r : c.to) to += (to.empty() ? "" : ", ") + one_line(r);
  std::string h;
  h += "Date: " + rfc5322_date(m.created_at) + "\r\n";
  h += "From: Tapeline <" + one_line(c.from) + ">\r\n";
  h += "To: " + to + "\r\n";
  h += "Message-ID: <tapeline." + std::to_string(m.id) + "." +
       std::to_string(m.created_at) + "@" + one_line(domain_of(c.from)) +
       ">\r\n";
  h += "Subject: " + encode_header_text("[tapeline] " + one_line(m.subject)) +
       "\r\n";
  h += "MIME-Version: 1.0\r\n";
  h += "Content-Type: text/plain; charset=utf-8\r\n";
  h += "Content-Transfer-Encoding: 8bit\r\n";
  h += "X-Tapeline-Event: " + one_line(m.kind) + "\r\n";
  h += "X-Tapeline-Notification: " + std::to_string(m.id) + "\r\n";
  return h + "\r\n" + crlf_body(m.text);
}

}  // namespace tapeline::notifier
