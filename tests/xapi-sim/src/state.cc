#include "state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "model.h"

namespace xapi_sim {

using tapeline::code;
using tapeline::make_error;
using tapeline::status;

std::string new_uuid() {
  static std::mutex mu;
  static std::random_device rd;
  static std::mt19937_64 gen(rd());
  uint64_t a, b;
  {
    std::lock_guard<std::mutex> lk(mu);
    a = gen();
    b = gen();
  }
  a = (a & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant
  char buf[40];
  std::snprintf(
      buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
      static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
      static_cast<unsigned>(a & 0xffff), static_cast<unsigned>(b >> 48),
      static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

std::string new_ref() {
  return "OpaqueRef:" + new_uuid();
}

std::string xapi_time_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H:%M:%SZ", &tm);
  return buf;
}

json* state::find(const std::string& cls, const std::string& ref) {
  auto t = db.find(cls);
  if (t == db.end()) return nullptr;
  auto r = t->find(ref);
  return r == t->end() ? nullptr : &*r;
}

status state::save() {
  json out = json::object();
  out["format"] = "xapi-sim-state-1";
  out["user"] = user;
  out["password"] = password;
  out["vdi_limit"] = vdi_limit;
  json objs = db;
  objs.erase("task");  // XAPI's task and session tables do not persist
  objs.erase("session");
  out["objects"] = std::move(objs);
  out["layers"] = layers.to_json();
  out["vdi_leaf"] = vdi_leaf;
  const std::string path = dir_ + "/db.json";
  const std::string tmp = path + ".tmp";
  const std::string text = out.dump(1);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(code::io_error,
                      "cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t w = ::write(fd, text.data() + off, text.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      ::close(fd);
      return make_error(code::io_error,
                        "cannot write " + tmp + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(w);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(code::io_error,
                      "cannot rename " + tmp + ": " + std::strerror(errno));
  return status::ok_status();
}

tapeline::result<std::unique_ptr<state>> state::open(const std::string& dir) {
  const std::string path = dir + "/db.json";
  std::ifstream in(path);
  if (!in)
    return make_error(code::not_found,
                      "no simulator state at " + path +
                          "; create one with: xapi-sim init --state " + dir);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || j.value("format", "") != "xapi-sim-state-1")
    return make_error(code::corrupt, path +
                                         " is not an xapi-sim state file; "
                                         "remove the folder and run init");
  std::unique_ptr<state> s(new state(dir));
  s->user = j.value("user", "root");
  s->password = j.value("password", "");
  s->vdi_limit = j.value("vdi_limit", uint64_t{0});
  s->db = j["objects"];
  s->db["task"] = json::object();
  s->db["session"] = json::object();
  auto ls = layer_set::from_json(j["layers"]);
  if (!ls.ok()) return ls.error().with_context(path);
  s->layers = std::move(ls).value();
  s->vdi_leaf = j["vdi_leaf"].get<std::map<std::string, std::string>>();
  return s;
}

tapeline::result<std::unique_ptr<state>> state::create(const std::string& dir,
                                                       const init_options& o) {
  ::mkdir(dir.c_str(), 0700);
  const std::string layers_dir = dir + "/layers";
  if (::mkdir(layers_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(code::io_error, "cannot create " + layers_dir + ": " +
                                          std::strerror(errno));
  struct stat sb;
  if (::stat((dir + "/db.json").c_str(), &sb) == 0)
    return make_error(code::invalid_argument,
                      dir +
                          " already holds a simulator state; remove it "
                          "first or choose another --state folder");
  std::unique_ptr<state> s(new state(dir));
  s->user = o.user;
  s->password = o.password;
  s->vdi_limit = o.sr_size;
  for (const char* cls : {"pool", "host", "SR", "VM", "VBD", "VDI", "VIF",
                          "network", "task", "session"})
    s->db[cls] = json::object();
  TL_RETURN_IF_ERROR(populate_pool(*s, o));
  TL_RETURN_IF_ERROR(s->save());
  return s;
}

}  // namespace xapi_sim
