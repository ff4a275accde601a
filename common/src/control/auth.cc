#include "tapeline/control/auth.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace tapeline::control {
namespace {

template <class T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using md_ctx_ptr =
    std::unique_ptr<EVP_MD_CTX, deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using store_ptr =
    std::unique_ptr<X509_STORE, deleter<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr =
    std::unique_ptr<X509_STORE_CTX,
                    deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

std::string openssl_error() {
  unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (err == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof(buf));
  return buf;
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto* pass = static_cast<const std::string*>(user);
  if (pass->empty() || static_cast<int>(pass->size()) >= size) return -1;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

std::string signed_bytes(const std::string& nonce) {
  std::string m(auth_context, sizeof(auth_context));  // with the NUL
  m += nonce;
  return m;
}

std::string cn_of(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
                            sizeof(buf));
  return buf;
}

std::string serial_of(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (!bn) return "";
  char* hex = BN_bn2hex(bn);
  std::string s = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return s;
}

}  // namespace

std::string make_nonce() {
  std::string n(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(n.data()),
                 static_cast<int>(n.size())) != 1)
    std::abort();  // no randomness: nothing safe to do
  return n;
}

result<proof> prove(const tls_options& tls, const std::string& nonce) {
  proof p;
  {
    std::ifstream in(tls.certificate, std::ios::binary);
    if (!in)
      return make_error(code::not_found,
                        "TLS certificate " + tls.certificate + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    p.certificate_pem = ss.str();
  }
  bio_ptr bio(BIO_new_file(tls.key.c_str(), "r"));
  pkey_ptr key(bio ? PEM_read_bio_PrivateKey(
                         bio.get(), nullptr, passphrase_cb,
                         const_cast<std::string*>(&tls.passphrase))
                   : nullptr);
  if (!key)
    return make_error(code::invalid_argument,
                      "TLS key " + tls.key + ": cannot read the private key (" +
                          openssl_error() + ")");
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  auto msg = signed_bytes(nonce);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                         key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len,
                     reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size()) != 1)
    return make_error(code::internal,
                      "cannot sign with " + tls.key + ": " + openssl_error());
  p.signature.resize(len);
  if (EVP_DigestSign(ctx.get(),
                     reinterpret_cast<unsigned char*>(p.signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()),
                     msg.size()) != 1)
    return make_error(code::internal,
                      "cannot sign with " + tls.key + ": " + openssl_error());
  p.signature.resize(len);
  return p;
}

struct verifier::impl {
  store_ptr store;
  bool has_crl = false;
};

verifier::~verifier() = default;

result<std::shared_ptr<const verifier>> verifier::load(
    const std::string& cafile, const std::string& crlfile) {
  std::shared_ptr<verifier> v(new verifier);
  v->impl_ = std::make_unique<impl>();
  v->impl_->store.reset(X509_STORE_new());
  if (X509_STORE_load_file(v->impl_->store.get(), cafile.c_str()) != 1)
    return make_error(code::invalid_argument, "CA file " + cafile +
                                                  ": no PEM certificate (" +
                                                  openssl_error() + ")");
  if (!crlfile.empty()) {
    bio_ptr bio(BIO_new_file(crlfile.c_str(), "r"));
    X509_CRL* crl =
        bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)
            : nullptr;
    if (!crl)
      return make_error(code::invalid_argument, "CRL file " + crlfile +
                                                    ": not a PEM CRL (" +
                                                    openssl_error() + ")");
    X509_STORE_add_crl(v->impl_->store.get(), crl);
    X509_CRL_free(crl);
    X509_STORE_set_flags(v->impl_->store.get(), X509_V_FLAG_CRL_CHECK);
    v->impl_->has_crl = true;
  }
  return std::shared_ptr<const verifier>(std::move(v));
}

result<identity> verifier::verify(const proof& p, const std::string& nonce,
                                  std::time_t now) const {
  bio_ptr bio(BIO_new_mem_buf(p.certificate_pem.data(),
                              static_cast<int>(p.certificate_pem.size())));
  x509_ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                    : nullptr);
  if (!cert)
    return make_error(code::permission_denied,
                      "the certificate sent is not PEM (" + openssl_error() +
                          ")");
  std::string who = "certificate CN=" + cn_of(cert.get()) + " serial " +
                    serial_of(cert.get());
  store_ctx_ptr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), impl_->store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, now);
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    std::string why = X509_verify_cert_error_string(err);
    if (err == X509_V_ERR_CERT_REVOKED)
      return make_error(code::permission_denied, who + " is revoked (CRL)");
    if (err == X509_V_ERR_CERT_HAS_EXPIRED)
      return make_error(code::permission_denied, who + " has expired");
    return make_error(code::permission_denied,
                      who + " does not verify against the site CA: " + why);
  }
  auto role = certificate_role(cert.get());
  if (!role) return make_error(code::permission_denied, role.error().message());
  EVP_PKEY* pub = X509_get0_pubkey(cert.get());
  md_ctx_ptr md(EVP_MD_CTX_new());
  auto msg = signed_bytes(nonce);
  if (!pub ||
      EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, pub) !=
          1 ||
      EVP_DigestVerify(
          md.get(), reinterpret_cast<const unsigned char*>(p.signature.data()),
          p.signature.size(),
          reinterpret_cast<const unsigned char*>(msg.data()),
          msg.size()) != 1) {
    ERR_clear_error();
    return make_error(code::permission_denied,
                      who + ": the signature does not verify (the caller "
                            "does not hold this certificate's key)");
  }
  identity id;
  id.name = cn_of(cert.get());
  id.role = *role;
  id.serial = serial_of(cert.get());
  return id;
}

}  // namespace tapeline::control
