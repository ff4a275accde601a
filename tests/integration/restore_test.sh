#!/usr/bin/env bash
# Restores through the drive (issue #5, docs/restore.md): xapi-sim and the
# hv agent back up vm01 (night 1: VHD fulls, the first spanning two
# cartridges; night 2: VHD deltas after the VM wrote), the catalog is
# rebuilt from the cartridges, and tapeline-restore then, through the tape
# agent's drive:
#  - restores disk 0 to raw and disk 1 to VHD, merged through the chain;
#    oracles: the simulator's own SHA-256 of each disk at night 2's
#    snapshot, and qemu-img converting the VHD;
#  - restores disk 0 into XAPI (VDI.create + /import_raw_vdi on xapi-sim);
#  - restores the spanned full's chain at night 1 (--at) with the operator
#    mount handler: the test plays the operator, loading each cartridge it
#    is asked for with tapeline-vtape;
#  - fails on a tape with an unreadable record, naming the object and the
#    tape file, while the other disk still restores;
#  - verify TAPE reports every object, the damaged one as FAILED.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

hv_pki
start_sim --vms 1 --disks-per-vm 2 --disk-size 64M --fill 20M --seed 5
# RT-0001 is small: night 1's first full fills it and continues on RT-0002.
new_cartridge RT-0001 LTO-5 12M 1M
new_cartridge RT-0002 LTO-5 512M
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K 'autoload = true')"
load d0 RT-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
TO="127.0.0.1:$AGENT_PORT/d0"

backup() {
  local name=$1; shift
  hv -c "$T/hv.toml" backup-once --to "$TO" --json "$@" >"$T/$name.json" 2>>"$T/hv.log" \
    || { cat "$T/$name.json" >&2; tail -20 "$T/hv.log" >&2; fail "backup $name failed"; }
}
field_of() {  # NIGHT DISK JQ
  jq -r --arg d "disk $2 of VM vm01" ".objects[] | select(.what == \$d) | $3" "$T/$1.json"
}
backup night1 --vm vm01
sim write --vm vm01 --blocks 6 --seed 77 >/dev/null
backup night2 --vm vm01 --base auto --finish-session
send --drive d0 --command eject >/dev/null
# Which disk's full spans the two cartridges.
span=""
for d in 0 1; do
  [ "$(field_of night1 $d '.result.extents | length')" = 2 ] && span=$d
done
[ -n "$span" ] || fail "no full spans RT-0001 and RT-0002: $(jq -c '[.objects[].result.extents]' "$T/night1.json")"
other=$((1 - span))
pass "vm01 backed up: disk $span's full spans RT-0001 and RT-0002"

R() { timeout 300 "$BIN/tapeline-restore" "$@"; }
R ingest-virtual --catalog "$T/cat.db" --shelf "$T/lib" RT-0001 RT-0002 2>>"$T/restore.log" \
  || fail "catalog rebuild from the cartridges failed"
cat > "$T/restore.toml" <<TOML
[restore]
catalog = "$T/cat.db"
agent = "127.0.0.1:$AGENT_PORT"
drive = "d0"
load = "command"
[tls]
certificate = "$T/pki/client.crt"
key = "$T/pki/client.key"
cafile = "$T/pki/ca.crt"
TOML

sim_sha() { sim sha256 --vdi "$(field_of "$1" "$2" '.manifest.labels.snapshot_vdi_uuid')" | tr -d '"'; }

# Disk 0 to raw, disk 1 to VHD: each the disk at night 2's snapshot.
R vdi -c "$T/restore.toml" --vm vm01 --disk 0 --to "$T/d0.raw" --json \
  >"$T/r0.json" 2>>"$T/restore.log" || { tail "$T/restore.log" >&2; fail "restore of disk 0 to raw failed"; }
[ "$(sha256sum <"$T/d0.raw" | cut -d' ' -f1)" = "$(sim_sha night2 0)" ] \
  || fail "restored disk 0 differs from the sim's disk at night 2"
[ "$(jq '.objects | length' "$T/r0.json")" = 2 ] || fail "disk 0 chain: $(cat "$T/r0.json")"
R vdi -c "$T/restore.toml" --vm vm01 --disk 1 --to "$T/d1.vhd" --json \
  >"$T/r1.json" 2>>"$T/restore.log" || { tail "$T/restore.log" >&2; fail "restore of disk 1 to vhd failed"; }
vhdiinfo "$T/d1.vhd" >/dev/null 2>&1 || fail "vhdiinfo rejects the restored VHD"
qemu-img convert -f vpc -O raw \
  "json:{\"driver\":\"vpc\",\"force_size_calc\":\"current_size\",\"file\":{\"driver\":\"file\",\"filename\":\"$T/d1.vhd\"}}" \
  "$T/d1.raw" || fail "qemu-img cannot read the restored VHD"
[ "$(sha256sum <"$T/d1.raw" | cut -d' ' -f1)" = "$(sim_sha night2 1)" ] \
  || fail "restored disk 1 (VHD, via qemu-img) differs from the sim's disk at night 2"
ls "$T"/d0.raw.layer* "$T"/d1.vhd.layer* >/dev/null 2>&1 && fail "layer files left behind"
pass "disk 0 restored to raw and disk 1 to VHD through the chain, byte for byte"

# Into XAPI: a new VDI on the pool's SR, through PUT /import_raw_vdi.
sess=$(sim call session.login_with_password '"root"' '"secret"' '"1.0"' '"restore-test"' | tr -d '"')
sr=$(sim call SR.get_all "\"$sess\"" | jq -r '.[0]')
sr_uuid=$(sim call SR.get_uuid "\"$sess\"" "\"$sr\"" | tr -d '"')
{ sed "/^\[restore\]/a work_dir = \"$T\"" "$T/restore.toml"
  printf '[xapi]\nurl = "unix://%s"\ncredentials = "%s"\n' "$SIM_SOCK" "$T/xapi.credentials"
} >"$T/restore-xapi.toml"
R vdi -c "$T/restore-xapi.toml" --vm vm01 --disk 0 --to "xapi:$sr_uuid" --json \
  >"$T/rx.json" 2>>"$T/restore.log" || { tail "$T/restore.log" >&2; fail "restore of disk 0 into XAPI failed"; }
new_vdi=$(jq -r .vdi_uuid "$T/rx.json")
[ -n "$new_vdi" ] && [ "$new_vdi" != null ] || fail "no new VDI: $(cat "$T/rx.json")"
[ "$(sim sha256 --vdi "$new_vdi" | tr -d '"')" = "$(sim_sha night2 0)" ] \
  || fail "the VDI imported into XAPI differs from disk 0 at night 2"
pass "disk 0 restored into XAPI as new VDI $new_vdi on SR $sr_uuid, byte for byte"

# The spanned full at night 1, the operator loading each tape asked for.
at=$(sqlite3 "$T/cat.db" "SELECT created_at FROM objects WHERE id = '$(field_of night1 $span .result.object_id)'")
n2=$(sqlite3 "$T/cat.db" "SELECT created_at FROM objects WHERE id = '$(field_of night2 $span .result.object_id)'")
# Nights 1 and 2 may fall in the same second: then --at night 1 includes
# night 2's delta, and the disk to expect is night 2's.
want_night=night1 want_objects=1
[ "$at" -lt "$n2" ] || { want_night=night2 want_objects=2; }
mkfifo "$T/ask"
R vdi -c "$T/restore.toml" --load operator --vm vm01 --disk "$span" --at "$at" \
  --to "$T/span.raw" --json >"$T/rs.json" 2>"$T/ask" &
rpid=$!
asked=()
while IFS= read -r line; do
  echo "$line" >>"$T/restore.log"
  if [[ $line =~ load\ (RT-000[0-9])\ into\ drive\ d0 ]]; then
    asked+=("${BASH_REMATCH[1]}")
    load d0 "${BASH_REMATCH[1]}"
  fi
done <"$T/ask"
wait $rpid || { tail "$T/restore.log" >&2; fail "restore of the spanned full with the operator failed"; }
[ "${asked[*]}" = "RT-0001 RT-0002" ] || fail "operator was asked for: ${asked[*]}"
[ "$(jq '.objects | length' "$T/rs.json")" = "$want_objects" ] || fail "--at night 1 restored: $(cat "$T/rs.json")"
[ "$(jq '.objects[0].where | length' "$T/rs.json")" = 2 ] || fail "the full was not read in 2 parts"
[ "$(sha256sum <"$T/span.raw" | cut -d' ' -f1)" = "$(sim_sha $want_night "$span")" ] \
  || fail "the spanned full restored at night 1 differs from the sim's disk"
pass "spanned full restored at night 1; the operator was asked for RT-0001 then RT-0002"

# An unreadable record inside the other disk's full (on RT-0002).
obj=$(field_of night1 $other .result.object_id)
file=$(field_of night1 $other '.result.extents[0].file_number')
vol=$(field_of night1 $other '.result.extents[0].volume_id')
[ "$vol" = RT-0002 ] || fail "disk $other's full is on $vol, expected RT-0002"
blk=$(sqlite3 "$T/cat.db" "SELECT first_block FROM extents WHERE object_id = '$obj'")
send --drive d0 --command eject >/dev/null
"$BIN/tapeline-vtape" fault "$T/lib/RT-0002.vtape" --corrupt-record $((blk + 3)) >/dev/null
if R vdi -c "$T/restore.toml" --vm vm01 --disk $other --to "$T/bad.raw" 2>"$T/bad.err" >/dev/null; then
  fail "a restore over an unreadable record succeeded"
fi
grep -F "$obj" "$T/bad.err" >/dev/null || fail "the error does not name object $obj: $(cat "$T/bad.err")"
grep -F "RT-0002 file $file" "$T/bad.err" >/dev/null || fail "the error does not name RT-0002 file $file: $(cat "$T/bad.err")"
[ ! -e "$T/bad.raw" ] || fail "a failed restore left its output"
R vdi -c "$T/restore.toml" --vm vm01 --disk $span --to "$T/ok.raw" >/dev/null 2>>"$T/restore.log" \
  || fail "disk $span no longer restores next to the damaged object"
[ "$(sha256sum <"$T/ok.raw" | cut -d' ' -f1)" = "$(sim_sha night2 "$span")" ] || fail "disk $span after the damage"
pass "an unreadable record fails disk $other's restore naming $obj and RT-0002 file $file; disk $span still restores"

# verify TAPE: per object, the damaged one FAILED.
if R verify -c "$T/restore.toml" RT-0002 --json >"$T/v.json" 2>>"$T/restore.log"; then
  fail "verify RT-0002 passed with an unreadable record"
fi
[ "$(jq '.failed' "$T/v.json")" = 1 ] || fail "verify: $(cat "$T/v.json")"
jq -e --arg o "$obj" '.objects[] | select(.ok | not) | .object_id == $o' "$T/v.json" >/dev/null \
  || fail "verify does not single out $obj: $(cat "$T/v.json")"
n=$(jq '.objects | length' "$T/v.json")
[ "$n" -ge 4 ] || fail "verify RT-0002 reported $n object parts, expected 4"
send --drive d0 --command eject >/dev/null
"$BIN/tapeline-vtape" fault "$T/lib/RT-0002.vtape" --clear >/dev/null
R verify -c "$T/restore.toml" RT-0002 >"$T/v.txt" 2>>"$T/restore.log" || fail "verify of the repaired tape: $(cat "$T/v.txt")"
[ "$(grep -c '^ok ' "$T/v.txt")" = "$n" ] || fail "verify output: $(cat "$T/v.txt")"
pass "verify RT-0002 reports each of its $n object parts, and the damaged one"

stop_agent
