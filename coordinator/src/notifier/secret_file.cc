// Secret files (SMTP credentials, webhook token): readable by their owner
// only. The same rule as the hv agent's XAPI credentials file.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tapeline/notifier/config.h"

namespace tapeline::notifier {

result<std::string> read_secret_file(const std::string& path,
                                     const std::string& what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return make_error(errno == ENOENT ? code::not_found : code::io_error,
                      what + " " + path + ": " + std::strerror(errno) +
                          "; create it, mode 600, or remove the setting");
  if (!S_ISREG(st.st_mode))
    return make_error(code::invalid_argument,
                      what + " " + path +
                          " is not a regular file; point the configuration "
                          "at the file itself");
  if (st.st_uid != ::geteuid())
    return make_error(
        code::permission_denied,
        what + " " + path + " is owned by uid " + std::to_string(st.st_uid) +
            ", not by this process (uid " + std::to_string(::geteuid()) +
            "); run: chown " + std::to_string(::geteuid()) + " " + path);
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    return make_error(code::permission_denied,
                      what + " " + path +
                          " is accessible by group or others (mode " + mode +
                          "); run: chmod 600 " + path);
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof())
    return make_error(code::io_error, what + " " + path + ": cannot read it");
  return ss.str();
}

}  // namespace tapeline::notifier
