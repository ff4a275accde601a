#!/usr/bin/env bash
# Fault (issue #4): a job whose every attempt fails (the simulator answers
# each export with HTTP 500). It is retried with backoff ([dispatch]
# retries = 2, backoff = 1s: waits of 1 s, then 2 s), ends failed after 3
# attempts, nothing of it is restorable, and the operator gets a job_failed
# notification naming the VM, the cause and the command to run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"
. "$(dirname "$0")/coord_fault_lib.sh"

fault_setup d0
sim fault --kind export_500 --count 3 >/dev/null
job=$(run_vm vm01)
wait_job "$job" failed 60
[ "$(sql "SELECT attempts FROM jobs WHERE id = $job")" = 3 ] \
  || fail "job $job failed after $(sql "SELECT attempts FROM jobs WHERE id = $job") attempts, expected 3"
[ "$(exports)" = 3 ] || fail "$(exports) exports, expected 3"
grep -q "job $job (vm01): .*retry 1 of 2 in 1 s" "$T/coord.log" || fail "no first retry after 1 s in the log"
grep -q "job $job (vm01): .*retry 2 of 2 in 2 s" "$T/coord.log" || fail "no second retry after 2 s in the log"
pass "job $job retried with backoff (1 s, 2 s) and failed after 3 attempts"

tl notifications list --json > "$T/notes.json"
msg=$(jq -r --argjson j "$job" '.notifications[] | select(.kind == "job_failed" and .job == $j) | .message' "$T/notes.json")
[ -n "$msg" ] || fail "no job_failed notification for job $job: $(cat "$T/notes.json")"
for want in vm01 "3 attempts" 500 "tapeline run vm01"; do
  grep -q -- "$want" <<<"$msg" || fail "the job_failed notification lacks '$want': $msg"
done
[ "$(objects_of "$job" restorable)" = 0 ] || fail "a failed job left a restorable object"
[ "$(check_catalog_consistent)" = 0 ] || fail "restorable objects after a failed job"
pass "job_failed notification: $msg"
