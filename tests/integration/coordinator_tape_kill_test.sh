#!/usr/bin/env bash
# Fault (issues #4 and #6): the tape agent killed (-9) while a job streams
# to it. The hv agent's stream fails and its report says so; the
# coordinator records that attempt's object failed, takes the drive out
# while its agent is away and tells the operator, and retries the job once
# the restarted tape agent is back. It ends done with exactly one
# restorable object, whose bytes equal the simulator's disk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"
. "$(dirname "$0")/coord_fault_lib.sh"

fault_setup d0
job=$(run_vm vm01)
wait_streaming d0
kill9 "$AGENT_PID"
AGENT_PID=""
wait_for "the hv agent's failed report of job $job recorded" \
  "[ \"\$(objects_of $job failed)\" = 1 ]"
[ "$(objects_of "$job" restorable)" = 0 ] || fail "an object cut by the lost tape agent is restorable"
[ "$(tl status --json | jq -r '.drives[] | select(.name == "d0") | .connected')" = false ] \
  || fail "drive d0 is still shown connected"
tl notifications list | grep -q "drive d0 is offline: lost its tape agent" \
  || fail "no notification that d0 lost its tape agent: $(tl notifications list)"
pass "tape agent killed mid-stream: the attempt's object is failed, the operator is told"

start_agent "$T/agent.toml"
wait_job "$job" "done" 90
[ "$(sql "SELECT attempts FROM jobs WHERE id = $job")" = 2 ] \
  || fail "job $job took $(sql "SELECT attempts FROM jobs WHERE id = $job") attempts, expected 2"
[ "$(objects_of "$job" restorable)" = 1 ] \
  || fail "job $job has $(objects_of "$job" restorable) restorable objects, expected 1"
[ "$(objects_of "$job" failed)" = 1 ] || fail "the first attempt's object is no longer failed"
[ "$(tl status --json | jq -r '.drives[] | select(.name == "d0") | .offline')" = false ] \
  || fail "d0 stayed offline after its tape agent came back"
[ "$(tl notifications list --json | jq '[.notifications[] | select(.kind == "drive_error")] | length')" = 0 ] \
  || fail "the 'lost its tape agent' notice is still open after the agent came back"
n=$(check_catalog_consistent)
[ "$n" = 1 ] || fail "$n restorable objects checked, expected 1"
pass "restarted tape agent: job $job retried on d0 and done, its object equal to the simulator's disk"
