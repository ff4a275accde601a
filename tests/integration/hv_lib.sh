# Shared by the hypervisor-side tests: xapi-sim, an hv agent configuration,
# and reading objects back from a virtual cartridge. Source after lib.sh.

SIM_PID=""
SIM_SOCK="$T/xapi.sock"
SIM_PORT=""

hv_cleanup() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
}
hv_exit() {
  local rc=$?
  set +e  # under -e, the (exit $rc) below would end the trap before cleanup
  hv_cleanup
  if [ $rc -ne 0 ] && [ -f "$T/sim.log" ]; then
    echo "--- xapi-sim log (last 20 lines) ---" >&2
    tail -20 "$T/sim.log" >&2
  fi
  (exit $rc)
  cleanup  # lib.sh's: reads $? (the test's exit code) itself
}
trap hv_exit EXIT

# hv_pki: lib.sh's PKI plus the hv agent's and the simulated pool's
# certificates.
hv_pki() {
  make_pki
  "$SRC/deploy/pki.sh" issue "$T/pki" hv hv-agent >/dev/null
  "$SRC/deploy/pki.sh" issue "$T/pki" xapi operator >/dev/null
}

# start_sim INIT_ARGS...: creates a pool in $T/sim (password "secret") and
# serves it over $SIM_SOCK and HTTPS on $SIM_PORT.
start_sim() {
  "$BIN/xapi-sim" init --state "$T/sim" --password secret "$@" >/dev/null
  rm -f "$T/sim.ready" && mkfifo "$T/sim.ready"
  "$BIN/xapi-sim" serve --state "$T/sim" --unix "$SIM_SOCK" \
    --https 127.0.0.1:0 --cert "$T/pki/xapi.crt" --key "$T/pki/xapi.key" \
    --ready-file "$T/sim.ready" >>"$T/sim.log" 2>&1 &
  SIM_PID=$!
  SIM_PORT=$(timeout 30 head -1 "$T/sim.ready" || true)
  [ -n "$SIM_PORT" ] || fail "xapi-sim did not start; see its log"
}

sim() { "$BIN/xapi-sim" ctl --unix "$SIM_SOCK" "$@"; }

# hv_config FILE [URL]: an hv agent configuration (default: the Unix socket).
hv_config() {
  printf 'username = "root"\npassword = "secret"\n' > "$T/xapi.credentials"
  chmod 600 "$T/xapi.credentials"
  cat > "$1" <<TOML
[agent]
name = "host1"
log_level = "info"
[xapi]
url = "${2:-unix://$SIM_SOCK}"
credentials = "$T/xapi.credentials"
$( [ -n "${2:-}" ] && printf 'cafile = "%s"\n' "$T/pki/ca.crt" )
[tls]
certificate = "$T/pki/hv.crt"
key = "$T/pki/hv.key"
cafile = "$T/pki/ca.crt"
TOML
}

hv() { "$BIN/tapeline-hv-agent" "$@"; }

# Tape files are read whole into $T/tapefile.tar first: tar stops at the
# end-of-archive blocks, and the rest of the last record would then meet a
# closed pipe.

# payload CARTRIDGE FILE OUT: the object payload of tape file FILE (its
# segments joined, as GNU tar lists them), by GNU tar alone.
payload() {
  dump "$1" "$2" "$T/tapefile.tar"
  tar -xOf "$T/tapefile.tar" --exclude TAPELINE.OBJECT --exclude TAPELINE.TRAILER > "$3"
}

# manifest CARTRIDGE FILE: the object's manifest (JSON).
manifest() { dump "$1" "$2" "$T/tapefile.tar" && tar -xOf "$T/tapefile.tar" TAPELINE.OBJECT; }

# has_trailer CARTRIDGE FILE: whether the object is complete on tape.
has_trailer() {
  dump "$1" "$2" "$T/tapefile.tar" && tar -tf "$T/tapefile.tar" | grep -x TAPELINE.TRAILER >/dev/null
}
