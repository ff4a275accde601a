#!/usr/bin/env bash
# End to end, issue #4: nights driven only by the schedule. xapi-sim with
# two VMs, the hv agent and a tape agent with two virtual drives, all under
# the coordinator, whose clock (TAPELINE_CLOCK_START) is set just before
# 22:30 in Europe/London:
#  - night 1 fires on its own: fulls of both VMs, the nightly report, and
#    each drive that wrote ejects its tape with "take it off-site";
#  - the operator records the tapes off-site and loads scratch tapes;
#  - night 2 (the coordinator restarted a day later): deltas; the chain
#    found by `tapeline catalog find` merges, from GNU tar's tape files,
#    into the simulator's disk as it was at night 2;
#  - three days down: exactly one catch-up night, not three.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"
. "$(dirname "$0")/coord_lib.sh"

hv_pki
coord_pki
start_sim --vms 2 --disks-per-vm 1 --disk-size 32M --fill 6M --seed 7
# Tuesday 2026-11-24; London is on UTC in November.
N1=$(date -u -d '2026-11-24 22:29:57' +%s)
POLICY_KIND='kind = "weekly_full"
full_weekday = 2
max_chain_length = 6' coord_config "$T/coord.toml" '[[schedule]]
name = "nightly"
cron = "30 22 * * *"
time_zone = "Europe/London"
policy = "nightly"
vms = ["vm*"]'
TAPELINE_CLOCK_START=$N1 start_coordinator "$T/coord.toml"

for b in VT-0001 VT-0002 VT-0003 VT-0004 VT-0005 VT-0006; do new_cartridge $b LTO-5; done
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K 'pool = "vdi"')" \
  "$(virtual_drive d1 LTO-5 256K 'pool = "vdi"')"
printf '[coordinator]\naddress = "127.0.0.1:%s"\n' "$COORD_PORT" >> "$T/agent.toml"
load d0 VT-0001
load d1 VT-0002
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
coord_hv_config "$T/hv.toml"
start_hv_daemon "$T/hv.toml"

# Nobody runs anything: the schedule fires at 22:30.
wait_for "night 1: two jobs done" '[ "$(jobs_in done)" = 2 ]' 90
[ "$(tl jobs list --json | jq '[.jobs[] | select(.type == "full" and (.reason | startswith("schedule nightly")))] | length')" = 2 ] \
  || fail "night 1 should be two scheduled fulls: $(tl jobs list --json)"
wait_for "night 1's report" \
  '[ "$(sqlite3 "$T/catalog.db" "SELECT count(*) FROM notifications WHERE kind = '"'"'nightly_report'"'"'")" = 1 ]'
sqlite3 "$T/catalog.db" "SELECT message FROM notifications WHERE kind = 'nightly_report'" \
  | grep -q "nightly report 2026-11-24: 2 objects" || fail "the report's subject: $(sqlite3 "$T/catalog.db" "SELECT message FROM notifications WHERE kind = 'nightly_report'")"
written=$(tl jobs list --json | jq -r '[.jobs[].drive] | unique | .[]')
for d in $written; do
  wait_for "drive $d ejected" "[ \"\$(tl status --json | jq -r '.drives[] | select(.name == \"$d\") | .loaded')\" = false ]"
done
ejected=$(tl notifications list --json | jq -r '.notifications[] | select(.kind == "tape_ejected") | .barcode' | sort)
[ -n "$ejected" ] || fail "no tape to take off-site after night 1"
[ "$(tl notifications list | grep -c 'take VT-000[12] off-site')" = "$(wc -w <<<"$ejected")" ] \
  || fail "each ejected tape needs its 'take it off-site' notice: $(tl notifications list)"
pass "night 1 ran on its own: 2 fulls, the report, and $(wc -w <<<"$ejected") tapes to take off-site"

for b in $ejected; do tl tapes offsite "$b" --location "bank safe" >/dev/null; done
next=3
for d in $written; do tl tapes load "$d" "VT-000$next" >/dev/null; next=$((next + 1)); done
sim write --vm vm01 --blocks 4 --seed 21 >/dev/null
stop_coordinator

# Night 2, a day later.
TAPELINE_CLOCK_START=$((N1 + 86400)) start_coordinator "$T/coord.toml"
wait_for "night 2: four jobs done" '[ "$(jobs_in done)" = 4 ]' 90
[ "$(tl jobs list --json | jq '[.jobs[] | select(.type == "delta")] | length')" = 2 ] \
  || fail "night 2 should be deltas: $(tl jobs list --json)"
tl catalog find --vm vm01 --disk 0 --json > "$T/find.json"
[ "$(jq '.chains[0].steps | length' "$T/find.json")" = 2 ] \
  || fail "vm01 disk 0 should restore from a full and a delta: $(cat "$T/find.json")"
files=()
i=0
for row in $(jq -r '.chains[0].steps[] | .extents[0] | "\(.tape):\(.file)"' "$T/find.json"); do
  tape=${row%%:*}; file=${row##*:}
  cart=""
  for c in "$T"/d?/"$tape".vtape "$T/lib/$tape.vtape"; do [ -e "$c" ] && cart=$c; done
  [ -n "$cart" ] || fail "no cartridge file for $tape"
  dump "$cart" "$file" "$T/step$i.tar"
  files+=("$T/step$i.tar")
  i=$((i + 1))
done
"$BIN/tapeline-extract" restore-chain -o "$T/vm01.raw" "${files[@]}" >/dev/null \
  || fail "tapeline-extract could not merge the chain the catalog gave"
svdi=$(tar -xOf "$T/step1.tar" TAPELINE.OBJECT | jq -r .labels.snapshot_vdi_uuid)
[ "$(sha256sum < "$T/vm01.raw" | cut -d' ' -f1)" = "$(sim sha256 --vdi "$svdi" | tr -d '"')" ] \
  || fail "the merged chain differs from vm01's disk at night 2"
pass "night 2 ran on its own: deltas; the chain from catalog find merges into vm01's disk"

# Three days down: one catch-up, not three. Night 2's drives ejected their
# tapes, so the catch-up waits on mount requests until tapes are loaded.
stop_coordinator
TAPELINE_CLOCK_START=$((N1 + 5 * 86400 + 3600)) start_coordinator "$T/coord.toml"
wait_for "the catch-up night queued" \
  '[ "$(tl jobs list --limit 1000 --json | jq "[.jobs[] | select(.reason | contains(\"catch-up\"))] | length")" -ge 1 ]' 60
for d in d0 d1; do
  wait_for "drive $d ejected night 2's tape" "[ \"\$(tl status --json | jq -r '.drives[] | select(.name == \"$d\") | .loaded')\" = false ]"
done
wait_for "a mount request" \
  '[ "$(tl notifications list --json | jq "[.notifications[] | select(.kind == \"mount_request\")] | length")" -ge 1 ]'
tl notifications list | grep -q "load a scratch tape of pool vdi" || fail "mount request not readable: $(tl notifications list)"
for d in $(tl status --json | jq -r '.drives[] | select(.loaded == false) | .name'); do
  tl tapes load "$d" "VT-000$next" >/dev/null; next=$((next + 1))
done
wait_for "the catch-up night done" '[ "$(jobs_in done)" = 6 ]' 90
[ "$(tl notifications list --json | jq "[.notifications[] | select(.kind == \"mount_request\")] | length")" = 0 ] \
  || fail "loading the tapes did not acknowledge the mount requests"
grep -q "schedule nightly: .*catch" "$T/coord.log" || fail "no catch-up in the log"
[ "$(tl jobs list --limit 1000 --json | jq '[.jobs[] | select(.reason | contains("catch-up"))] | length')" = 2 ] \
  || fail "the catch-up should be one night (2 jobs): $(tl jobs list --json)"
[ "$(tl schedule list --json | jq -r '.schedules[0].next_run')" = "$(date -u -d '2026-11-30 22:30' +%s)" ] \
  || fail "next run is not the coming 22:30: $(tl schedule list --json)"
pass "after three days down: one catch-up night, next run at the coming 22:30"
