#!/usr/bin/env bash
# End to end, issue #4: the coordinator with a tape agent and an hv agent
# that both register with it, and the `tapeline` CLI as the operator.
#  - both agents connect, authenticate and register (status shows them);
#  - `tapeline run vm01` plans, queues and dispatches a job to the drive;
#    the hv agent streams straight to the tape agent; the job ends done and
#    the catalog holds the object as restorable, where GNU tar finds it and
#    its bytes equal the simulator's disk;
#  - `tapeline catalog find` names that tape and tape file;
#  - calls outside the caller's role are refused and audited; a foreign
#    CA is refused at the TLS handshake;
#  - `tapeline tapes offsite` acknowledges the "take it off-site" notice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"

hv_pki
coord_pki
start_sim --vms 2 --disks-per-vm 1 --disk-size 32M --fill 6M --seed 5
# A real SMTP server (Debian's aiosmtpd) takes the operator's mail.
# (aiosmtpd makes the Maildir itself; an existing empty folder lacks tmp/new/cur)
/usr/bin/python3 "$SRC/tests/support/smtp_receiver.py" --maildir "$T/mail" > "$T/smtp.port" 2>"$T/smtp.log" &
SMTP_PID=$!
wait_for "the SMTP server" '[ -s "$T/smtp.port" ]'
coord_config "$T/coord.toml" "[notify]
channels = [\"log\", \"watch\", \"email\"]
[notify.email]
url = \"smtp://127.0.0.1:$(head -1 "$T/smtp.port")\"
from = \"tapeline@backup1.example\"
to = [\"ops@example.org\"]
starttls = \"never\""
start_coordinator "$T/coord.toml"

new_cartridge VT-0001 LTO-5
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K 'pool = "vdi"')"
printf '[coordinator]\naddress = "127.0.0.1:%s"\n' "$COORD_PORT" >> "$T/agent.toml"
load d0 VT-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
coord_hv_config "$T/hv.toml"
start_hv_daemon "$T/hv.toml"

wait_for "hv agent host1 registered with 2 VMs" \
  '[ "$(tl status --json | jq "[.hv_agents[] | select(.host == \"host1\") | .vms[]] | length")" = 2 ]'
wait_for "drive d0 registered with VT-0001 loaded" \
  '[ "$(tl status --json | jq -r ".drives[] | select(.name == \"d0\") | .volume")" = VT-0001 ]'
tl status > "$T/status.txt" || fail "tapeline status failed"
grep -q "^d0 .*VT-0001" "$T/status.txt" || { cat "$T/status.txt"; fail "status does not show d0 with VT-0001"; }
pass "both agents registered; status shows the drive and the VMs"

# An operator watching: tapeline watch prints events as they happen.
"$BIN/tapeline" --config "$T/cli.toml" watch --json > "$T/watch.jsonl" 2>/dev/null &
WATCH_PID=$!
wait_for "the watcher attached" "grep -q 'alice (operator) calls watch' '$T/coord.log'"
tl run vm01 --json > "$T/run.json" || { cat "$T/run.json"; fail "tapeline run vm01 failed"; }
job=$(jq -r '.jobs[0].id' "$T/run.json")
[ "$(jq '.jobs | length' "$T/run.json")" = 1 ] || fail "expected one job: $(cat "$T/run.json")"
wait_for "job $job done" "[ \"\$(tl jobs show $job --json | jq -r .state)\" = done ]" 120
tl jobs show "$job" --json > "$T/job.json"
obj=$(jq -r '.object_details[0].id' "$T/job.json")
[ "$(jq -r '.object_details[0].state' "$T/job.json")" = restorable ] \
  || fail "object of job $job is not restorable: $(cat "$T/job.json")"
pass "run vm01: job $job done, object $obj restorable"
# (nlohmann::json writes keys in order: "event" then "job")
for e in job_queued job_started job_done; do
  wait_for "$e of job $job in tapeline watch" \
    "grep -qF '\"event\":\"$e\",\"job\":$job' '$T/watch.jsonl'"
done
kill "$WATCH_PID" 2>/dev/null || true
pass "tapeline watch showed job $job queued, started and done"

# What the catalog says is where GNU tar finds it, and it is the VM's disk.
tl catalog find --vm vm01 --disk 0 --json > "$T/find.json"
tape=$(jq -r '.chains[0].steps[0].extents[0].tape' "$T/find.json")
file=$(jq -r '.chains[0].steps[0].extents[0].file' "$T/find.json")
[ "$(jq -r '.chains[0].steps[0].object' "$T/find.json")" = "$obj" ] \
  || fail "catalog find does not return object $obj: $(cat "$T/find.json")"
[ "$tape" = VT-0001 ] || fail "catalog find names tape $tape, not VT-0001"
CART="$T/d0/VT-0001.vtape"
manifest "$CART" "$file" > "$T/manifest.json"
[ "$(jq -r .object_id "$T/manifest.json")" = "$obj" ] \
  || fail "tape file $file holds $(jq -r .object_id "$T/manifest.json"), not $obj"
payload "$CART" "$file" "$T/disk.raw"
svdi=$(jq -r '.labels.snapshot_vdi_uuid' "$T/manifest.json")
[ "$(sha256sum < "$T/disk.raw" | cut -d' ' -f1)" = "$(sim sha256 --vdi "$svdi" | tr -d '"')" ] \
  || fail "the payload at VT-0001 file $file differs from the simulator's disk"
pass "catalog find: VT-0001 file $file, whose payload equals the simulator's disk"

# Roles: the hv agent's certificate may not make operator calls.
coord_cli_config "$T/hv-cli.toml" hv
set +e
out=$("$BIN/tapeline" --config "$T/hv-cli.toml" status 2>&1); rc=$?
set -e
[ $rc = 4 ] || fail "status with an hv-agent certificate: exit $rc, expected 4: $out"
grep -q "needs the operator role" <<<"$out" || fail "refusal does not say why: $out"
grep -q "audit: refused call:status from hv (role hv-agent)" "$T/coord.log" \
  || fail "no audit line for the refused call"
pass "a call outside the caller's role is refused (exit 4) and audited"

coord_cli_config "$T/foreign-cli.toml" client foreign
set +e
out=$("$BIN/tapeline" --config "$T/foreign-cli.toml" status 2>&1); rc=$?
set -e
[ $rc != 0 ] || fail "a foreign CA's certificate was let in"
pass "a foreign CA's certificate is refused: ${out:0:80}..."

# Rotation: ejecting the written tape asks the operator to take it away;
# recording it off-site acknowledges that.
tl tapes eject d0 >/dev/null
wait_for "notice to take VT-0001 off-site" \
  '[ "$(tl notifications list --json | jq "[.notifications[] | select(.kind == \"tape_ejected\" and .barcode == \"VT-0001\")] | length")" = 1 ]'
tl notifications list | grep -q "take VT-0001 off-site" || fail "no readable off-site notice"
tl tapes offsite VT-0001 --location "bank safe" >/dev/null
[ "$(tl tapes list --json | jq -r '.tapes[] | select(.barcode == "VT-0001") | .state + "/" + .location')" = "offsite/bank safe" ] \
  || fail "VT-0001 is not recorded off-site"
[ "$(tl notifications list --json | jq '[.notifications[] | select(.barcode == "VT-0001")] | length')" = 0 ] \
  || fail "the off-site notice is still open after tapeline tapes offsite"
pass "eject -> 'take VT-0001 off-site' -> tapes offsite acknowledges it"

wait_for "the off-site notice by email" \
  'grep -l "^Subject: \[tapeline\] take VT-0001 off-site" "$T"/mail/new/* >/dev/null 2>&1'
grep -q "^To: ops@example.org" "$(grep -l "^Subject: \[tapeline\] take VT-0001 off-site" "$T"/mail/new/*)" \
  || fail "the mail is not addressed to ops@example.org"
kill "$SMTP_PID" 2>/dev/null || true
pass "the off-site notice went out by email through a real SMTP server"

# With no tape in d0, new work waits (and asks for a tape); the operator
# cancels it.
tl run vm02 --json > "$T/run2.json"
job2=$(jq -r '.jobs[0].id' "$T/run2.json")
wait_for "a mount request for d0" \
  '[ "$(tl notifications list --json | jq "[.notifications[] | select(.kind == \"mount_request\" and .drive == \"d0\")] | length")" = 1 ]'
[ "$(tl jobs show "$job2" --json | jq -r .state)" = queued ] || fail "job $job2 should wait queued"
tl jobs cancel "$job2" >/dev/null || fail "tapeline jobs cancel $job2 failed"
[ "$(tl jobs show "$job2" --json | jq -r .state)" = cancelled ] || fail "job $job2 is not cancelled"
[ "$(tl status --json | jq '.queued | length')" = 0 ] || fail "the cancelled job is still queued"
pass "work waiting for a tape raises a mount request; jobs cancel takes it off the queue"

# The catalog lost: a new, empty one is rebuilt from the tape itself.
stop_coordinator
mv "$T/catalog.db" "$T/catalog.lost"
rm -f "$T/catalog.db-wal" "$T/catalog.db-shm"
start_coordinator "$T/coord.toml"
wait_for "drive d0 registered again" \
  '[ "$(tl status --json | jq -r ".drives[] | select(.name == \"d0\") | .name")" = d0 ]'
tl tapes load d0 VT-0001 >/dev/null
wait_for "VT-0001 back in d0" \
  '[ "$(tl status --json | jq -r ".drives[] | select(.name == \"d0\") | .volume")" = VT-0001 ]'
tl catalog rebuild --drive d0 > "$T/rebuild.txt" 2>&1 || { cat "$T/rebuild.txt"; tail -5 "$T/agent.log"; fail "catalog rebuild failed"; }
grep -q "catalog rebuilt from tape VT-0001" "$T/rebuild.txt" || fail "rebuild output: $(cat "$T/rebuild.txt")"
tl catalog find --vm vm01 --disk 0 --json > "$T/find2.json"
[ "$(jq -r '.chains[0].steps[0].object' "$T/find2.json")" = "$obj" ] &&
  [ "$(jq -r '.chains[0].steps[0].extents[0].file' "$T/find2.json")" = "$file" ] \
  || fail "the rebuilt catalog does not find $obj at VT-0001 file $file: $(cat "$T/find2.json")"
pass "catalog rebuild --drive d0: a new catalog finds $obj at VT-0001 file $file again"
