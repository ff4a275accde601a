#!/usr/bin/env bash
# The README's first command, deploy/quickstart.sh, on the binaries just
# built (--no-build), bounded in time: it must pass its own checks (GNU tar
# reads every tape file, tar -M joins the spanned VDI, sha256sum matches),
# print what an operator needs, and leave no tape agent running.
. "$(dirname "$0")/lib.sh"

qs() { timeout 300 "$SRC/deploy/quickstart.sh" "$@"; }

rc=0
qs --dir "$T/qs" --no-build >"$T/qs.out" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  tail -60 "$T/qs.out" >&2
  fail "quickstart.sh exited with $rc (124: took over 300 s)"
fi
expect() {  # expect FIXED-STRING: a line of the output contains it
  grep -qF -- "$1" "$T/qs.out" || { tail -60 "$T/qs.out" >&2; fail "output lacks: $1"; }
}
expect "== 9/9"
expect "ok: file set written to lto4"
expect "ok: vm01 disk 0 written to lto5"
expect "ok: vm01 delta written to lto5"
expect "MOUNT_REQUEST"
expect "autoloader: loaded blank LTO-5 cartridge LTO5-0002"
expect "ok: verify: ok:"
expect "ok: lto4 ejected"
expect "ok: lto5 ejected"
expect "ok: file set: joined segments hash to the trailer's SHA-256"
expect "ok: vm01 night 1: tar -x -M joins the parts from LTO5-0001 and LTO5-0002"
expect "ok: vm01 night 1: the restored disk is the snapshot byte for byte"
expect "ok: vm01 night 2: full + delta merge to the night-2 snapshot byte for byte"
expect "All checks passed."
expect "TAKE OFF-SITE: LTO4-0001 LTO5-0001 LTO5-0002"
expect "Still scratch: LTO5-0003"
! grep -q "FAILED" "$T/qs.out" || fail "a check FAILED: $(grep FAILED "$T/qs.out")"
pid=$(cat "$T/qs/agent.pid" 2>/dev/null || true)
[ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null || fail "the tape agent (pid $pid) still runs"
pass "quickstart.sh: both tapes written, read back by GNU tar, agent stopped"

# --keep-running leaves the agent up and says how to stop it; a second run
# wipes its own work folder.
qs --dir "$T/qs" --no-build --keep-running >"$T/qs.out" 2>&1 || fail "--keep-running run failed"
expect "The tape agent is still running"
AGENT_PID=$(cat "$T/qs/agent.pid")  # lib.sh's cleanup stops it on failure
kill -0 "$AGENT_PID" || fail "--keep-running: the agent is not running"
port=$(sed -n 's/.*still running (pid [0-9]*, port \([0-9]*\)).*/\1/p' "$T/qs.out")
"$BIN/tapeline-send" --agent "127.0.0.1:$port" --cert "$T/qs/pki/operator1.crt" \
  --key "$T/qs/pki/operator1.key" --ca "$T/qs/pki/ca.crt" --command list --json \
  | jq -e '.drives | length == 2' >/dev/null || fail "--keep-running: the agent does not answer"
# Not our child, so no `wait`: tail --pid returns when it has exited.
kill "$AGENT_PID"
timeout 60 tail --pid="$AGENT_PID" -f /dev/null || fail "the agent did not stop on SIGTERM"
AGENT_PID=""
grep -q "signal 15: closing sessions and stopping" "$T/qs/agent.log" \
  || fail "the agent did not log its shutdown"
pass "--keep-running: the agent answers tapeline-send and stops on SIGTERM"

# A folder it did not make is never wiped.
mkdir -p "$T/precious" && echo keep >"$T/precious/file"
if qs --dir "$T/precious" --no-build >"$T/qs.out" 2>&1; then
  fail "quickstart.sh accepted a foreign, non-empty --dir"
fi
[ -f "$T/precious/file" ] || fail "quickstart.sh wiped a folder it did not make"
expect "refusing to wipe it"
pass "a non-empty folder not made by the quick start is refused, untouched"
