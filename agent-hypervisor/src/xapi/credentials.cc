#include "tapeline/xapi/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tapeline/common/config.h"

namespace tapeline::xapi {
namespace {

status check_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return make_error(errno == ENOENT ? code::not_found : code::io_error,
                      "XAPI credentials file " + path + ": " +
                          std::strerror(errno) +
                          "; create it with username and password, mode 600");
  }
  if (!S_ISREG(st.st_mode))
    return make_error(code::invalid_argument,
                      "XAPI credentials file " + path +
                          " is not a regular file; point the configuration "
                          "at the file itself");
  if (st.st_uid != ::geteuid())
    return make_error(code::permission_denied,
                      "XAPI credentials file " + path + " is owned by uid " +
                          std::to_string(st.st_uid) +
                          ", not by this process (uid " +
                          std::to_string(::geteuid()) + "); run: chown " +
                          std::to_string(::geteuid()) + " " + path);
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    return make_error(code::permission_denied,
                      "XAPI credentials file " + path +
                          " is accessible by group or others (mode " + mode +
                          "); run: chmod 600 " + path);
  }
  return {};
}

}  // namespace

result<credentials> read_credentials(const std::string& path) {
  TL_RETURN_IF_ERROR(check_file(path));
  auto root = config::load_file(path);
  if (!root) return root.error();
  credentials c;
  TL_RETURN_IF_ERROR(root->required_string("username", &c.username));
  TL_RETURN_IF_ERROR(root->required_string("password", &c.password));
  TL_RETURN_IF_ERROR(root->check_unknown_keys());
  if (c.username.empty())
    return make_error(code::invalid_argument,
                      root->where("username").to_string() +
                          ": username is empty; set the XAPI account, "
                          "e.g. username = \"root\"");
  return c;
}

}  // namespace tapeline::xapi
