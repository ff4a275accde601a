#!/usr/bin/env bash
# Faults on the hypervisor side (issue #3): a cut export, an HTTP 500, a
# session that expires mid-export, an hv agent killed mid-stream, and a
# credentials file others can read. For each: the error is clear, no object
# is recorded as restorable (its tape file has no trailer, the session
# catalog marks it incomplete), and no snapshot leaks on the host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

hv_pki
start_sim --vms 1 --disks-per-vm 1 --disk-size 256M --fill 96M --seed 5
new_cartridge VT-0001 LTO-5
# LTO-1 speed model (20 MB/s native) so that a stream lasts long enough to
# kill the agent in the middle of it.
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K)" \
  "$(virtual_drive slow LTO-1 256K 'speed_model = true')"
load d0 VT-0001
new_cartridge VT-0002 LTO-1
load slow VT-0002
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
TO="127.0.0.1:$AGENT_PORT/d0"
CART="$T/d0/VT-0001.vtape"

snapshots() {
  hv -c "$T/hv.toml" list --json 2>/dev/null | jq '[.[].snapshots[]] | length'
}
# VDIs in the pool (a fresh session each time: one fault expires them all).
vdis() {
  local s
  s=$(sim call session.login_with_password '"root"' '"secret"' '"1.0"' '"test"')
  sim call VDI.get_all_records "\"$s\"" | jq 'length'
}
[ "$(snapshots)" = 0 ] || fail "the pool starts with snapshots"
vdis0=$(vdis)

# expect_failure NAME PATTERN: a backup that must fail with PATTERN in its
# error, leaving no snapshot and no extra VDI.
expect_failure() {
  local name=$1 pattern=$2
  if hv -c "$T/hv.toml" backup-once --vm vm01 --to "$TO" >"$T/$name.out" 2>"$T/$name.err"; then
    fail "$name: the backup succeeded"
  fi
  grep "^tapeline-hv-agent: " "$T/$name.err" > "$T/$name.msg" || true
  grep -q -- "$pattern" "$T/$name.msg" \
    || { cat "$T/$name.err" >&2; fail "$name: the error does not say '$pattern'"; }
  [ "$(snapshots)" = 0 ] || fail "$name: a snapshot leaked"
  [ "$(vdis)" = "$vdis0" ] || fail "$name: snapshot VDIs leaked ($(vdis) VDIs, was $vdis0)"
  pass "$name: $(cut -c1-160 "$T/$name.msg")"
}

sim fault --kind export_cut --after-bytes 30000000 >/dev/null
expect_failure cut "ended after 30000000 bytes"

sim fault --kind export_500 >/dev/null
expect_failure http500 "500"

sim fault --kind expire_session --after-bytes 20000000 >/dev/null
expect_failure expired "disk 0 of VM vm01"

# None of the three objects is complete on tape; the drive's session
# catalog, written now, says so.
files=$(send --drive d0 --command status --json | jq -r '.status.file_number')
for f in $(seq 2 $((files - 1))); do  # file 1: the tools file
  if has_trailer "$CART" "$f"; then fail "tape file $f has a trailer: recorded as complete"; fi
done
send --drive d0 --command finish-session >/dev/null
pass "no failed object is complete on tape"

# A credentials file others can read is refused before anything happens.
chmod 644 "$T/xapi.credentials"
if hv -c "$T/hv.toml" check >/dev/null 2>"$T/creds.err"; then fail "a 0644 credentials file was accepted"; fi
grep -q "chmod 600" "$T/creds.err" || { cat "$T/creds.err" >&2; fail "the error does not give the fix"; }
chmod 600 "$T/xapi.credentials"
pass "credentials file readable by others refused: $(head -1 "$T/creds.err" | cut -c1-100)"

# The agent killed mid-stream (to the slow drive): its snapshot is left
# over; the janitor sees the owner is gone and deletes it.
"$BIN/tapeline-hv-agent" -c "$T/hv.toml" backup-once --vm vm01 \
  --to "127.0.0.1:$AGENT_PORT/slow" >"$T/kill.out" 2>"$T/kill.err" &
HV_PID=$!
# Mid-stream: the drive has started writing the object.
for _ in $(seq 1 300); do
  [ "$(send --drive slow --command status --json | jq -r '.status.bytes_written // "0"')" -gt 4194304 ] && break
  kill -0 $HV_PID 2>/dev/null || break
  sleep 0.1
done
hv -c "$T/hv.toml" janitor --json >"$T/janitor-live.json" 2>>"$T/hv.log"
[ "$(jq '.actions | length' "$T/janitor-live.json")" = 0 ] \
  || fail "the janitor deleted the snapshot of a running export"
kill -9 $HV_PID || fail "the backup to the slow drive ended before it could be killed: $(tail -3 "$T/kill.err")"
wait $HV_PID 2>/dev/null || true
[ "$(snapshots)" = 1 ] || fail "expected the killed agent's snapshot to be left over"
hv -c "$T/hv.toml" janitor --json >"$T/janitor.json" 2>>"$T/hv.log"
jq -e '.actions[0].reason | test("no longer running")' "$T/janitor.json" >/dev/null \
  || { cat "$T/janitor.json" >&2; fail "janitor did not name the leftover"; }
[ "$(snapshots)" = 0 ] || fail "the janitor left the snapshot"
[ "$(vdis)" = "$vdis0" ] || fail "the janitor left snapshot VDIs"
# The drive noticed the lost peer and recorded nothing.
for _ in $(seq 1 100); do grep -q "PEER_LOST\|lost" "$T/agent.log" && break; sleep 0.1; done
grep -q "PEER_LOST\|lost" "$T/agent.log" || fail "the tape agent did not notice the lost hv agent"
if has_trailer "$T/slow/VT-0002.vtape" 2; then fail "the killed stream has a trailer"; fi
pass "killed agent: janitor removed its leftover snapshot; nothing restorable on tape"

# And a good backup still works after all that.
hv -c "$T/hv.toml" backup-once --vm vm01 --to "$TO" >/dev/null 2>>"$T/hv.log" \
  || fail "a clean backup failed after the faults"
[ "$(snapshots)" = 1 ] || fail "the good backup's snapshot is not kept"
pass "a clean backup after the faults works"
stop_agent
