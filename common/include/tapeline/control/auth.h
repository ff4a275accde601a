// Per-call identity on the control plane (docs/wire-protocol.md, "Control
// plane").
//
// CAF 0.17's openssl module checks that a peer's certificate chains to the
// site CA, but does not tell the receiving actor whose certificate it was.
// So the control plane proves identity once per caller, in two steps:
//
//   caller -> AuthBegin{name}           coordinator -> AuthChallenge{nonce}
//   caller -> AuthProve{cert, sig}      coordinator -> ok, role
//
// `sig` is the caller's key's signature (SHA-256) over auth_context + nonce.
// The coordinator checks that the certificate chains to the site CA, is
// valid now, is not revoked (when a CRL is given) and carries a role; and
// that the signature verifies with the certificate's public key. Holding a
// certificate is not enough: only its private key can sign a fresh nonce.
// The coordinator then binds the role to the calling actor.
//
// Thread-safety: free functions are thread-safe; a verifier is immutable
// after load() and may be shared.
#pragma once

#include <ctime>
#include <memory>
#include <string>

#include "tapeline/common/status.h"
#include "tapeline/common/tls.h"

namespace tapeline::control {

// Prepended to the nonce before signing, so a signature made here can never
// be mistaken for one made for another protocol.
constexpr char auth_context[] = "tapeline-auth-v1";

// 32 random bytes from OpenSSL's CSPRNG.
std::string make_nonce();

// What a caller sends in AuthProve: its certificate (PEM) and its key's
// signature over the nonce. Errors name the file.
struct proof {
  std::string certificate_pem;
  std::string signature;
};
result<proof> prove(const tls_options& tls, const std::string& nonce);

struct identity {
  std::string name;  // the certificate's CN
  std::string role;  // its OU
  std::string serial;
};

class verifier {
 public:
  // `cafile`: the site CA; `crlfile`: an optional PEM CRL of that CA.
  static result<std::shared_ptr<const verifier>> load(
      const std::string& cafile, const std::string& crlfile = {});
  ~verifier();

  // Checks a proof against `nonce` at `now`. Errors (code::permission_denied)
  // say which check failed: "certificate does not chain to the site CA",
  // "certificate expired on ...", "certificate revoked", "signature does
  // not verify".
  result<identity> verify(const proof& p, const std::string& nonce,
                          std::time_t now) const;

 private:
  verifier() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tapeline::control
