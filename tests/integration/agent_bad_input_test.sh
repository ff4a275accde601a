#!/usr/bin/env bash
# Bad input from outside (issue #2, "Bad input"), through real processes:
#
#   - a client with a certificate from a foreign CA is refused in the TLS
#     handshake (tapeline-send says so; openssl s_client sees the agent's
#     "unknown ca" alert); a client without a certificate is refused too;
#     nothing reaches the tape (`tapeline-vtape inspect --json` unchanged)
#     and the agent goes on serving a good client;
#   - an unknown drive name is UNKNOWN_DRIVE, listing the drives;
#   - a bad configuration value and a TOML syntax error stop the agent with
#     exit code 2 and FILE:LINE:COL (and the key).
#
# Malformed, oversize, out-of-sequence and bad-CRC frames are refused by the
# drive actor; agent-tape/tests/tape_agent/drive_actor_test.cc covers them in
# process, since tapeline-send cannot be made to send them.
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge BAD001 LTO-5 512M
write_config "$T/agent.toml" "$(virtual_drive d1 LTO-5 64K)"
load d1 BAD001
start_agent "$T/agent.toml"
# Once the drive answers, it has labelled its tape (the start comes first).
send --drive d1 --command status >/dev/null
cart=$T/d1/BAD001.vtape
tape_state() {
  "$BIN/tapeline-vtape" inspect "$cart" --json | jq -c '{records, filemarks, data_bytes, files}'
}
before=$(tape_state)
mkdir -p "$T/src"
random_file "$T/src/payload.bin" 300000

# --- a certificate from a foreign CA --------------------------------------
# With its own CA as --ca it passes tapeline-send's local checks and reaches
# the handshake, where the agent refuses it.
rc=0
"$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" \
  --cert "$T/foreign/client.crt" --key "$T/foreign/client.key" --ca "$T/foreign/ca.crt" \
  --drive d1 --name payload.bin --file "$T/src/payload.bin" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "a client of a foreign CA sent an object"
grep -q "certificates issued by the same site CA" "$T/err" \
  || fail "refusal does not mention certificates and the CA: $(cat "$T/err")"
pass "foreign CA: tapeline-send exits $rc: $(head -c 120 "$T/err")"
# With the site CA as --ca, tapeline-send refuses before connecting.
rc=0
"$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" \
  --cert "$T/foreign/client.crt" --key "$T/foreign/client.key" --ca "$T/pki/ca.crt" \
  --drive d1 --command status 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "foreign certificate with the site CA: exit $rc, expected 2"
grep -q "does not chain to the CA" "$T/err" || fail "local check: $(cat "$T/err")"
# The agent's side, seen by an independent TLS client that trusts the agent
# (site CA) and presents the foreign certificate. -ign_eof keeps it reading
# until the agent closes: an agent that accepted would hit the timeout.
rc=0
timeout 30 openssl s_client -connect "127.0.0.1:$AGENT_PORT" -CAfile "$T/pki/ca.crt" \
  -cert "$T/foreign/client.crt" -key "$T/foreign/client.key" -ign_eof \
  </dev/null >"$T/ssl.out" 2>&1 || rc=$?
[ "$rc" != 124 ] || fail "the agent kept a foreign client's connection open"
grep -q "alert unknown ca" "$T/ssl.out" \
  || fail "no 'unknown ca' alert from the agent: $(grep -i alert "$T/ssl.out")"
pass "foreign CA: the agent sends the 'unknown ca' alert (openssl s_client)"

# --- no client certificate ------------------------------------------------
rc=0
timeout 30 openssl s_client -connect "127.0.0.1:$AGENT_PORT" -CAfile "$T/pki/ca.crt" \
  -ign_eof </dev/null >"$T/ssl.out" 2>&1 || rc=$?
[ "$rc" != 124 ] || fail "the agent kept a connection without a certificate open"
grep -q "alert certificate required" "$T/ssl.out" \
  || fail "no 'certificate required' alert: $(grep -i alert "$T/ssl.out")"
pass "no client certificate: the agent sends 'certificate required'"

# --- nothing written; the agent serves a good client ----------------------
[ "$(tape_state)" = "$before" ] || fail "refused clients changed the tape:
$before
$(tape_state)"
kill -0 "$AGENT_PID" || fail "the tape agent died after refusing clients"
send --drive d1 --name payload.bin --file "$T/src/payload.bin" >/dev/null \
  || fail "the agent refused a good client after bad ones"
[ "$(tape_state)" != "$before" ] || fail "the good client's object is not on tape"
pass "refused clients wrote nothing; a good client is served afterwards"

# --- unknown drive --------------------------------------------------------
for args in "--command status" "--name x --file $T/src/payload.bin"; do
  rc=0
  # shellcheck disable=SC2086
  send --drive nope $args 2>"$T/err" >/dev/null || rc=$?
  [ "$rc" -ne 0 ] || fail "unknown drive accepted ($args)"
  grep -q "UNKNOWN_DRIVE: no drive named 'nope'.*drives: d1" "$T/err" \
    || fail "unknown drive ($args): $(cat "$T/err")"
done
pass "unknown drive: $(cat "$T/err")"
send --drive d1 --command eject >/dev/null
stop_agent
dump "$T/lib/BAD001.vtape" 2 "$T/f.tar"  # file 1: the tools file
rm -rf "$T/x" && mkdir "$T/x" && tar -xf "$T/f.tar" -C "$T/x"
cmp "$T/src/payload.bin" "$T/x/payload.bin" || fail "the good client's payload differs"

# --- bad configuration ----------------------------------------------------
# expect_config_error FILE LINE TEXT...: the agent exits 2 and prints
# FILE:LINE:COL and every TEXT.
expect_config_error() {
  local file=$1 line=$2; shift 2
  local rc=0
  timeout 30 "$BIN/tapeline-tape-agent" --config "$file" >"$T/out" 2>&1 || rc=$?
  [ "$rc" = 2 ] || fail "$(basename "$file"): exit $rc, expected 2: $(cat "$T/out")"
  grep -qE "$(basename "$file"):$line:[0-9]+: " "$T/out" \
    || fail "$(basename "$file"): no FILE:$line:COL in: $(cat "$T/out")"
  for want in "$@"; do
    grep -qF -- "$want" "$T/out" || fail "$(basename "$file"): no '$want' in: $(cat "$T/out")"
  done
  echo "  $(cat "$T/out")"
}
sed 's/^record_size = .*/record_size = "300K"/' "$T/agent.toml" > "$T/bad-value.toml"
line=$(grep -n '^record_size' "$T/bad-value.toml" | cut -d: -f1)
expect_config_error "$T/bad-value.toml" "$line" "drive[0].record_size" '"300K"' 64K
sed 's/^listen = .*/listen = 127.0.0.1/' "$T/agent.toml" > "$T/bad-syntax.toml"
line=$(grep -n '^listen' "$T/bad-syntax.toml" | cut -d: -f1)
expect_config_error "$T/bad-syntax.toml" "$line" "syntax error"
pass "bad configuration: exit 2 with file, line and key"
