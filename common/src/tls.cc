#include "tapeline/common/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tapeline {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using store_ptr =
    std::unique_ptr<X509_STORE, deleter<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr =
    std::unique_ptr<X509_STORE_CTX,
                    deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;

// The most recent OpenSSL error, and clears the queue.
std::string openssl_error() {
  unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  return buf;
}

std::string subject_of(const X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string format_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

status check_readable(const std::string& what, const std::string& path) {
  if (path.empty())
    return make_error(code::invalid_argument,
                      "TLS: no " + what + " file is set ([tls] " + what + ")");
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    int err = errno;
    auto c = err == ENOENT   ? code::not_found
             : err == EACCES ? code::permission_denied
                             : code::io_error;
    return make_error(
        c, "TLS " + what + " " + path + ": cannot read: " + std::strerror(err));
  }
  std::fclose(f);
  return {};
}

status check_key_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(code::io_error,
                      "TLS key " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) == 0) return {};
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
  return make_error(code::permission_denied,
                    "TLS key " + path +
                        " is accessible by group or others "
                        "(mode " +
                        std::string(mode) + "); run: chmod 600 " + path);
}

result<x509_ptr> read_cert(const std::string& what, const std::string& path) {
  bio_ptr bio(BIO_new_file(path.c_str(), "r"));
  x509_ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                    : nullptr);
  if (!cert)
    return make_error(code::invalid_argument, "TLS " + what + " " + path +
                                                  ": not a PEM certificate (" +
                                                  openssl_error() + ")");
  return cert;
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto* pass = static_cast<const std::string*>(user);
  if (pass->empty() || static_cast<int>(pass->size()) >= size) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

result<pkey_ptr> read_key(const std::string& path, const std::string& pass) {
  bio_ptr bio(BIO_new_file(path.c_str(), "r"));
  pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_cb,
                                             const_cast<std::string*>(&pass))
                   : nullptr);
  if (!key)
    return make_error(code::invalid_argument,
                      "TLS key " + path +
                          ": cannot read the private key (not a PEM key, or "
                          "a wrong or missing passphrase: " +
                          openssl_error() + ")");
  return key;
}

status verify_chain(X509* cert, const tls_options& opts, std::time_t now) {
  store_ptr store(X509_STORE_new());
  if (X509_STORE_load_file(store.get(), opts.cafile.c_str()) != 1)
    return make_error(code::invalid_argument, "TLS CA file " + opts.cafile +
                                                  ": no PEM certificate (" +
                                                  openssl_error() + ")");
  store_ctx_ptr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, now);
  if (X509_verify_cert(ctx.get()) == 1) return {};
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  std::string whose = depth == 0 ? "TLS certificate " + opts.certificate
                                 : "TLS CA certificate " + opts.cafile;
  X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
  if (err == X509_V_ERR_CERT_HAS_EXPIRED && bad)
    return make_error(code::invalid_argument,
                      whose + " expired on " +
                          format_time(X509_get0_notAfter(bad)) +
                          "; renew it (deploy/pki.sh renew)");
  if (err == X509_V_ERR_CERT_NOT_YET_VALID && bad)
    return make_error(code::invalid_argument,
                      whose + " is not valid before " +
                          format_time(X509_get0_notBefore(bad)) +
                          "; check the clock");
  return make_error(code::invalid_argument,
                    "TLS certificate " + opts.certificate +
                        " does not chain to the CA in " + opts.cafile + ": " +
                        X509_verify_cert_error_string(err) +
                        "; issue it with this site's deploy/pki.sh");
}

}  // namespace

bool is_known_role(std::string_view role) {
  for (auto r : known_roles)
    if (role == r) return true;
  return false;
}

result<tls_options> load_tls_options(config::table& tls) {
  tls_options opts;
  TL_RETURN_IF_ERROR(tls.required_path("certificate", &opts.certificate));
  TL_RETURN_IF_ERROR(tls.required_path("key", &opts.key));
  TL_RETURN_IF_ERROR(tls.required_path("cafile", &opts.cafile));
  TL_RETURN_IF_ERROR(tls.optional_string("passphrase", &opts.passphrase));
  return opts;
}

result<tls_options> load_tls_section(config::table& root) {
  config::table t;
  TL_RETURN_IF_ERROR(root.required_table("tls", &t));
  t.declare({"certificate", "key", "cafile", "passphrase"});
  TL_RETURN_IF_ERROR(t.check_unknown_keys());
  return load_tls_options(t);
}

result<std::string> certificate_role(const X509* cert) {
  const X509_NAME* name = X509_get_subject_name(cert);
  std::string role;
  int count = 0;
  for (int i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
       i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, i)) {
    ++count;
    const ASN1_STRING* data =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    role.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                static_cast<size_t>(ASN1_STRING_length(data)));
  }
  auto subject = subject_of(cert);
  if (count != 1)
    return make_error(code::permission_denied,
                      "certificate " + subject + " has " +
                          std::to_string(count) +
                          " OUs; a Tapeline certificate has exactly one, its "
                          "role (deploy/pki.sh issue DIR NAME ROLE)");
  if (!is_known_role(role))
    return make_error(code::permission_denied,
                      "certificate " + subject + " has role \"" + role +
                          "\"; expected one of coordinator, hv-agent, "
                          "tape-agent, operator");
  return role;
}

result<std::string> certificate_role(const std::string& cert_path) {
  auto cert = read_cert("certificate", cert_path);
  if (!cert) return cert.error();
  auto role = certificate_role(cert->get());
  if (!role) return role.error().with_context(cert_path);
  return role;
}

status validate(const tls_options& opts, std::time_t now,
                std::string_view expected_role) {
  TL_RETURN_IF_ERROR(check_readable("certificate", opts.certificate));
  TL_RETURN_IF_ERROR(check_readable("key", opts.key));
  TL_RETURN_IF_ERROR(check_readable("cafile", opts.cafile));
  TL_RETURN_IF_ERROR(check_key_mode(opts.key));
  auto cert = read_cert("certificate", opts.certificate);
  if (!cert) return cert.error();
  auto key = read_key(opts.key, opts.passphrase);
  if (!key) return key.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return make_error(code::invalid_argument,
                      "TLS key " + opts.key +
                          " does not belong to certificate " +
                          opts.certificate);
  }
  TL_RETURN_IF_ERROR(verify_chain(cert->get(), opts, now));
  if (X509_check_purpose(cert->get(), X509_PURPOSE_SSL_SERVER, 0) != 1 ||
      X509_check_purpose(cert->get(), X509_PURPOSE_SSL_CLIENT, 0) != 1)
    return make_error(code::invalid_argument,
                      "TLS certificate " + opts.certificate +
                          " is not valid for both TLS server and client use "
                          "(extendedKeyUsage serverAuth, clientAuth); "
                          "re-issue it with deploy/pki.sh");
  auto role = certificate_role(cert->get());
  if (!role)
    return role.error().with_context("TLS certificate " + opts.certificate);
  if (!expected_role.empty() && *role != expected_role)
    return make_error(code::permission_denied,
                      "TLS certificate " + opts.certificate + " has role \"" +
                          *role + "\", but this process needs \"" +
                          std::string(expected_role) + "\"");
  return {};
}

status validate(const tls_options& opts) {
  return validate(opts, std::time(nullptr));
}

}  // namespace tapeline
