# Shared by the integration tests: a scratch folder, the site PKI, a tape
# agent on virtual drives, and small assertions. Source it; it sets -euo.
set -euo pipefail

BIN=${TAPELINE_BIN:?set TAPELINE_BIN to build/bin}
SRC=${TAPELINE_SOURCE_DIR:?set TAPELINE_SOURCE_DIR to the source tree}
T=$(mktemp -d "${TMPDIR:-/tmp}/tapeline-it.XXXXXX")
mkdir -p "$T/lib"
AGENT_PID=""
AGENT_PORT=""

cleanup() {
  local rc=$?
  if [ -n "$AGENT_PID" ] && kill -0 "$AGENT_PID" 2>/dev/null; then
    kill "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ] && [ -f "$T/agent.log" ]; then
    echo "--- agent log (last 40 lines) ---" >&2
    tail -40 "$T/agent.log" >&2
  fi
  rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# The site PKI: a CA, the agent's and a client's certificates, and a
# foreign CA with a client certificate of its own.
make_pki() {
  "$SRC/deploy/pki.sh" init "$T/pki" >/dev/null
  "$SRC/deploy/pki.sh" issue "$T/pki" agent tape-agent >/dev/null
  "$SRC/deploy/pki.sh" issue "$T/pki" client operator >/dev/null
  "$SRC/deploy/pki.sh" init "$T/foreign" >/dev/null
  "$SRC/deploy/pki.sh" issue "$T/foreign" client operator >/dev/null
}

# new_cartridge BARCODE MEDIA [CAPACITY] [EARLY_WARNING]
new_cartridge() {
  local args=(create --library "$T/lib" "$1" --media "$2")
  [ -n "${3:-}" ] && args+=(--capacity "$3")
  [ -n "${4:-}" ] && args+=(--early-warning "$4")
  "$BIN/tapeline-vtape" "${args[@]}" >/dev/null
}

# load SLOT BARCODE
load() { "$BIN/tapeline-vtape" load --library "$T/lib" --slot "$T/$1" "$2" >/dev/null; }

# write_config FILE DRIVE_TOML...: an agent configuration with the given
# [[drive]] tables (as text). Tapes get the build's tapeline-extract as their
# tools file (tape file 1), unless EXTRACT_BINARY names another file: tests
# on cartridges of a few MB, where the 8 MB binary would not fit, set it to
# a small stand-in (the layout is the same: objects start at tape file 2).
write_config() {
  local file=$1; shift
  {
    printf '[agent]\nlisten = "127.0.0.1"\nport = 0\nlog_level = "info"\n'
    [ -n "${EXTRACT_BINARY+x}" ] && printf 'extract_binary = "%s"\n' "$EXTRACT_BINARY"
    printf '\n'
    printf '[tls]\ncertificate = "%s"\nkey = "%s"\ncafile = "%s"\n\n' \
      "$T/pki/agent.crt" "$T/pki/agent.key" "$T/pki/ca.crt"
    for d in "$@"; do printf '%s\n\n' "$d"; done
  } > "$file"
}

# virtual_drive NAME MEDIA RECORD [extra toml lines]
virtual_drive() {
  mkdir -p "$T/$1" "$T/lib"
  printf '[[drive]]\nname = "%s"\nbackend = "virtual"\nslot_dir = "%s"\nlibrary_dir = "%s"\nmedia_type = "%s"\nrecord_size = "%s"\nbuffer = "64M"\n%s' \
    "$1" "$T/$1" "$T/lib" "$2" "$3" "${4:-}"
}

# start_agent CONFIG: starts the tape agent and waits until it listens
# (it writes its port into a FIFO we read: no polling).
start_agent() {
  rm -f "$T/ready"
  mkfifo "$T/ready"
  "$BIN/tapeline-tape-agent" --config "$1" --ready-file "$T/ready" \
    >>"$T/agent.log" 2>&1 &
  AGENT_PID=$!
  AGENT_PORT=$(timeout 60 cat "$T/ready" || true)
  [ -n "$AGENT_PORT" ] || fail "tape agent did not start; see its log"
}

stop_agent() {
  kill "$AGENT_PID"
  # Bounded: an agent that does not stop is a failure, not a hung test.
  timeout 60 tail --pid="$AGENT_PID" -f /dev/null \
    || fail "tape agent did not stop within 60 s of SIGTERM"
  wait "$AGENT_PID" || fail "tape agent exited with an error on SIGTERM"
  AGENT_PID=""
}

# send ARGS...: tapeline-send as the site's client.
send() {
  "$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" \
    --cert "$T/pki/client.crt" --key "$T/pki/client.key" --ca "$T/pki/ca.crt" "$@"
}

# dump CARTRIDGE_PATH FILE_NUMBER OUT
dump() { "$BIN/tapeline-vtape" dump "$1" "$2" > "$3"; }

# random_file PATH BYTES
random_file() { head -c "$2" /dev/urandom > "$1"; }

# json_field JSON KEY: a top-level field of a JSON document ("" if absent).
json_field() { jq -r --arg k "$2" '.[$k] // ""' <<<"$1"; }
