#include "tapeline/xapi/import.h"

#include "curl_util.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"
#include "tapeline/xapi/task.h"

namespace tapeline::xapi {
namespace {

struct upload {
  const byte_source_fn* source;
  uint64_t size = 0;
  uint64_t sent = 0;
  status error;
  std::string answer;
  std::string location;
};

size_t on_read(char* buf, size_t size, size_t n, void* self) {
  auto* u = static_cast<upload*>(self);
  size_t cap = size * n;
  if (u->sent >= u->size) return 0;
  cap = static_cast<size_t>(std::min<uint64_t>(cap, u->size - u->sent));
  auto got = (*u->source)(buf, cap);
  if (!got) {
    u->error = got.error();
    return CURL_READFUNC_ABORT;
  }
  if (*got == 0) {
    u->error = make_error(code::invalid_argument,
                          "the source ended after " + std::to_string(u->sent) +
                              " of the " + std::to_string(u->size) +
                              " bytes announced");
    return CURL_READFUNC_ABORT;
  }
  u->sent += *got;
  return *got;
}

size_t on_write(char* p, size_t size, size_t n, void* self) {
  auto* u = static_cast<upload*>(self);
  if (u->answer.size() < 64 * 1024) u->answer.append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* self) {
  std::string v;
  if (detail::header_value(p, size * n, "Location", &v))
    static_cast<upload*>(self)->location = v;
  return size * n;
}

}  // namespace

status import_raw(client& c, const import_request& req,
                  const byte_source_fn& source) {
  std::string what =
      std::string(to_string(req.format)) + " import into " +
      (req.about.empty() ? "VDI " + short_ref(req.vdi) : req.about);
  auto session = c.session_ref();
  if (!session) return session.error();
  auto task = create_task(c, "tapeline " + what, what);
  if (!task) return task.error().with_context(what);
  const endpoint ep = c.current_endpoint();
  std::string url = make_url(ep, "/import_raw_vdi",
                             {{"session_id", *session},
                              {"task_id", *task},
                              {"vdi", req.vdi},
                              {"format", to_string(req.format)}});
  upload u;
  u.source = &source;
  u.size = req.size;
  char errbuf[CURL_ERROR_SIZE];
  auto easy = detail::new_easy();
  CURL* e = easy.get();
  detail::apply_transport(e, ep, errbuf);
  detail::slist_ptr headers(curl_slist_append(nullptr, "Expect:"));
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);  // PUT
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, curl_off_t(req.size));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, long(2 * 1024 * 1024));
  curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(e, CURLOPT_READDATA, &u);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &u);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &u);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 600L);
  log::get("xapi")->debug("PUT {}", redact_session(url));
  CURLcode rc = curl_easy_perform(e);
  long http = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);

  status st;
  if (!u.error.ok()) {
    st = u.error.with_context(what);
  } else if (http == 302 || http == 301 || http == 307) {
    st = make_error(code::unavailable,
                    what + ": XAPI redirects to " + u.location +
                        " (the VDI's storage is on that host); point the "
                        "agent at that host and import again");
  } else if (http != 0 && http != 200) {
    st = make_error(code::unavailable, what + " at " + ep.to_string() +
                                           ": HTTP " + std::to_string(http) +
                                           ": " + u.answer.substr(0, 500));
  } else if (rc != CURLE_OK) {
    st = detail::transport_error(rc, errbuf, ep, what);
  } else if (u.sent != req.size) {
    st = make_error(code::io_error, what + ": sent " + std::to_string(u.sent) +
                                        " of " + std::to_string(req.size) +
                                        " bytes");
  }
  // XAPI reports the outcome (e.g. VDI_TOO_LARGE) through the task.
  auto t = wait_task(
      c, *task, st.ok() ? req.task_timeout : std::chrono::milliseconds(2000));
  if (t && t->status == "failure") {
    status ts = task_status(*t, what);
    st = st.ok()
             ? ts
             : make_error(st.error_code(), st.message() + "; " + ts.message());
  } else if (st.ok() && !t) {
    st = t.error().with_context(what + ": reading the task");
  } else if (st.ok()) {
    st = task_status(*t, what);
  }
  status d = destroy_task(c, *task);
  if (!d.ok())
    log::get("xapi")->warn("{}: destroying its task: {}", what, d.message());
  if (st.ok())
    log::get("xapi")->info("{}: {} written", what, format_bytes(u.sent));
  return st;
}

}  // namespace tapeline::xapi
