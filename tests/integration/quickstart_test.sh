#!/usr/bin/env bash
# The README's first command, deploy/quickstart.sh, on the binaries just
# built (--no-build) and with 16 MiB disks, bounded in time: two nights
# driven by the coordinator's schedule, the operator's steps between them,
# and a restore through the chain that matches the simulator's disk
# (sha256sum against xapi-sim). Then --keep-running leaves a site the CLI
# can use and that its stop script stops, and a foreign folder is refused.
. "$(dirname "$0")/lib.sh"

qs() { timeout 140 "$SRC/deploy/quickstart.sh" --no-build --disk-mib 16 "$@"; }
# stack_pids DIR: the pids the quick start recorded for its daemons.
stack_pids() { cat "$1"/{coordinator,tape-agent,hv-agent,xapi-sim}.pid 2>/dev/null || true; }
STACK=""
stop_stack() {  # whatever a failed --keep-running run left behind
  local p
  for p in $STACK; do kill "$p" 2>/dev/null || true; done
}
trap 'rc=$?; stop_stack; (exit $rc); cleanup' EXIT

rc=0
qs --dir "$T/qs" >"$T/qs.out" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  tail -60 "$T/qs.out" >&2
  fail "quickstart.sh exited with $rc (124: took over 140 s)"
fi
expect() {  # expect FIXED-STRING: a line of the output contains it
  grep -qF -- "$1" "$T/qs.out" || { tail -60 "$T/qs.out" >&2; fail "output lacks: $1"; }
}
expect "== 8/8"
expect "fast-forwards the coordinator's clock"
expect "TAPELINE_CLOCK_START="
expect "Plan for the night of Tue 2026-11-24"
expect "ok: night 1: 3 jobs done in all"
expect "take LTO5-0001 off-site"
expect "take LTO4-0001 off-site"
expect "ok: night 1 says which tapes to take off-site: LTO4-0001 LTO5-0001"
expect "mount_request: load a scratch tape of pool vdi"
expect "mount_request: load a scratch tape of pool vdi-lto4"
expect "\$ tapeline tapes load lto5 LTO5-0002"
expect "\$ tapeline tapes load lto4 LTO4-0002"
expect "ok: night 2: 6 jobs done in all"
expect "ok: night 2 made deltas of the three VMs"
expect "STREAM (hv agent)"
expect "take LTO5-0002 off-site"
expect "ok: the chain is night 1's full and night 2's delta"
expect "from LTO5-0001 file"
expect "from LTO5-0002 file"
expect "ok: vm01's disk restored through its chain is the simulator's disk byte for byte"
expect "ok: night 1's full alone is not (vm01 wrote since): the delta was applied"
expect "All checks passed."
! grep -q "FAILED" "$T/qs.out" || fail "a check FAILED: $(grep FAILED "$T/qs.out")"
# The job table, from the catalog the run left: both nights, the right drives.
[ "$(sqlite3 "$T/qs/catalog.db" "SELECT count(*) FROM jobs WHERE state = 'done'")" = 6 ] \
  || fail "the catalog should hold 6 done jobs: $(sqlite3 "$T/qs/catalog.db" 'SELECT id, state, drive FROM jobs')"
[ "$(sqlite3 "$T/qs/catalog.db" "SELECT count(*) FROM jobs WHERE drive = 'lto4'")" = 2 ] \
  || fail "vm03's two nights should be on lto4"
for p in $(stack_pids "$T/qs"); do
  ! kill -0 "$p" 2>/dev/null || fail "pid $p still runs after the quick start ended"
done
pass "quickstart.sh: two scheduled nights, operator steps, restore matches the simulator, all stopped"

# --keep-running leaves the site up, the CLI works against it with the
# printed configuration, and the printed stop script stops it all; a second
# run wipes its own work folder (and stops a stack it left running).
qs --dir "$T/qs" --keep-running >"$T/qs.out" 2>&1 || { tail -40 "$T/qs.out" >&2; fail "--keep-running run failed"; }
STACK=$(stack_pids "$T/qs")
expect "The site is still running"
expect "$T/qs/stop.sh"
for p in $STACK; do kill -0 "$p" || fail "--keep-running: pid $p is not running"; done
TAPELINE_CONFIG="$T/qs/cli.toml" "$BIN/tapeline" status --json \
  | jq -e '([.drives[] | select(.connected)] | length) == 2 and (.hv_agents | length) == 1' >/dev/null \
  || fail "--keep-running: the CLI does not see both drives and the hv agent"
TAPELINE_CONFIG="$T/qs/cli.toml" "$BIN/tapeline" jobs list --json \
  | jq -e '[.jobs[] | select(.state == "done")] | length == 6' >/dev/null \
  || fail "--keep-running: the CLI does not list the 6 jobs"
timeout 120 "$T/qs/stop.sh" || fail "stop.sh failed or took over 120 s"
for p in $STACK; do ! kill -0 "$p" 2>/dev/null || fail "stop.sh left pid $p running"; done
STACK=""
grep -q "signal 15: closing sessions and stopping" "$T/qs/tape-agent.log" \
  || fail "the tape agent did not log its shutdown"
pass "--keep-running: the CLI works against the site, stop.sh stops it"

# A folder it did not make is never wiped.
mkdir -p "$T/precious" && echo keep >"$T/precious/file"
if qs --dir "$T/precious" >"$T/qs.out" 2>&1; then
  fail "quickstart.sh accepted a foreign, non-empty --dir"
fi
[ -f "$T/precious/file" ] || fail "quickstart.sh wiped a folder it did not make"
expect "refusing to wipe it"
pass "a non-empty folder not made by the quick start is refused, untouched"
