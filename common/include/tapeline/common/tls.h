// TLS options for CAF's openssl module: this process's certificate and key,
// and the site CA that every peer's certificate must chain to.
//
// Roles (docs/configuration.md, "Certificates and roles"): a certificate's
// subject carries exactly one OU, which is its role: "coordinator",
// "hv-agent", "tape-agent" or "operator". deploy/pki.sh issues such
// certificates. Each role is allowed only its own calls.
//
// All functions are thread-safe; they read files and touch no global state.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "tapeline/common/config.h"
#include "tapeline/common/status.h"

typedef struct x509_st X509;

namespace tapeline {

struct tls_options {
  std::string certificate;  // PEM file: this process's certificate
  std::string key;          // PEM file: its private key, mode 0600
  std::string cafile;       // PEM file: the site CA certificate
  std::string passphrase;   // for an encrypted key; empty when not. Secret.
};

// The roles, in the spelling of the certificate's OU.
constexpr const char* known_roles[] = {"coordinator", "hv-agent", "tape-agent",
                                       "operator"};
bool is_known_role(std::string_view role);

// Reads a [tls] table: certificate, key, cafile (paths relative to the
// configuration file) and the optional passphrase. Does not touch the files;
// see validate().
result<tls_options> load_tls_options(config::table& tls);
// The required [tls] table of a configuration file's root, read as above;
// keys other than those four are refused.
result<tls_options> load_tls_section(config::table& root);

// Checks the options before a process goes live, with messages that say
// what to do:
//  - the three files are set, exist and are readable;
//  - the key is not accessible by group or others ("chmod 600 FILE");
//  - the key opens (with the passphrase) and matches the certificate;
//  - the certificate chains to the CA file and is valid at `now`;
//  - it carries a known role, and `expected_role` when that is not empty.
status validate(const tls_options& opts, std::time_t now,
                std::string_view expected_role = {});
// As above, at the current time, for any role.
status validate(const tls_options& opts);

// The role of the certificate in a PEM file: its subject's only OU, which
// must be a known role.
result<std::string> certificate_role(const std::string& cert_path);
// The same for a certificate in memory, e.g. a peer's from SSL_get_peer_
// certificate(). REQUIRES: cert != nullptr. Does not take ownership.
result<std::string> certificate_role(const X509* cert);

}  // namespace tapeline
