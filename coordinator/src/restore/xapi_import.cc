#include "tapeline/restore/xapi_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "tapeline/xapi/client.h"
#include "tapeline/xapi/credentials.h"
#include "tapeline/xapi/endpoint.h"
#include "tapeline/xapi/import.h"

namespace tapeline::restore {

using nlohmann::json;

result<std::string> import_to_xapi(const xapi_options& x,
                                   const import_spec& spec) {
  auto ep = xapi::parse_endpoint(x.url);
  if (!ep) return ep.error();
  ep->cafile = x.cafile;
  auto creds = xapi::read_credentials(x.credentials);
  if (!creds) return creds.error();
  int fd = ::open(spec.raw_path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat sb {};
  if (fd < 0 || ::fstat(fd, &sb) != 0) {
    std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return make_error(code::io_error, "cannot read the restored disk " +
                                          spec.raw_path + ": " + why);
  }
  const uint64_t size = static_cast<uint64_t>(sb.st_size);
  xapi::client c(*ep, *creds);
  const std::string sr_about = "SR " + spec.sr_uuid;
  auto sr = c.call("SR.get_by_uuid", json::array({spec.sr_uuid}), sr_about);
  if (!sr) {
    ::close(fd);
    return sr.error().with_context(
        "looking up the target SR (check the "
        "uuid: xe sr-list)");
  }
  json rec = {{"name_label", spec.name_label},
              {"name_description", spec.description},
              {"SR", *sr},
              {"virtual_size", std::to_string(size)},
              {"type", "user"},
              {"sharable", false},
              {"read_only", false},
              {"other_config", json::object()},
              {"xenstore_data", json::object()},
              {"sm_config", json::object()},
              {"tags", json::array()}};
  auto vdi = c.call("VDI.create", json::array({rec}), sr_about);
  if (!vdi) {
    ::close(fd);
    return vdi.error().with_context("creating a " + std::to_string(size) +
                                    "-byte VDI on " + sr_about);
  }
  xapi::import_request req;
  req.vdi = vdi->get<std::string>();
  req.format = xapi::vdi_format::raw;
  req.size = size;
  req.about = "restored VDI " + spec.name_label;
  auto source = [fd](char* buf, size_t cap) -> result<size_t> {
    for (;;) {
      ssize_t n = ::read(fd, buf, cap);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return make_error(code::io_error, std::string("reading the restored "
                                                      "disk: ") +
                                              std::strerror(errno));
      return static_cast<size_t>(n);
    }
  };
  status st = xapi::import_raw(c, req, source);
  ::close(fd);
  if (!st) {
    (void)c.call("VDI.destroy", json::array({*vdi}), "the new VDI");
    return st.with_context("importing into a new VDI on " + sr_about +
                           " (the VDI was destroyed again)");
  }
  auto uuid = c.call("VDI.get_uuid", json::array({*vdi}), "the new VDI");
  if (!uuid) return uuid.error();
  return uuid->get<std::string>();
}

}  // namespace tapeline::restore
