#include "curl_easy.h"

#include <algorithm>
#include <mutex>

namespace tapeline::notifier::detail {

easy_ptr new_easy(char* errbuf, long timeout_ms, const std::string& cafile) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  easy_ptr c(curl_easy_init());
  if (!c) return c;
  errbuf[0] = '\0';
  curl_easy_setopt(c.get(), CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   std::min(timeout_ms, 30000L));
  if (!cafile.empty())
    curl_easy_setopt(c.get(), CURLOPT_CAINFO, cafile.c_str());
  return c;
}

std::string curl_detail(CURLcode rc, const char* errbuf) {
  return errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
}

}  // namespace tapeline::notifier::detail
