#!/usr/bin/env bash
# Tapeline quick start: a whole site on one machine, under the coordinator,
# on virtual LTO drives and a simulated XCP-ng pool. See --help, README.md,
# docs/quickstart.md.
set -euo pipefail

readonly PROG=${0##*/}
REPO=$(cd "$(dirname "$0")/.." && pwd)
readonly REPO

usage() {
  cat <<USAGE
Usage: $PROG [--dir DIR] [--disk-mib N] [--keep-running] [--no-build]

Runs a whole Tapeline site on this machine, without tape hardware or XCP-ng,
the way the case study's backup server ran its two drives:

  1. installs the Debian packages that are missing and builds into build/
  2. makes a site CA and one certificate per process (deploy/pki.sh)
  3. creates scaled-down scratch cartridges on a virtual shelf
  4. starts tapeline-coordinator (SQLite catalog, a [[schedule]] at 22:30
     Europe/London), xapi-sim (a simulated pool: vm01, vm02, vm03, one disk
     each), tapeline-hv-agent, and tapeline-tape-agent with two virtual
     drives: lto5 (LTO-5, pool vdi: vm01, vm02) and lto4 (LTO-4, pool
     vdi-lto4: vm03)
  5. night 1: the coordinator's clock is set to 22:29:50, so the schedule
     fires within seconds: fulls of the three VMs; the plan, the job table
     with rates, the notifications: which tapes to take off-site
  6. the operator takes them off-site (tapeline tapes offsite); the VMs write
  7. night 2, a day later on the coordinator's clock: deltas; the drives are
     empty, so the coordinator asks for tapes and the operator loads scratch
     tapes (tapeline tapes load)
  8. restores vm01's disk through its chain (night 1's full, night 2's
     delta) with tapeline-restore, reading through the lto5 drive, and
     checks its SHA-256 against the simulator's disk

The coordinator's clock is fast-forwarded with the environment variable
TAPELINE_CLOCK_START (Unix seconds; for tests and this demo only): nothing
else is simulated. It takes a few minutes after the build, and exits non-zero
if any check fails.

Options:
  --dir DIR        work folder (default: .quickstart/ in the repository). It
                   is wiped at start; a folder that is not empty and was not
                   made by $PROG is refused.
  --disk-mib N     size of each VM's disk in MiB (default 128; 3 VMs)
  --keep-running   leave the coordinator and agents running at the end, and
                   print how to use the tapeline CLI against them and how to
                   stop them
  --no-build       skip package installation and the build; use the binaries
                   in \$TAPELINE_BIN (default: build/bin)
  -h, --help       this text
USAGE
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

# ---- options ----------------------------------------------------------------

WORK="$REPO/.quickstart"
DISK_MIB=128
KEEP=0
BUILD=1
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dir) (($# >= 2)) || die "--dir needs a folder"; WORK=$2; shift ;;
    --disk-mib) (($# >= 2)) || die "--disk-mib needs a number"; DISK_MIB=$2; shift ;;
    --keep-running) KEEP=1 ;;
    --no-build) BUILD=0 ;;
    *) die "unknown option '$1' (see $PROG --help)" ;;
  esac
  shift
done
[[ $DISK_MIB =~ ^[0-9]+$ ]] && ((DISK_MIB >= 8 && DISK_MIB <= 4096)) ||
  die "--disk-mib $DISK_MIB: give a whole number of MiB from 8 to 4096"

# ---- output helpers -----------------------------------------------------------

STEP=0
readonly STEPS=8
T_START=$SECONDS
section() {
  STEP=$((STEP + 1))
  printf '\n== %d/%d  %s   [%d s]\n' "$STEP" "$STEPS" "$1" $((SECONDS - T_START))
}
say() { printf '   %s\n' "$*"; }
# show CMD...: prints the command (with $BIN/ and $WORK/ shortened), then
# runs it with its output indented.
show() {
  local line="$*"
  line=${line//$BIN\//}
  line=${line//$WORK\//}
  printf '   $ %s\n' "$line"
  # (info lines of the daemons' logging left out)
  "$@" 2>&1 | { grep -Ev '^[0-9-]{10} [0-9:.]+ info ' || true; } | sed 's/^/     /'
}
FAILED=0
ok() { printf '   ok: %s\n' "$*"; }
failed() {
  printf '   FAILED: %s\n' "$*"
  FAILED=$((FAILED + 1))
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else failed "$what"; fi
}

# ---- 1. packages and build ------------------------------------------------------

section "Packages and build"
if ((BUILD)); then
  say "Installs the Debian packages Tapeline needs that are missing (apt-get),"
  say "then configures and builds incrementally into build/ (deploy/lib/common.sh)."
  cd "$REPO"
  # shellcheck source=lib/common.sh
  . "$REPO/deploy/lib/common.sh"
  ensure_packages
  build_tree build
  BIN="$REPO/build/bin"
else
  BIN=$(cd "${TAPELINE_BIN:-$REPO/build/bin}" && pwd) ||
    die "TAPELINE_BIN=${TAPELINE_BIN:-} is not a folder"
  say "--no-build: using the binaries in $BIN"
fi
for b in tapeline tapeline-coordinator tapeline-restore tapeline-tape-agent \
  tapeline-hv-agent tapeline-vtape xapi-sim; do
  [[ -x $BIN/$b ]] || die "$BIN/$b is missing; run $PROG without --no-build"
done
for t in sha256sum jq openssl sqlite3 mkfifo; do
  command -v "$t" >/dev/null || die "$t is missing; run $PROG without --no-build"
done
ok "tapeline-coordinator, the agents, the CLI and xapi-sim in $BIN"

# ---- 2. work folder, PKI, cartridges ----------------------------------------------

section "Work folder, site PKI and scratch cartridges"
readonly MARK=.tapeline-quickstart
if [[ -e $WORK && ! -e $WORK/$MARK ]] && [[ -n $(ls -A "$WORK" 2>/dev/null) ]]; then
  die "$WORK is not empty and was not made by $PROG; refusing to wipe it (choose another --dir)"
fi
if [[ -s $WORK/stop.sh ]]; then
  say "Stopping the stack a previous --keep-running left ($WORK/stop.sh)"
  bash "$WORK/stop.sh" >/dev/null 2>&1 || true
fi
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
touch "$WORK/$MARK"
need_kib=$((3 * DISK_MIB * 1024 * 6 + 512 * 1024))
avail=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
((avail > need_kib)) || die "$WORK: less than $((need_kib / 1024)) MiB free; choose another --dir or a smaller --disk-mib"
PKI=$WORK/pki SHELF=$WORK/shelf
mkdir -p "$SHELF" "$WORK/drives/lto4" "$WORK/drives/lto5" "$WORK/hv-state"
say "$WORK (wiped at every run; 'rm -rf' it when done)"
say "  pki/     site CA and certificates   shelf/   cartridges not in a drive"
say "  drives/  one slot per drive         pool/    the simulated pool's disks"
say "  *.toml   configurations             *.log    each process's log"
say "  catalog.db  the coordinator's SQLite catalog"

PIDS=()  # every process we started, stopped in reverse order
stop_all() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill "${PIDS[i]}" 2>/dev/null || true
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    timeout 60 tail --pid="${PIDS[i]}" -f /dev/null || kill -9 "${PIDS[i]}" 2>/dev/null || true
    wait "${PIDS[i]}" 2>/dev/null || true
  done
  PIDS=()
}
on_exit() {
  local rc=$?
  set +e
  if ((KEEP == 0 || rc != 0)); then
    stop_all
    rm -f "$WORK/stop.sh"
  fi
  if ((rc != 0)); then
    echo "$PROG: stopped at step $STEP/$STEPS (exit $rc); the logs' ends follow" >&2
    for f in coordinator.log tape-agent.log hv-agent.log xapi-sim.log; do
      [[ -s $WORK/$f ]] || continue
      echo "--- $WORK/$f (last 15 lines) ---" >&2
      tail -15 "$WORK/$f" >&2
    done
  fi
}
trap on_exit EXIT
# start NAME READY_FIFO CMD...: starts a daemon logging to NAME.log; when
# READY_FIFO is not "-", waits (60 s at most) for the first line it writes
# there (its port) and sets PORT to it.
start() {
  local name=$1 ready=$2; shift 2
  if [[ $ready != - ]]; then rm -f "$ready" && mkfifo "$ready"; fi
  "$@" >>"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  echo "$!" >"$WORK/$name.pid"
  PORT=""
  if [[ $ready != - ]]; then
    PORT=$(timeout 60 head -1 "$ready" || true)
    [[ -n $PORT ]] || die "$name did not start; see $WORK/$name.log"
  fi
}

say ""
say "Every process talks over mutual TLS; a peer without a certificate from"
say "this CA is refused. The certificate's OU is its role:"
"$REPO/deploy/pki.sh" init "$PKI" >/dev/null
for pair in coord1:coordinator backup1:tape-agent xcp-host1:hv-agent operator1:operator; do
  "$REPO/deploy/pki.sh" issue "$PKI" "${pair%%:*}" "${pair##*:}" >/dev/null
  say "  pki/${pair%%:*}.crt  role ${pair##*:}"
done

say ""
say "Virtual cartridges (one file each, BARCODE.vtape), capacities scaled down:"
vtape() { "$BIN/tapeline-vtape" "$@"; }
CART_SIZE=$((DISK_MIB * 3 + 64))M
for c in LTO5-0001 LTO5-0002 LTO5-0003 LTO5-0004; do
  vtape create --library "$SHELF" "$c" --media LTO-5 --capacity "$CART_SIZE" >/dev/null
done
for c in LTO4-0001 LTO4-0002 LTO4-0003; do
  vtape create --library "$SHELF" "$c" --media LTO-4 --capacity "$CART_SIZE" >/dev/null
done
say "  LTO5-0001..0004 (LTO-5) and LTO4-0001..0003 (LTO-4), $CART_SIZE each, blank"
say "An operator inserts one blank tape into each drive for the first night:"
show "$BIN/tapeline-vtape" load --library "$SHELF" --slot "$WORK/drives/lto5" LTO5-0001
show "$BIN/tapeline-vtape" load --library "$SHELF" --slot "$WORK/drives/lto4" LTO4-0001

# ---- 3. the stack -------------------------------------------------------------------

section "Coordinator, simulated pool, hypervisor agent, tape agent"
# Tuesday 2026-11-24, 22:29:50 in Europe/London (UTC in November).
NIGHT1=$(date -u -d '2026-11-24 22:29:50' +%s)
readonly NIGHT1 ZONE=Europe/London
cat >"$WORK/coordinator.toml" <<TOML
# Written by deploy/quickstart.sh; see deploy/examples/coordinator.toml.
[coordinator]
name = "coord1"
listen = "127.0.0.1"
port = 0                      # any free port, reported through --ready-file
log_level = "info"
[catalog]
path = "catalog.db"
[site]
name = "quickstart"
time_zone = "$ZONE"
[tls]
certificate = "pki/coord1.crt"
key = "pki/coord1.key"
cafile = "pki/ca.crt"
[dispatch]
retries = 2
backoff = "2s"

# The case study: LTO-5 tapes take most VMs, the older LTO-4 drive the rest.
# Each night's tapes leave the site in the morning.
[[pool]]
name = "vdi"
media_type = "LTO-5"
rotation = "one_tape_per_night"
offsite = true
[[pool]]
name = "vdi-lto4"
media_type = "LTO-4"
rotation = "one_tape_per_night"
offsite = true

# A full on Tuesdays, deltas on the other nights.
[[policy]]
name = "lto5-weekly"
kind = "weekly_full"
full_weekday = 2
max_chain_length = 6
pool = "vdi"
vms = ["vm01", "vm02"]
format = "raw"
[[policy]]
name = "lto4-weekly"
kind = "weekly_full"
full_weekday = 2
max_chain_length = 6
pool = "vdi-lto4"
vms = ["vm03"]
format = "raw"

[[schedule]]
name = "nightly"
cron = "30 22 * * *"
time_zone = "$ZONE"
policy = "lto5-weekly"
vms = ["vm01", "vm02"]
[[schedule]]
name = "nightly-lto4"
cron = "30 22 * * *"
time_zone = "$ZONE"
policy = "lto4-weekly"
vms = ["vm03"]

[notify]
channels = ["log"]
TOML
say "coordinator.toml: pools vdi (LTO-5) and vdi-lto4 (LTO-4), both off-site;"
say "weekly fulls on Tuesday; schedules 'nightly' and 'nightly-lto4' at 22:30 $ZONE."
say ""
say "THE CLOCK: the quick start fast-forwards the coordinator's clock. It starts"
say "the coordinator with TAPELINE_CLOCK_START=$NIGHT1, i.e."
say "$(TZ=$ZONE date -d "@$NIGHT1" '+%A %Y-%m-%d %H:%M:%S %Z'), ten seconds before the schedule"
say "fires; for night 2 it restarts it a day later. The agents keep real time."
say "(TAPELINE_CLOCK_START is for tests and this demo; never set it in production.)"
start coordinator "$WORK/coordinator.ready" \
  env TAPELINE_CLOCK_START="$NIGHT1" "$BIN/tapeline-coordinator" \
  --config "$WORK/coordinator.toml" --ready-file "$WORK/coordinator.ready"
COORD_PORT=$PORT
ok "tapeline-coordinator listening on 127.0.0.1:$COORD_PORT"
cat >"$WORK/cli.toml" <<TOML
# The tapeline CLI's configuration: tapeline --config $WORK/cli.toml ...
[coordinator]
address = "127.0.0.1:$COORD_PORT"
[tls]
certificate = "$PKI/operator1.crt"
key = "$PKI/operator1.key"
cafile = "$PKI/ca.crt"
TOML
export TAPELINE_CONFIG=$WORK/cli.toml
say "The operator's CLI is tapeline, here with TAPELINE_CONFIG=cli.toml"
say "(operator1's certificate); the same as tapeline --config cli.toml."
tl() { "$BIN/tapeline" "$@"; }

say ""
say "xapi-sim: XAPI's JSON-RPC and HTTP handlers on a Unix socket, as dom0's"
say "/var/lib/xcp/xapi (docs/xapi.md). Three VMs, one $DISK_MIB MiB disk each,"
say "three quarters written with random data (incompressible):"
"$BIN/xapi-sim" init --state "$WORK/pool" --vms 3 --disks-per-vm 1 \
  --disk-size "${DISK_MIB}M" --fill "$((DISK_MIB * 3 / 4))M" --seed 1 \
  --password quickstart >/dev/null
start xapi-sim "$WORK/xapi-sim.ready" "$BIN/xapi-sim" serve --state "$WORK/pool" \
  --unix "$WORK/xapi.sock" --ready-file "$WORK/xapi-sim.ready"
sim() { "$BIN/xapi-sim" ctl --unix "$WORK/xapi.sock" "$@"; }
ok "xapi-sim serving $WORK/xapi.sock"

printf 'username = "root"\npassword = "quickstart"\n' >"$WORK/xapi.credentials"
chmod 600 "$WORK/xapi.credentials"
cat >"$WORK/hv-agent.toml" <<TOML
# Written by deploy/quickstart.sh; see deploy/examples/hv-agent.toml.
[agent]
name = "xcp-host1"
state_dir = "hv-state"
log_level = "info"
[xapi]
url = "unix://$WORK/xapi.sock"
credentials = "xapi.credentials"   # mode 0600, or the agent refuses it
[tls]
certificate = "pki/xcp-host1.crt"
key = "pki/xcp-host1.key"
cafile = "pki/ca.crt"
[coordinator]
address = "127.0.0.1:$COORD_PORT"
TOML
show "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" list
start hv-agent - "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" run
ok "tapeline-hv-agent started (pid $(cat "$WORK/hv-agent.pid")); it reports to the coordinator"

cat >"$WORK/tape-agent.toml" <<TOML
# Written by deploy/quickstart.sh; see deploy/examples/tape-agent.toml.
[agent]
listen = "127.0.0.1"
port = 0
log_level = "info"
[tls]
certificate = "pki/backup1.crt"
key = "pki/backup1.key"
cafile = "pki/ca.crt"
[[drive]]
name = "lto5"
backend = "virtual"
slot_dir = "drives/lto5"
library_dir = "shelf"
media_type = "LTO-5"
pool = "vdi"
record_size = "256K"
buffer = "64M"
[[drive]]
name = "lto4"
backend = "virtual"
slot_dir = "drives/lto4"
library_dir = "shelf"
media_type = "LTO-4"
pool = "vdi-lto4"
record_size = "256K"
buffer = "64M"
[coordinator]
address = "127.0.0.1:$COORD_PORT"
TOML
start tape-agent "$WORK/tape-agent.ready" "$BIN/tapeline-tape-agent" \
  --config "$WORK/tape-agent.toml" --ready-file "$WORK/tape-agent.ready"
AGENT_PORT=$PORT
ok "tapeline-tape-agent listening on 127.0.0.1:$AGENT_PORT with drives lto5 and lto4"

# wait_until WHAT SECONDS CONDITION: polls the shell CONDITION twice a
# second (the coordinator's state, over the CLI) until it holds.
wait_until() {
  local what=$1 limit=$2 cond=$3 end=$((SECONDS + $2))
  until eval "$cond" 2>/dev/null; do
    ((SECONDS < end)) || die "timed out after $limit s waiting for $what"
    sleep 0.5
  done
}
wait_until "both drives and the hv agent to register with the coordinator" 60 \
  '[[ $(tl status --json | jq "([.drives[] | select(.connected)] | length) + ([.hv_agents[].vms[]] | length)") -ge 5 ]]'
show "$BIN/tapeline" status
# before_fire NIGHT_START: the agents registered before 22:30 on the
# coordinator's clock (else the night was planned without them).
before_fire() {
  local now
  now=$(tl status --json | jq .now)
  ((now < $1 + 10)) ||
    die "the agents registered only at $(TZ=$ZONE date -d "@$now" +%T) on the coordinator's clock, after 22:30: this machine is too busy; run $PROG again"
}
before_fire "$NIGHT1"

# ---- night helpers -------------------------------------------------------------------

ALL_TAPES="LTO5-0001 LTO5-0002 LTO5-0003 LTO5-0004 LTO4-0001 LTO4-0002 LTO4-0003"
# next_scratch MEDIA: a blank cartridge of that media still on the shelf.
next_scratch() {
  local c
  for c in $ALL_TAPES; do
    [[ $c == "${1/-/}"-* && -e $SHELF/$c.vtape ]] || continue
    (($(vtape inspect --json "$SHELF/$c.vtape" | jq .filemarks) == 0)) && { echo "$c"; return; }
  done
}
jobs_json() { tl jobs list --limit 1000 --json; }
# run_night N JOBS: waits until JOBS jobs are done in all, playing the
# operator: each mount request is answered with tapeline tapes load.
run_night() {
  local night=$1 want=$2 end=$((SECONDS + 480)) j ndone failed n drive media tape
  local answered=" "
  while :; do
    j=$(jobs_json)
    ndone=$(jq '[.jobs[] | select(.state == "done")] | length' <<<"$j")
    failed=$(jq '[.jobs[] | select(.state == "failed")] | length' <<<"$j")
    ((failed == 0)) || { show "$BIN/tapeline" jobs list; die "night $night: a job failed (see coordinator.log)"; }
    ((ndone >= want)) && break
    ((SECONDS < end)) || { show "$BIN/tapeline" status; die "night $night: not done within 480 s"; }
    while read -r n drive; do
      [[ -n $n && $answered != *" $n "* ]] || continue
      answered+="$n "
      say "The coordinator asks for a tape (tapeline notifications list):"
      tl notifications list | grep -F "#$n " | sed 's/^/     /'
      media=$(tl status --json | jq -r --arg d "$drive" '.drives[] | select(.name == $d) | .media_type')
      tape=$(next_scratch "$media")
      [[ -n $tape ]] || die "no blank $media cartridge left on the shelf for drive $drive"
      say "The operator loads a scratch tape:"
      say "\$ tapeline tapes load $drive $tape"
      tl tapes load "$drive" "$tape" >/dev/null
    done < <(tl notifications list --json |
      jq -r '.notifications[] | select(.kind == "mount_request") | "\(.id) \(.drive)"')
    sleep 0.5
  done
  ok "night $night: $want jobs done in all"
}
# jobs_with_rates: the job table, then each job's bytes and rate (from
# jobs show: its objects' payload bytes, over started..finished).
jobs_with_rates() {
  show "$BIN/tapeline" jobs list
  say ""
  say "Rates (each job's objects' payload bytes over its run time):"
  printf '     %-4s %-5s %-6s %-6s %8s %8s %7s  %s\n' JOB VM TYPE DRIVE MiB SECONDS MiB/s "STREAM (hv agent)"
  local id obj stream
  for id in $(jobs_json | jq -r '.jobs[] | select(.state == "done") | .id' | sort -n); do
    tl jobs show "$id" --json | jq -r '
      ([.object_details[]?.bytes] | add // 0) as $b
      | ([(.finished_at - .started_at), 1] | max) as $s
      | [.id, .vm, .type, .drive, ($b / 1048576 * 10 | floor / 10), $s,
         ($b / 1048576 / $s * 10 | floor / 10), (.object_details[0].id // "-")]
      | @tsv' | while IFS=$'\t' read -r a b c d e f g obj; do
      # The hv agent logs each stream's own rate, to the tenth of a second.
      stream=$(grep -F "object $obj on " "$WORK/hv-agent.log" |
        sed -n 's/.* complete, \(.* in .* s ([0-9.]* MiB\/s)\).*/\1/p' | tail -1)
      printf '     %-4s %-5s %-6s %-6s %8s %8s %7s  %s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "${stream:--}"
    done
  done
  say "(SECONDS: started..finished on the coordinator's clock, whole seconds;"
  say " the stream's own rate is the hv agent's measure. Virtual drives write"
  say " at disk speed; a real LTO-5 streams at up to 140 MB/s.)"
}
# after_night N: waits for the drives that wrote to eject (one tape per
# night) and prints the notifications.
after_night() {
  local d
  for d in $(jobs_json | jq -r '[.jobs[] | select(.state == "done") | .drive] | unique | .[]'); do
    wait_until "drive $d to eject its tape" 60 \
      "[[ \$(tl status --json | jq -r '.drives[] | select(.name == \"$d\") | .loaded') == false ]]"
  done
  wait_until "night $1's report" 30 \
    '[[ $(tl notifications list --json | jq "[.notifications[] | select(.kind == \"nightly_report\")] | length") -ge 1 ]]'
  say ""
  show "$BIN/tapeline" notifications list
}

# ---- 4. night 1 --------------------------------------------------------------------------

section "Night 1: the schedule fires at 22:30: fulls"
say "Tonight's plan, as the coordinator's planner sees it. (The catalog knows a"
say "tape once it has been labelled: the blank cartridges on the shelf are not"
say "counted yet, hence the 'runs out of tapes' forecast. --nights 3: the"
say "forecast's length; the default is 14 nights.)"
show "$BIN/tapeline" plan --nights 3
show "$BIN/tapeline" schedule list
say ""
say "Nobody starts anything: at 22:30 on the coordinator's clock the schedules"
say "queue a full of each VM; the hv agent snapshots and exports each disk"
say "and streams it to the tape agent's drive for its pool."
run_night 1 3
jobs_with_rates
after_night 1

# ---- 5. the morning after -----------------------------------------------------------------

section "The morning after: tapes off-site; the VMs write"
EJECTED1=$(tl notifications list --json |
  jq -r '[.notifications[] | select(.kind == "tape_ejected") | .barcode] | unique | .[]' | xargs)
check "night 1 says which tapes to take off-site: $EJECTED1" test -n "$EJECTED1"
say "The operator takes them to the bank safe and records it, which"
say "acknowledges each 'take it off-site' notification:"
for b in $EJECTED1; do
  say "\$ tapeline tapes offsite $b --location \"bank safe\""
  tl tapes offsite "$b" --location "bank safe" >/dev/null
done
show "$BIN/tapeline" tapes list
say ""
say "During the day the VMs write (xapi-sim ctl write: 2 MiB blocks):"
show "$BIN/xapi-sim" ctl --unix "$WORK/xapi.sock" write --vm vm01 --blocks 6 --seed 21
show "$BIN/xapi-sim" ctl --unix "$WORK/xapi.sock" write --vm vm03 --blocks 3 --seed 23

# ---- 6. night 2 ----------------------------------------------------------------------------

section "Night 2, a day later: deltas"
say "The coordinator is restarted with its clock a day later,"
say "TAPELINE_CLOCK_START=$((NIGHT1 + 86400)) ($(TZ=$ZONE date -d "@$((NIGHT1 + 86400))" '+%a %Y-%m-%d %H:%M:%S %Z'));"
say "the agents reconnect by themselves."
cpid=$(cat "$WORK/coordinator.pid")
kill "$cpid"
timeout 60 tail --pid="$cpid" -f /dev/null || die "the coordinator did not stop on SIGTERM"
wait "$cpid" 2>/dev/null || true
left=()
for p in "${PIDS[@]}"; do [[ $p == "$cpid" ]] || left+=("$p"); done
PIDS=("${left[@]}")
sed -i "s/^port = 0 .*/port = $COORD_PORT/" "$WORK/coordinator.toml"
start coordinator "$WORK/coordinator.ready" \
  env TAPELINE_CLOCK_START="$((NIGHT1 + 86400))" "$BIN/tapeline-coordinator" \
  --config "$WORK/coordinator.toml" --ready-file "$WORK/coordinator.ready"
wait_until "both drives and the hv agent to reconnect" 90 \
  '[[ $(tl status --json | jq "([.drives[] | select(.connected)] | length) + ([.hv_agents[].vms[]] | length)") -ge 5 ]]'
before_fire "$((NIGHT1 + 86400))"
say "Both drives are empty (last night's tapes are off-site): at 22:30 the"
say "coordinator asks for tapes, and the operator answers."
run_night 2 6
j=$(jobs_json)
check "night 2 made deltas of the three VMs" \
  test "$(jq '[.jobs[] | select(.state == "done" and .type == "delta")] | length' <<<"$j")" = 3
jobs_with_rates
after_night 2

# ---- 7. restore ------------------------------------------------------------------------------

section "Restore vm01's disk through its chain, through the lto5 drive"
show "$BIN/tapeline" catalog find --vm vm01 --disk 0
tl catalog find --vm vm01 --disk 0 --json >"$WORK/find.json"
check "the chain is night 1's full and night 2's delta" \
  test "$(jq '.chains[0].steps | length' "$WORK/find.json")" = 2
say "Night 1's tape is in the bank safe: the operator brings it back first."
for b in $(jq -r '.chains[0].offsite_tapes[]?' "$WORK/find.json"); do
  say "\$ tapeline tapes recall $b"
  tl tapes recall "$b" >/dev/null
done
cat >"$WORK/restore.toml" <<TOML
# tapeline-restore's configuration (docs/restore.md).
[restore]
catalog = "catalog.db"
agent = "127.0.0.1:$AGENT_PORT"
drive = "lto5"
load = "command"    # virtual drives load from the shelf; real ones: "operator"
work_dir = "."
[tls]
certificate = "pki/operator1.crt"
key = "pki/operator1.key"
cafile = "pki/ca.crt"
TOML
say "tapeline-restore reads each object of the chain through the drive,"
say "checks every part's SHA-256, and merges the layers:"
printf '   $ tapeline-restore vdi -c restore.toml --vm vm01 --disk 0 --to vm01-disk0.raw\n'
if (cd "$WORK" && timeout 300 "$BIN/tapeline-restore" vdi -c restore.toml --vm vm01 \
  --disk 0 --to vm01-disk0.raw --json >restore.json 2>restore.log); then
  jq -r '(.objects[] | "     \(.kind) \(.object_id): \(.bytes) bytes from \(.where | join(", ")), SHA-256 verified: \(.verified)"),
    "     \(.read_bytes) bytes read in \(.seconds * 10 | floor / 10) s (\(.MBps | floor) MB/s), merged into \(.disk_bytes) bytes of raw disk"' \
    "$WORK/restore.json"
  ok "tapeline-restore wrote vm01-disk0.raw"
else
  sed 's/^/     /' "$WORK/restore.log"
  failed "tapeline-restore vdi (see $WORK/restore.log)"
fi
delta=$(jq -r '.chains[0].steps[-1].object' "$WORK/find.json")
vdi=$(sqlite3 "$WORK/catalog.db" "SELECT vdi_uuid FROM objects WHERE id = '$delta'")
got=$(sha256sum "$WORK/vm01-disk0.raw" 2>/dev/null | cut -d' ' -f1 || true)
want=$(sim sha256 --vdi "$vdi" | tr -d '"')
say "$ sha256sum vm01-disk0.raw; xapi-sim ctl sha256 --vdi $vdi"
say "  $got"
say "  $want"
check "vm01's disk restored through its chain is the simulator's disk byte for byte" \
  test -n "$got" -a "$got" = "$want"
full=$(jq -r '.chains[0].steps[0].object' "$WORK/find.json")
check "night 1's full alone is not (vm01 wrote since): the delta was applied" \
  test "$(sqlite3 "$WORK/catalog.db" "SELECT sha256 FROM objects WHERE id = '$full'")" != "$want"
rm -f "$WORK/vm01-disk0.raw"

# ---- 8. done ---------------------------------------------------------------------------------

section "Done"
say "Elapsed: $((SECONDS - T_START)) s (after the build)."
if ((FAILED > 0)); then
  say "$FAILED check(s) FAILED; see above and the logs in $WORK"
  exit 1
fi
say "All checks passed."
if ((KEEP == 0)); then
  stop_all
  ok "coordinator, agents and xapi-sim stopped"
  exit 0
fi
{
  echo "#!/bin/sh"
  echo "# Stops what deploy/quickstart.sh --keep-running left running."
  echo "kill $(printf '%s ' "${PIDS[@]}") 2>/dev/null"
  for p in "${PIDS[@]}"; do [[ -n $p ]] && echo "timeout 60 tail --pid=$p -f /dev/null"; done
  echo "rm -f \"$WORK/stop.sh\""
} >"$WORK/stop.sh"
chmod +x "$WORK/stop.sh"
drives=$(tl status --json | jq -r '[.drives[] | "\(.name) (\(if .loaded then .volume else "empty" end))"] | join(", ")')
cat <<EOF

== The site is still running
   coordinator  127.0.0.1:$COORD_PORT (pid $(cat "$WORK/coordinator.pid")), its clock a day and
                a bit ahead; catalog $WORK/catalog.db
   tape agent   127.0.0.1:$AGENT_PORT (pid $(cat "$WORK/tape-agent.pid")), drives $drives
   hv agent     pid $(cat "$WORK/hv-agent.pid"); xapi-sim pid $(cat "$WORK/xapi-sim.pid") on $WORK/xapi.sock

   The CLI's configuration: $WORK/cli.toml
   export TAPELINE_CONFIG=$WORK/cli.toml PATH=$BIN:\$PATH
   tapeline status
   tapeline plan --nights 14
   tapeline jobs list
   tapeline tapes list
   tapeline run vm02                                (a backup now)
   tapeline tapes load lto4 LTO4-0003               (a scratch tape into lto4)
   tapeline notifications list
   tapeline watch                                   (Ctrl-C to stop)
   tapeline catalog find --vm vm03 --disk 0
   tapeline-restore vdi -c $WORK/restore.toml --drive lto4 --vm vm03 --disk 0 --to /tmp/vm03.raw
   Logs: $WORK/*.log

   Stop it all:  $WORK/stop.sh
EOF
