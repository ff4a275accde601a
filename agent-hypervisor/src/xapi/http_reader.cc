#include "tapeline/xapi/http_reader.h"

#include <algorithm>
#include <cstring>

#include "curl_util.h"
#include "tapeline/common/log.h"
#include "tapeline/common/units.h"

namespace tapeline::xapi {
namespace {

constexpr size_t max_error_body = 64 * 1024;
constexpr int max_redirects = 3;

std::shared_ptr<spdlog::logger> lg() {
  return log::get("xapi");
}

struct multi_deleter {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

// "https://host:port/path?q" -> host part "host:port" and path "/path".
bool split_location(const std::string& loc, std::string* hostport,
                    std::string* path) {
  auto scheme = loc.find("://");
  if (scheme == std::string::npos) return false;
  auto start = scheme + 3;
  auto slash = loc.find_first_of("/?", start);
  *hostport = loc.substr(
      start, slash == std::string::npos ? std::string::npos : slash - start);
  std::string rest = slash == std::string::npos ? "/" : loc.substr(slash);
  *path = rest.substr(0, rest.find('?'));
  return !hostport->empty();
}

}  // namespace

const char* to_string(vdi_format f) {
  return f == vdi_format::raw ? "raw" : "vhd";
}

struct http_reader::impl {
  client* c = nullptr;
  std::string what;  // "export of disk 1 of VM web01"
  std::string path;  // "/export_raw_vdi"
  query q;           // session_id, task_id, ...
  std::string task;
  bool own_task = false;
  std::chrono::milliseconds task_timeout{60000};

  endpoint ep;
  detail::easy_ptr easy;
  std::unique_ptr<CURLM, multi_deleter> multi;
  char errbuf[CURL_ERROR_SIZE];

  // The answer.
  long http_status = 0;
  std::string reason, location, ctype, error_body;
  bool headers_done = false;
  bool done = false;  // the transfer ended (rc says how)
  CURLcode rc = CURLE_OK;

  // The body: read() points dst at the caller's buffer.
  char* dst = nullptr;
  size_t dst_cap = 0, dst_len = 0;
  std::string spill;  // bytes of one callback that did not fit
  size_t spill_pos = 0;
  bool paused = false;
  uint64_t bytes = 0;

  bool finished = false;  // read() returned 0 or an error
  status final_error;
  task_state final;

  ~impl() { stop(); }

  void stop() {
    if (easy && multi) curl_multi_remove_handle(multi.get(), easy.get());
    easy.reset();
  }

  static size_t on_header(char* p, size_t size, size_t n, void* self) {
    auto* s = static_cast<impl*>(self);
    size_t len = size * n;
    std::string v;
    if (len >= 5 && std::strncmp(p, "HTTP/", 5) == 0) {
      // A new answer (after a 100 Continue, too): start over.
      s->headers_done = false;
      s->location.clear();
      const char* sp = static_cast<const char*>(std::memchr(p, ' ', len));
      s->http_status = sp ? std::strtol(sp + 1, nullptr, 10) : 0;
      s->reason.clear();
      if (sp && sp + 5 < p + len) {
        s->reason.assign(sp + 5, p + len - (sp + 5));
        while (!s->reason.empty() &&
               (s->reason.back() == '\r' || s->reason.back() == '\n'))
          s->reason.pop_back();
      }
    } else if (detail::header_value(p, len, "Location", &v)) {
      s->location = v;
    } else if (detail::header_value(p, len, "Content-Type", &v)) {
      s->ctype = v;
    } else if ((len == 2 && p[0] == '\r') || (len == 1 && p[0] == '\n')) {
      if (s->http_status >= 200) s->headers_done = true;
    }
    return len;
  }

  static size_t on_write(char* p, size_t size, size_t n, void* self) {
    auto* s = static_cast<impl*>(self);
    size_t len = size * n;
    if (s->http_status != 200) {
      size_t room =
          max_error_body - std::min(max_error_body, s->error_body.size());
      s->error_body.append(p, std::min(room, len));
      return len;
    }
    if (!s->dst || s->dst_len == s->dst_cap) {
      s->paused = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    size_t take = std::min(len, s->dst_cap - s->dst_len);
    std::memcpy(s->dst + s->dst_len, p, take);
    s->dst_len += take;
    if (take < len) {
      // read() drains the spill before it runs the transfer again, so the
      // spill is empty here.
      s->spill.assign(p + take, len - take);
      s->spill_pos = 0;
    }
    return len;
  }

  status start(const std::string& url) {
    stop();
    easy = detail::new_easy();
    if (!multi) multi.reset(curl_multi_init());
    if (!easy || !multi)
      return make_error(code::internal, "libcurl: out of memory for " + what);
    http_status = 0;
    headers_done = done = false;
    error_body.clear();
    CURL* e = easy.get();
    detail::apply_transport(e, ep, errbuf);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, long(CURL_MAX_READ_SIZE));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
    // A stalled export (no byte for 10 minutes) is an error, not a hang.
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 600L);
    curl_multi_add_handle(multi.get(), e);
    lg()->debug("GET {}", redact_session(url));
    return {};
  }

  // One turn of the transfer; waits for the socket when `wait`.
  status step(bool wait) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi.get(), &running);
    if (mc != CURLM_OK)
      return make_error(code::internal,
                        what + ": libcurl multi: " + curl_multi_strerror(mc));
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi.get(), &left)) {
      if (m->msg == CURLMSG_DONE && m->easy_handle == easy.get()) {
        done = true;
        rc = m->data.result;
      }
    }
    if (!done && wait) {
      mc = curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
      if (mc != CURLM_OK)
        return make_error(code::internal,
                          what + ": libcurl multi: " + curl_multi_strerror(mc));
    }
    return {};
  }

  void unpause() {
    if (!paused) return;
    paused = false;
    curl_easy_pause(easy.get(), CURLPAUSE_CONT);
  }

  status transport_failure() {
    return detail::transport_error(rc, errbuf, ep, what)
        .with_context("after " + std::to_string(bytes) + " bytes");
  }

  // Runs the transfer until the answer's headers are in (or it ended), and
  // follows redirects; a non-200 answer becomes an error.
  status open() {
    for (int hops = 0;; ++hops) {
      TL_RETURN_IF_ERROR(start(make_url(ep, path, q)));
      while (!headers_done && !done) TL_RETURN_IF_ERROR(step(true));
      if (!headers_done && done && rc != CURLE_OK) return transport_failure();
      if (http_status == 200) return {};
      // Anything else has a short body: take it all for the message.
      unpause();
      while (!done) TL_RETURN_IF_ERROR(step(true));
      std::string hostport, new_path;
      if ((http_status == 302 || http_status == 301 || http_status == 307) &&
          hops < max_redirects &&
          split_location(location, &hostport, &new_path)) {
        endpoint next = with_host(ep, hostport);
        lg()->info("{}: {} redirects to {} (the disk's storage is there)", what,
                   ep.to_string(), next.to_string());
        ep = next;
        path = new_path;
        continue;
      }
      return http_failure();
    }
  }

  status http_failure() {
    std::string body = error_body;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.pop_back();
    std::string msg = what + " at " + ep.to_string() + ": HTTP " +
                      std::to_string(http_status) +
                      (reason.empty() ? "" : " " + reason) +
                      (body.empty() ? "" : ": " + body.substr(0, 500));
    // XAPI records why in the task when it can.
    if (!task.empty()) {
      auto t = read_task(*c, task);
      if (t && t->status == "failure")
        msg += "; " + task_status(*t, what).message();
    }
    if (http_status == 401 || http_status == 403)
      return make_error(code::permission_denied,
                        msg +
                            "; the session was refused: check the XAPI "
                            "account's role");
    if (http_status == 404)
      return make_error(code::not_found,
                        msg + "; check the object and the format");
    return make_error(code::unavailable,
                      msg + "; see XAPI's log (/var/log/xensource.log)");
  }

  // The end of the body: was it the whole body?
  status at_end() {
    if (rc != CURLE_OK) return transport_failure();
    stop();
    if (task.empty()) return {};
    auto t = wait_task(*c, task, task_timeout);
    if (!t) return t.error().with_context(what + ": reading the task");
    final = *t;
    status st = task_status(*t, what);
    if (!st.ok())
      return st.with_context(what + " ended after " + std::to_string(bytes) +
                             " bytes");
    lg()->info("{}: {} done ({} bytes)", what, format_bytes(bytes), bytes);
    return {};
  }

  result<size_t> read(char* buf, size_t cap) {
    if (finished) {
      if (!final_error.ok()) return final_error;
      return size_t{0};
    }
    size_t n = 0;
    if (spill_pos < spill.size()) {
      n = std::min(cap, spill.size() - spill_pos);
      std::memcpy(buf, spill.data() + spill_pos, n);
      spill_pos += n;
      if (spill_pos == spill.size()) spill.clear(), spill_pos = 0;
      if (n == cap) {
        bytes += n;
        return n;
      }
    }
    dst = buf;
    dst_cap = cap;
    dst_len = n;
    status st;
    while (st.ok() && dst_len < dst_cap && !done) {
      unpause();
      if (dst_len == dst_cap) break;
      st = step(false);
      if (!st.ok() || dst_len > 0 || done) break;
      st = step(true);
    }
    dst = nullptr;
    bytes += dst_len;
    if (st.ok() && dst_len > 0) return dst_len;
    finished = true;
    final_error = st.ok() ? at_end() : st;
    if (own_task && !task.empty()) {
      status d = destroy_task(*c, task);
      if (!d.ok()) lg()->warn("{}: destroying its task: {}", what, d.message());
      own_task = false;
    }
    if (!final_error.ok()) return final_error;
    return size_t{0};
  }
};

http_reader::http_reader(std::unique_ptr<impl> p) : p_(std::move(p)) {}

http_reader::~http_reader() {
  if (!p_) return;
  p_->stop();
  if (p_->own_task && !p_->task.empty()) {
    if (!p_->finished)
      lg()->warn("{}: abandoned after {} bytes", p_->what, p_->bytes);
    status d = destroy_task(*p_->c, p_->task);
    if (!d.ok())
      lg()->warn("{}: destroying its task: {}", p_->what, d.message());
  }
}

result<size_t> http_reader::read(char* buf, size_t cap) {
  return p_->read(buf, cap);
}
uint64_t http_reader::bytes_read() const {
  return p_->bytes;
}
const std::string& http_reader::content_type() const {
  return p_->ctype;
}
const std::string& http_reader::task() const {
  return p_->task;
}
const task_state& http_reader::final_task() const {
  return p_->final;
}

namespace {

result<std::unique_ptr<http_reader>> open_get(
    client& c, std::string what, std::string path, query extra,
    std::string task, std::chrono::milliseconds task_timeout) {
  auto session = c.session_ref();
  if (!session) return session.error();
  auto p = std::make_unique<http_reader::impl>();
  p->c = &c;
  p->what = std::move(what);
  p->path = std::move(path);
  p->task_timeout = task_timeout;
  if (task.empty()) {
    auto t = create_task(c, "tapeline " + p->what, p->what);
    if (!t) return t.error().with_context(p->what);
    task = *t;
    p->own_task = true;
  }
  p->task = task;
  p->ep = c.current_endpoint();
  p->q = {{"session_id", *session}, {"task_id", task}};
  for (auto& kv : extra) p->q.push_back(std::move(kv));
  status st = p->open();
  if (!st.ok()) {
    p->stop();
    if (p->own_task) {
      status d = destroy_task(c, p->task);
      if (!d.ok())
        lg()->warn("{}: destroying its task: {}", p->what, d.message());
      p->own_task = false;
    }
    return st;
  }
  // The reader owns the task from here: its destructor destroys it.
  return std::make_unique<http_reader>(std::move(p));
}

}  // namespace

result<std::unique_ptr<http_reader>> open_export(client& c,
                                                 const export_request& req) {
  std::string about =
      req.about.empty() ? "VDI " + short_ref(req.vdi) : req.about;
  std::string what = std::string(to_string(req.format)) + " export of " + about;
  if (req.base) what += " (delta against " + short_ref(*req.base) + ")";
  query q = {{"vdi", req.vdi}, {"format", to_string(req.format)}};
  if (req.base) q.emplace_back("base", *req.base);
  return open_get(c, what, "/export_raw_vdi", std::move(q), req.task,
                  req.task_timeout);
}

result<std::unique_ptr<http_reader>> open_xmldbdump(client& c) {
  return open_get(c, "pool database dump", "/pool/xmldbdump", {}, {},
                  std::chrono::milliseconds(60000));
}

}  // namespace tapeline::xapi
