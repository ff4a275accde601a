#!/usr/bin/env bash
# deploy/pki.sh against openssl as the oracle: the CA and the role
# certificates verify, keys are private, keys are never silently replaced,
# renew keeps the key, a foreign CA's certificate is refused, and an mTLS
# handshake with CAF 0.17's settings (TLS 1.2, HIGH:!aNULL:!MD5, peer
# certificate required) succeeds with site certificates only.
set -euo pipefail

src=${TAPELINE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
pki="$src/deploy/pki.sh"
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
pass() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@" >"$tmp/out" 2>&1; then pass "$what"; else fail "$what"; cat "$tmp/out"; fi
}
refuses() { # refuses DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@" >"$tmp/out" 2>&1; then fail "$what (it succeeded)"; else pass "$what"; fi
}
mode_of() { stat -c %a "$1"; }
pubkey_of() { openssl pkey -in "$1" -pubout; }
ca=$tmp/site
foreign=$tmp/foreign

# --- init and issue --------------------------------------------------------
check "--help explains the commands" bash -c "'$pki' --help | grep -q 'issue DIR NAME ROLE'"
check "init makes the CA" "$pki" init "$ca"
[[ $(mode_of "$ca/ca.key") == 600 ]] && pass "ca.key is 0600" || fail "ca.key mode $(mode_of "$ca/ca.key")"
[[ $(mode_of "$ca") == 700 ]] && pass "CA dir is 0700" || fail "CA dir mode $(mode_of "$ca")"
check "ca.crt is a CA" bash -c "openssl x509 -in '$ca/ca.crt' -noout -ext basicConstraints | grep -q 'CA:TRUE'"
check "ca.crt verifies against itself" openssl verify -CAfile "$ca/ca.crt" "$ca/ca.crt"

for role in coordinator hv-agent tape-agent operator; do
  check "issue $role" "$pki" issue "$ca" "node-$role" "$role" </dev/null
  check "node-$role.crt verifies against the site CA" \
    openssl verify -CAfile "$ca/ca.crt" -purpose sslserver "$ca/node-$role.crt"
  check "node-$role.crt is a TLS client certificate too" \
    openssl verify -CAfile "$ca/ca.crt" -purpose sslclient "$ca/node-$role.crt"
  subject=$(openssl x509 -in "$ca/node-$role.crt" -noout -subject -nameopt RFC2253)
  [[ $subject == "subject=CN=node-$role,OU=$role" ]] &&
    pass "subject of node-$role" || fail "subject of node-$role: $subject"
  [[ $(mode_of "$ca/node-$role.key") == 600 ]] &&
    pass "node-$role.key is 0600" || fail "node-$role.key mode"
done
sans=$(openssl x509 -in "$ca/node-tape-agent.crt" -noout -ext subjectAltName)
[[ $sans == *"DNS:node-tape-agent, DNS:localhost, IP Address:127.0.0.1"* ]] &&
  pass "subjectAltName" || fail "subjectAltName: $sans"
[[ $(pubkey_of "$ca/node-operator.key") == "$(openssl x509 -in "$ca/node-operator.crt" -noout -pubkey)" ]] &&
  pass "key matches certificate" || fail "key does not match certificate"
check "--days sets the validity" bash -c "'$pki' issue '$ca' short operator --days 2 &&
  openssl x509 -in '$ca/short.crt' -noout -checkend $((3 * 86400)) | grep -q 'will expire' &&
  openssl x509 -in '$ca/short.crt' -noout -checkend 86400 | grep -q 'will not expire'"
check "--san adds names" bash -c "'$pki' issue '$ca' multi tape-agent --san DNS:backup1.example.org,IP:10.0.0.5 &&
  openssl x509 -in '$ca/multi.crt' -noout -ext subjectAltName | grep -q 'DNS:backup1.example.org, IP Address:10.0.0.5'"

# --- bad input ---------------------------------------------------------------
refuses "an unknown role is refused" "$pki" issue "$ca" x superuser
[[ ! -e $ca/x.key ]] && pass "no key left behind" || fail "x.key left behind"
refuses "issue without a CA is refused" "$pki" issue "$tmp/none" x operator
refuses "a bad name is refused" "$pki" issue "$ca" "../evil" operator

# --- never replace a key silently ------------------------------------------------
before=$(pubkey_of "$ca/node-tape-agent.key")
refuses "issue over an existing key refuses without a tty" \
  "$pki" issue "$ca" node-tape-agent tape-agent </dev/null
grep -q -- "--force" "$tmp/out" && pass "the refusal names --force" || fail "refusal text: $(cat "$tmp/out")"
[[ $(pubkey_of "$ca/node-tape-agent.key") == "$before" ]] && pass "key unchanged" || fail "key changed"
refuses "init over an existing CA refuses" "$pki" init "$ca" </dev/null
check "--force replaces the key" "$pki" issue "$ca" node-tape-agent tape-agent --force </dev/null
[[ $(pubkey_of "$ca/node-tape-agent.key") != "$before" ]] && pass "key replaced" || fail "key not replaced"

# --- renew keeps the key -------------------------------------------------------------
key_before=$(pubkey_of "$ca/multi.key")
serial_before=$(openssl x509 -in "$ca/multi.crt" -noout -serial)
check "renew" "$pki" renew "$ca" multi --days 30 </dev/null
[[ $(pubkey_of "$ca/multi.key") == "$key_before" ]] && pass "renew keeps the key" || fail "renew changed the key"
[[ $(openssl x509 -in "$ca/multi.crt" -noout -serial) != "$serial_before" ]] &&
  pass "renew makes a new certificate" || fail "renew kept the serial"
check "renewed certificate verifies" openssl verify -CAfile "$ca/ca.crt" "$ca/multi.crt"
check "renew keeps role and names" bash -c "
  openssl x509 -in '$ca/multi.crt' -noout -subject -nameopt RFC2253 | grep -q 'OU=tape-agent' &&
  openssl x509 -in '$ca/multi.crt' -noout -ext subjectAltName | grep -q 'DNS:backup1.example.org, IP Address:10.0.0.5'"
check "list shows the certificates" bash -c "'$pki' list '$ca' | grep -E -q '^multi +tape-agent .* yes$'"
check "list shows the days left" bash -c "'$pki' list '$ca' | grep -E -q '^multi +tape-agent .* (29|30) +yes$'"

# --- renew the CA: same key, later expiry, old certificates still verify ---------
ca_key_before=$(pubkey_of "$ca/ca.key")
ca_end_before=$(openssl x509 -in "$ca/ca.crt" -noout -enddate)
check "renew the CA" "$pki" renew "$ca" ca --days 5000 </dev/null
[[ $(pubkey_of "$ca/ca.key") == "$ca_key_before" ]] && pass "CA renewal keeps ca.key" || fail "CA key changed"
[[ $(openssl x509 -in "$ca/ca.crt" -noout -enddate) != "$ca_end_before" ]] &&
  pass "CA renewal moves the expiry" || fail "CA expiry unchanged"
check "a certificate issued before the CA renewal still verifies" \
  openssl verify -CAfile "$ca/ca.crt" "$ca/node-coordinator.crt"
refuses "renew refuses a name outside DIR" "$pki" renew "$ca" "../multi"

# --- a foreign CA ------------------------------------------------------------------------
check "init a foreign CA" "$pki" init "$foreign"
check "issue from the foreign CA" "$pki" issue "$foreign" intruder coordinator
refuses "a foreign certificate fails against the site CA" \
  openssl verify -CAfile "$ca/ca.crt" "$foreign/intruder.crt"

# --- mTLS handshakes with CAF 0.17's openssl settings -------------------------------
# handshake CLIENT_DIR CLIENT_NAME: a TLS 1.2 server as CAF sets it up
# (node-tape-agent, peer certificate required) accepts one client.
handshake() {
  local fifo=$tmp/server.out line port=
  rm -f "$fifo" && mkfifo "$fifo"
  timeout 30 openssl s_server -accept 127.0.0.1:0 -naccept 1 -tls1_2 \
    -cipher 'HIGH:!aNULL:!MD5' -cert "$ca/node-tape-agent.crt" \
    -key "$ca/node-tape-agent.key" -CAfile "$ca/ca.crt" \
    -Verify 1 -verify_return_error -www </dev/null >"$fifo" 2>&1 &
  server_pid=$!
  exec 3<"$fifo"
  while read -r -u 3 line; do
    if [[ $line == ACCEPT* ]]; then port=${line##*:}; break; fi
  done
  [[ -n $port ]] || { exec 3<&-; return 1; }
  local rc=0
  timeout 30 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
    -cipher 'HIGH:!aNULL:!MD5' -cert "$1/$2.crt" -key "$1/$2.key" \
    -CAfile "$ca/ca.crt" -verify_return_error -brief </dev/null \
    >"$tmp/client.out" 2>&1 || rc=$?
  cat <&3 >"$tmp/server.log" || true
  exec 3<&-
  wait "$server_pid" || true
  server_pid=
  ((rc == 0)) && grep -q "Verification: OK" "$tmp/client.out" &&
    ! grep -q -i "error" "$tmp/server.log"
}
check "mTLS: coordinator to tape agent" handshake "$ca" node-coordinator
refuses "mTLS: a foreign CA's certificate is refused" handshake "$foreign" intruder
grep -q "certificate verify failed" "$tmp/server.log" &&
  pass "the server refused it for its certificate" || fail "server log: $(cat "$tmp/server.log")"

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
