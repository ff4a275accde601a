#!/usr/bin/env bash
# Fault (issues #4 and #6): the coordinator killed (-9) while a job streams,
# and restarted on the same catalog. The hv agent goes on streaming, comes
# back with the job active and is reconciled; the job ends done with
# exactly one restorable object, the disk was exported once (the
# simulator's log), and the bytes on tape are the simulator's disk.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"
. "$(dirname "$0")/coord_fault_lib.sh"

# 256 MiB at the LTO-1 speed model's 20 MB/s: about 13 s on tape, time
# enough for the coordinator to restart and the hv agent to reconnect while
# the job still runs.
FAULT_DISK=256M
fault_setup d0
job=$(run_vm vm01)
wait_streaming d0
kill9 "$COORD_PID"
COORD_PID=""
kill -0 "$HV_PID" || fail "the hv agent died with the coordinator"
restart_coordinator
# The hv agent reconnects by itself and says it still runs the job.
wait_for "hv agent back with job $job active" \
  "grep -q 'job $job: still running on host1; reconciled' '$T/coord.log'" 60
pass "coordinator killed mid-stream and restarted: job $job reconciled with host1"


wait_job "$job" "done" 90
[ "$(objects_of "$job" restorable)" = 1 ] \
  || fail "job $job has $(objects_of "$job" restorable) restorable objects, expected 1"
[ "$(sql "SELECT count(*) FROM objects WHERE vm_name = 'vm01'")" = 1 ] \
  || fail "the catalog holds $(sql "SELECT count(*) FROM objects WHERE vm_name = 'vm01'") objects of vm01, expected 1"
[ "$(sql "SELECT attempts FROM jobs WHERE id = $job")" = 1 ] \
  || fail "job $job was started $(sql "SELECT attempts FROM jobs WHERE id = $job") times"
[ "$(exports)" = 1 ] || fail "the disk was exported $(exports) times, expected once"
n=$(check_catalog_consistent)
[ "$n" = 1 ] || fail "$n restorable objects checked, expected 1"
pass "job $job done: one restorable object, one export, its bytes equal the simulator's disk"
