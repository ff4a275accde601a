#!/usr/bin/env bash
# Fault (issues #4 and #6): the hv agent killed (-9) while its job streams.
# The drive aborts the stream (PEER_LOST) and the coordinator records that
# attempt's object as failed, though no report will ever come for it. The
# restarted hv agent registers without the job; the coordinator retries it
# and it ends done with exactly one restorable object, whose bytes equal
# the simulator's disk. The killed agent's snapshot is left on the host, and
# the janitor removes it (and only it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"
. "$(dirname "$0")/coord_fault_lib.sh"

snapshots() { hv -c "$T/hv.toml" list --json 2>/dev/null | jq '[.[].snapshots[]] | length'; }

# The tape agent takes up to 320 MiB at once (its 64 MiB buffer, then the
# speed model's 256 MiB drive buffer); the rest of a 384 MiB disk goes at
# the LTO-1 rate, so the hv agent is still sending 3 s after the stream
# opens, when it is killed.
FAULT_DISK=384M
fault_setup d0
job=$(run_vm vm01)
wait_streaming d0
kill9 "$HV_PID"
HV_PID=""
wait_for "PEER_LOST in the tape agent's log" \
  "grep -q 'OBJECT_FAILED (PEER_LOST)' '$T/agent.log'"
wait_for "the aborted object recorded failed" \
  "[ \"\$(objects_of $job failed)\" = 1 ]"
[ "$(objects_of "$job" restorable)" = 0 ] || fail "an aborted object is restorable"
first=$(sql "SELECT o.id FROM objects o JOIN job_objects j ON j.object_id = o.id WHERE j.job_id = $job")
pass "hv agent killed mid-stream: the drive aborted (PEER_LOST), object $first is failed in the catalog"

[ "$(snapshots)" = 1 ] || fail "expected the killed agent's snapshot on the host, found $(snapshots)"
start_hv_daemon "$T/hv.toml"
wait_job "$job" "done" 90
[ "$(sql "SELECT attempts FROM jobs WHERE id = $job")" = 2 ] \
  || fail "job $job took $(sql "SELECT attempts FROM jobs WHERE id = $job") attempts, expected 2"
[ "$(objects_of "$job" restorable)" = 1 ] \
  || fail "job $job has $(objects_of "$job" restorable) restorable objects, expected 1"
[ "$(sql "SELECT state FROM objects WHERE id = '$first'")" = failed ] \
  || fail "the killed attempt's object $first is $(sql "SELECT state FROM objects WHERE id = '$first'")"
[ "$(exports)" = 2 ] || fail "$(exports) exports, expected 2 (the killed one and the retry)"
n=$(check_catalog_consistent)
[ "$n" = 1 ] || fail "$n restorable objects checked, expected 1"
pass "restarted hv agent: job $job retried and done, one restorable object equal to the simulator's disk"

hv -c "$T/hv.toml" janitor --json > "$T/janitor.json" 2>>"$T/hv.log"
[ "$(jq '.actions | length' "$T/janitor.json")" = 1 ] \
  || fail "the janitor should remove exactly the leftover: $(cat "$T/janitor.json")"
jq -e '.actions[0].reason | test("no longer running")' "$T/janitor.json" >/dev/null \
  || fail "the janitor does not say the owner is gone: $(cat "$T/janitor.json")"
[ "$(snapshots)" = 1 ] || fail "after the janitor: $(snapshots) snapshots, expected the retry's kept one"
pass "the janitor removed the killed agent's snapshot and kept the good one"
