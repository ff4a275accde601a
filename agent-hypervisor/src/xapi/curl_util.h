// libcurl plumbing shared by the JSON-RPC client, the export reader and the
// import: handle ownership, the transport settings of an endpoint, and
// messages. Internal to tapeline_xapi.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/xapi/endpoint.h"

namespace tapeline::xapi::detail {

struct easy_deleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using easy_ptr = std::unique_ptr<CURL, easy_deleter>;
struct slist_deleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// A new easy handle, after curl_global_init (once per process).
easy_ptr new_easy();

// Sets the URL-independent transport options of `ep`: the unix socket, TLS
// verification (CA file or insecure), connect timeout, no signals.
// `errbuf` (CURL_ERROR_SIZE) receives libcurl's detailed messages.
void apply_transport(CURL* c, const endpoint& ep, char* errbuf);

// "Could not connect to https://h:443 (Connection refused)" plus what to do.
status transport_error(CURLcode rc, const char* errbuf, const endpoint& ep,
                       const std::string& what);

// A header line's value when it is `name: value` (case-insensitive name),
// else "" and false.
bool header_value(const char* line, size_t len, const char* name,
                  std::string* value);

}  // namespace tapeline::xapi::detail
