#!/usr/bin/env bash
# Fault (issues #4 and #6): EIO on the drive in the middle of an object,
# with a second drive of the same pool. The drive goes offline and a
# drive_error notification is stored; the attempt's object is failed; the
# job is retried on the other drive and ends done, with one restorable
# object equal to the simulator's disk; `tapeline drives online` puts the
# drive back and acknowledges the notification.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"
. "$(dirname "$0")/coord_fault_lib.sh"

# Objects start at record 4 (coord_fault_lib.sh): record 68 is 16 MiB into
# the first object.
FAULT_EIO="VT-d0 68"
fault_setup d0 d1
# d1 empty first, so the job goes to d0; its tape comes back while d0 writes.
tl tapes eject d1 >/dev/null
wait_for "d1 empty" \
  "[ -z \"\$(tl status --json | jq -r '.drives[] | select(.name == \"d1\") | .volume')\" ]"
job=$(run_vm vm01)
wait_for "job $job on d0" "[ \"\$(tl jobs show $job --json | jq -r .drive)\" = d0 ]"
tl tapes load d1 VT-d1 >/dev/null
wait_for "drive_error notification for d0" \
  "[ \"\$(tl notifications list --json | jq '[.notifications[] | select(.kind == \"drive_error\" and .drive == \"d0\")] | length')\" = 1 ]"
tl status --json > "$T/status.json"
[ "$(jq -r '.drives[] | select(.name == "d0") | .offline' "$T/status.json")" = true ] \
  || fail "d0 is not offline after an EIO: $(jq -c '.drives' "$T/status.json")"
msg=$(tl notifications list --json | jq -r '.notifications[] | select(.kind == "drive_error") | .message')
for want in "drive d0 is offline" EIO VT-d0 "tapeline drives online d0"; do
  grep -q -- "$want" <<<"$msg" || fail "the drive_error notification lacks '$want': $msg"
done
pass "EIO: d0 offline, operator told: ${msg:0:160}..."

wait_job "$job" "done" 90
[ "$(tl jobs show "$job" --json | jq -r .drive)" = d1 ] || fail "job $job did not end on d1"
[ "$(objects_of "$job" restorable)" = 1 ] \
  || fail "job $job has $(objects_of "$job" restorable) restorable objects, expected 1"
[ "$(objects_of "$job" failed)" = 1 ] || fail "the object cut by the EIO is not failed"
n=$(check_catalog_consistent)
[ "$n" = 1 ] || fail "$n restorable objects checked, expected 1"
pass "job $job retried on d1 and done; the EIO attempt's object is failed"

tl drives online d0 >/dev/null
[ "$(tl status --json | jq -r '.drives[] | select(.name == "d0") | .offline')" = false ] \
  || fail "d0 still offline after tapeline drives online"
[ "$(tl notifications list --json | jq '[.notifications[] | select(.kind == "drive_error")] | length')" = 0 ] \
  || fail "the drive_error notification is still open"
pass "tapeline drives online d0: back in service, notification acknowledged"
