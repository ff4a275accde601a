# Shared by the coordinator tests: its PKI, configuration and process, the
# hv agent as a daemon under it, and the operator CLI. Source after
# lib.sh and hv_lib.sh.

COORD_PID=""
COORD_PORT=""
HV_PID=""

coord_cleanup() {
  for p in "$HV_PID" "$COORD_PID" "${SMTP_PID:-}" "${WATCH_PID:-}"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
}
coord_exit() {
  local rc=$?
  set +e
  coord_cleanup
  if [ $rc -ne 0 ]; then
    for f in coord.log hv-daemon.log; do
      [ -f "$T/$f" ] && { echo "--- $f (last 30 lines) ---" >&2; tail -30 "$T/$f" >&2; }
    done
  fi
  (exit $rc)
  hv_exit
}
trap coord_exit EXIT

coord_pki() {
  "$SRC/deploy/pki.sh" issue "$T/pki" coord coordinator >/dev/null
  "$SRC/deploy/pki.sh" issue "$T/pki" alice operator >/dev/null
}

# coord_config FILE [EXTRA_TOML]
coord_config() {
  local kind=${POLICY_KIND:-'kind = "daily_full"'}
  cat > "$1" <<TOML
[coordinator]
name = "coord"
listen = "127.0.0.1"
port = 0
[catalog]
path = "$T/catalog.db"
[site]
time_zone = "UTC"
[tls]
certificate = "$T/pki/coord.crt"
key = "$T/pki/coord.key"
cafile = "$T/pki/ca.crt"
[dispatch]
retries = 2
backoff = "1s"
[[pool]]
name = "vdi"
media_type = "LTO-5"
[[policy]]
name = "nightly"
$kind
pool = "vdi"
vms = ["vm*"]
format = "raw"
${2:-}
TOML
}

# start_coordinator CONFIG: starts it (with the test clock when
# TAPELINE_CLOCK_START is set) and waits until it listens.
start_coordinator() {
  # A restarted coordinator listens where the agents expect it.
  [ -n "$COORD_PORT" ] && sed -i "s/^port = .*/port = $COORD_PORT/" "$1"
  rm -f "$T/coord.ready" && mkfifo "$T/coord.ready"
  "$BIN/tapeline-coordinator" --config "$1" --ready-file "$T/coord.ready" \
    >>"$T/coord.log" 2>&1 &
  COORD_PID=$!
  COORD_PORT=$(timeout 30 head -1 "$T/coord.ready" || true)
  [ -n "$COORD_PORT" ] || fail "coordinator did not start; see its log"
  coord_cli_config "$T/cli.toml" alice
}

# coord_hv_config FILE: points an hv agent configuration at the coordinator.
coord_hv_config() {
  python3 - "$1" "$COORD_PORT" "$T/hv-state" <<'PY'
import sys
p, port, state = sys.argv[1:]
s = open(p).read()
s = s.replace('[agent]\n', '[agent]\nstate_dir = "%s"\n' % state, 1)
s += '[coordinator]\naddress = "127.0.0.1:%s"\n' % port
open(p, 'w').write(s)
PY
}

start_hv_daemon() {
  "$BIN/tapeline-hv-agent" -c "$1" run >>"$T/hv-daemon.log" 2>&1 &
  HV_PID=$!
}

# coord_cli_config FILE NAME [PKI]: the CLI's configuration with NAME's
# certificate from $T/PKI (default pki).
coord_cli_config() {
  local pki=${3:-pki}
  cat > "$1" <<TOML
[coordinator]
address = "127.0.0.1:$COORD_PORT"
[tls]
certificate = "$T/$pki/$2.crt"
key = "$T/$pki/$2.key"
cafile = "$T/$pki/ca.crt"
TOML
}

tl() { "$BIN/tapeline" --config "$T/cli.toml" "$@"; }

stop_coordinator() {
  kill "$COORD_PID"
  timeout 30 tail --pid="$COORD_PID" -f /dev/null || fail "coordinator did not stop"
  wait "$COORD_PID" 2>/dev/null || true
  COORD_PID=""
}

# jobs_in STATE: how many jobs are in that state.
jobs_in() { tl jobs list --state "$1" --limit 1000 --json | jq '.jobs | length'; }

# wait_for WHAT CONDITION [SECONDS]: polls CONDITION (a shell expression)
# every 0.2 s until it holds; fails after SECONDS (default 30).
wait_for() {
  local what=$1 cond=$2 limit=${3:-30} i=0
  while ! eval "$cond" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt $((limit * 5)) ] || fail "timed out after ${limit} s waiting for: $what"
    sleep 0.2
  done
}
