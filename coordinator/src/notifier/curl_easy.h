// libcurl handles for the email and webhook channels. Private to
// tapeline_notifier.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "tapeline/common/status.h"

namespace tapeline::notifier::detail {

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using easy_ptr = std::unique_ptr<CURL, easy_deleter>;
struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// A new easy handle (curl_global_init once per process) with no signals,
// the error buffer `errbuf` (CURL_ERROR_SIZE), the overall timeout, the
// connect timeout (at most the overall one) and the CA file when given.
easy_ptr new_easy(char* errbuf, long timeout_ms, const std::string& cafile);

// libcurl's detail for `rc`: the error buffer, else curl_easy_strerror.
std::string curl_detail(CURLcode rc, const char* errbuf);

}  // namespace tapeline::notifier::detail
