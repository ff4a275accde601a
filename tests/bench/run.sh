#!/usr/bin/env bash
# Tapeline benchmarks. Each prints key=value lines.
#
#   tests/bench/run.sh stream     [--size 2G] [--runs 3]
#       2 GiB of incompressible data: tapeline-send -> mutual TLS on loopback
#       -> tape agent -> virtual drive (speed model off), against the same
#       bytes through standard tools doing the same work in the same run:
#       socat TLS pipe | tee FILE | openssl dgst -sha256. Runs alternate;
#       medians are printed. Target: ratio >= 1.3, agent RSS <= buffer + 64M.
#   tests/bench/run.sh shoeshine  [--size 2G]
#       LTO-5 speed model on, fed by a bursty sender averaging 100 MB/s
#       (bursts at 200 MB/s, then pauses). Target: backhitches = 0. A control
#       run at a steady 25 MB/s (below the slowest speed) must count some.
#   tests/bench/run.sh vdi        [--size 4G] [--runs 3]
#       A VDI of incompressible data goes from xapi-sim (over its Unix
#       socket, as dom0's XAPI) through tapeline-hv-agent (VHD export,
#       checked, framed) over mutual TLS to the tape agent's virtual drive
#       (speed model off). Baseline in the same run: the same bytes through
#       socat TLS | tee FILE | openssl dgst -sha256. Prints vdi_MBps,
#       tools_MBps, ratio, hv_rss_MiB. Targets: ratio >= 1.0, hv RSS <= 64.
#   tests/bench/run.sh vdi2       [--size 4G] [--runs 3]
#       Two disks of one VM to two drives at once, against one disk to one
#       drive in the same run. Prints aggregate_MBps, vdi_MBps and
#       aggregate_ratio. Target: aggregate_ratio >= 1.3.
#   tests/bench/run.sh vdi-rss    [--size 16G]
#       The hv agent's peak RSS for a 1 GiB disk and for one of --size:
#       hv_rss_MiB_1G and hv_rss_MiB_big. Target: both <= 64, and equal.
#   tests/bench/run.sh restore    [--size 4G]
#       A chain of a full (--size, incompressible) and three VHD deltas,
#       backed up through the hv agent, restored through the tape agent's
#       drive to a raw file (READ, SHA-256 checks, merge), against GNU tar
#       extracting the same four dumped tape files in the same run. Prints
#       restore_MBps, tar_MBps (payload bytes / seconds) and ratio.
#       Target: ratio >= 0.8.
#   tests/bench/run.sh catalog    [catalog_bench options]
#       catalog find over 1,000,000 objects. Prints find_ms (target < 10).
#   tests/bench/run.sh planner    [planner_bench options]
#       The planner for 1,000 VMs x 2 disks, 365 days of history. Prints
#       plan_ms (target < 1000).
#
# The build must exist (./deploy/test.sh or ./deploy/quickstart.sh makes it);
# TAPELINE_BUILD overrides build/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${TAPELINE_BUILD:-$ROOT/build}
BIN=$BUILD/bin
mode=${1:-}
shift || true
case $mode in
  catalog) exec "$BUILD/tests/catalog_bench" "$@" ;;
  planner) exec "$BUILD/tests/planner_bench" "$@" ;;
esac
size_text=2G
runs=3
[ "${mode#vdi}" != "$mode" ] && size_text=4G
[ "$mode" = restore ] && size_text=4G
[ "$mode" = vdi-rss ] && size_text=16G
while [ $# -gt 0 ]; do
  case $1 in
    --size) size_text=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case $mode in stream|shoeshine|vdi|vdi2|vdi-rss|restore) ;; *) sed -n '2,40p' "$0" >&2; exit 2 ;; esac
[ -x "$BIN/tapeline-tape-agent" ] || { echo "build first: ./deploy/test.sh" >&2; exit 2; }

to_bytes() { numfmt --from=iec "$1"; }
SIZE=$(to_bytes "$size_text")
# Work on the build tree's filesystem: the cartridge and the baseline's
# output file sit on the same one.
W=$(mktemp -d "$BUILD/bench.XXXXXX")
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
  pkill -f "OPENSSL-LISTEN:.*$W" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / t / 1e6 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"$ROOT/deploy/pki.sh" init "$W/pki" >/dev/null
"$ROOT/deploy/pki.sh" issue "$W/pki" agent tape-agent >/dev/null
"$ROOT/deploy/pki.sh" issue "$W/pki" client operator >/dev/null
mkdir -p "$W/lib" "$W/slot"

free_port() { python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
PY
}
wait_listen() {  # wait_listen PORT: until something listens (bounded)
  for _ in $(seq 1 200); do
    ss -ltn "sport = :$1" | grep -q LISTEN && return 0
    sleep 0.02
  done
  echo "nothing listens on $1" >&2; exit 1
}

# start_agent SPEED_MODEL(true|false) MEDIA
start_agent() {
  rm -f "$W/slot/"*.vtape "$W/lib/"*.vtape "$W/ready"
  "$BIN/tapeline-vtape" create --library "$W/lib" BENCH-0001 --media "$2" \
    --capacity $((SIZE * 2 + (256 << 20))) >/dev/null
  "$BIN/tapeline-vtape" load --library "$W/lib" --slot "$W/slot" BENCH-0001 >/dev/null
  cat > "$W/agent.toml" <<TOML
[agent]
listen = "127.0.0.1"
port = 0
log_level = "warn"
[tls]
certificate = "$W/pki/agent.crt"
key = "$W/pki/agent.key"
cafile = "$W/pki/ca.crt"
[[drive]]
name = "bench"
backend = "virtual"
slot_dir = "$W/slot"
library_dir = "$W/lib"
media_type = "$2"
record_size = "256K"
buffer = "512M"
speed_model = $1
TOML
  mkfifo "$W/ready"
  "$BIN/tapeline-tape-agent" --config "$W/agent.toml" --ready-file "$W/ready" \
    >>"$W/agent.log" 2>&1 &
  AGENT_PID=$!
  AGENT_PORT=$(timeout 60 cat "$W/ready")
}
stop_agent() {  # prints the agent's peak RSS in MiB
  local hwm
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$AGENT_PID/status")
  kill "$AGENT_PID"; wait "$AGENT_PID" || true; AGENT_PID=""
  awk -v k="$hwm" 'BEGIN { printf "%.0f", k / 1024 }'
}
send() {
  "$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" --drive bench \
    --cert "$W/pki/client.crt" --key "$W/pki/client.key" --ca "$W/pki/ca.crt" "$@"
}

tls_opts="cert=$W/pki/agent.crt,key=$W/pki/agent.key,cafile=$W/pki/ca.crt,verify=1"
tls_client="cert=$W/pki/client.crt,key=$W/pki/client.key,cafile=$W/pki/ca.crt,verify=1"

# tools_run SINK: the standard-tools pipe; SINK "file" (tee + dgst) or "null".
tools_run() {
  local port; port=$(free_port)
  if [ "$1" = file ]; then
    ( socat -u -b 262144 "OPENSSL-LISTEN:$port,reuseaddr,$tls_opts" STDOUT \
        | tee "$W/tools.out" | openssl dgst -sha256 > "$W/tools.sha" ) &
  else
    ( socat -u -b 262144 "OPENSSL-LISTEN:$port,reuseaddr,$tls_opts" STDOUT > /dev/null ) &
  fi
  local rpid=$!
  wait_listen "$port"
  local t0; t0=$(now)
  socat -u -b 262144 "OPEN:$W/data" "OPENSSL-CONNECT:127.0.0.1:$port,$tls_client"
  wait "$rpid"
  local t1; t1=$(now)
  rm -f "$W/tools.out"
  mbps "$SIZE" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}

tapeline_run() {  # prints "MBps RSS_MiB"
  start_agent false LTO-5
  local t0; t0=$(now)
  send --name data.bin --file "$W/data" >/dev/null
  local t1; t1=$(now)
  local rss; rss=$(stop_agent)
  echo "$(mbps "$SIZE" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')") $rss"
}

if [ "$mode" = stream ]; then
  echo "# generating $size_text of incompressible data" >&2
  head -c "$SIZE" /dev/urandom > "$W/data"
  cat "$W/data" > /dev/null  # warm the page cache for every contender
  s=() t=() r=() m=()
  for i in $(seq 1 "$runs"); do
    t+=("$(tools_run file)")
    read -r mb rss <<<"$(tapeline_run)"
    s+=("$mb"); m+=("$rss")
    r+=("$(tools_run null)")
    echo "# run $i: tools ${t[-1]} MB/s, tapeline $mb MB/s (agent RSS $rss MiB), raw TLS ${r[-1]} MB/s" >&2
  done
  sm=$(median "${s[@]}"); tm=$(median "${t[@]}")
  echo "size_bytes=$SIZE"
  echo "runs=$runs"
  echo "stream_MBps=$sm"
  echo "tools_MBps=$tm"
  echo "ratio=$(awk -v a="$sm" -v b="$tm" 'BEGIN { printf "%.2f", a / b }')"
  echo "tls_raw_MBps=$(median "${r[@]}")"
  echo "agent_rss_MiB=$(printf '%s\n' "${m[@]}" | sort -n | tail -1)"
  echo "agent_buffer_MiB=512"
elif [ "$mode" = shoeshine ]; then
  start_agent true LTO-5
  echo "# bursty sender: $size_text, 100 MB/s average, bursts of ${BURST:-500000000} bytes at 200 MB/s" >&2
  t0=$(now)
  "$BUILD/tests/burst_source" "$SIZE" 100e6 200e6 "${BURST:-500000000}" \
    | send --name bursty.bin --file - --size "$SIZE" >/dev/null
  t1=$(now)
  st=$(send --command status --json)
  rss=$(stop_agent)
  echo "size_bytes=$SIZE"
  echo "feed_MBps=$(mbps "$SIZE" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")"
  echo "backhitches=$(jq -r '.status.backhitches // 0' <<<"$st")"
  echo "agent_rss_MiB=$rss"
  # Control: a steady 25 MB/s feed is below LTO-5's slowest speed (40 MB/s),
  # so the model must count backhitches; 0 here would mean it is not live.
  start_agent true LTO-5
  ctl_size=$((250 * 1000 * 1000))
  "$BUILD/tests/burst_source" "$ctl_size" 25e6 25e6 "$ctl_size" \
    | send --name slow.bin --file - --size "$ctl_size" >/dev/null
  st=$(send --command status --json)
  stop_agent >/dev/null
  echo "control_slow_feed_MBps=25"
  echo "control_backhitches=$(jq -r '.status.backhitches // 0' <<<"$st")"
elif [ "$mode" = restore ]; then
  . "$ROOT/tests/bench/restore.sh"
else
  . "$ROOT/tests/bench/vdi.sh"
fi
