#!/usr/bin/env bash
# End to end, issue #3: xapi-sim, tapeline-hv-agent, the tape agent and a
# virtual drive. Three nights of vm01 (a full, then VHD deltas against the
# previous night's snapshot, the VM writing in between), a raw full of vm02
# over HTTPS, the pool metadata and a small file set. Then everything is
# read back from the cartridge with GNU tar alone, and:
#  - every VHD passes libvhdi's vhdiinfo; the fulls also match the sim's
#    disk under qemu-img compare (qemu-img check does not support VHD);
#  - each delta holds exactly the blocks the VM wrote that day;
#  - merging the chain up to night N gives the disk exactly as it was at
#    night N's snapshot (SHA-256 against the simulator's own read-back);
#  - the file set extracts with zstd -d | tar and equals its source.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

hv_pki
start_sim --vms 2 --disks-per-vm 2 --disk-size 64M --fill 20M --seed 11
new_cartridge VT-0001 LTO-5
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K)"
load d0 VT-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
TO="127.0.0.1:$AGENT_PORT/d0"
CART="$T/d0/VT-0001.vtape"

hv -c "$T/hv.toml" check >/dev/null 2>>"$T/hv.log" || fail "hv agent check failed"

# backup NAME ARGS...: a backup-once with JSON output in $T/NAME.json.
backup() {
  local name=$1; shift
  hv -c "$T/hv.toml" backup-once --to "$TO" --json "$@" >"$T/$name.json" 2>>"$T/hv.log" \
    || { cat "$T/$name.json" >&2; tail -20 "$T/hv.log" >&2; fail "backup $name failed"; }
}
# file_of NAME DISK: the tape file holding that night's disk.
file_of() {
  jq -r --arg d "disk $2 of VM vm01" \
    '.objects[] | select(.what == $d) | .result.extents[0].file_number' "$T/$1.json"
}
field_of() {
  jq -r --arg d "disk $2 of VM vm01" \
    ".objects[] | select(.what == \$d) | $3" "$T/$1.json"
}

# Night 1: fulls.  Nights 2 and 3: the VM writes, then deltas.
backup night1 --vm vm01
for n in 2 3; do
  sim write --vm vm01 --blocks $((3 + n)) --seed $((100 + n)) >/dev/null
  extra=()
  [ $n = 3 ] && extra=(--finish-session)
  backup "night$n" --vm vm01 --base auto "${extra[@]}"
done
# Night 3 closed the drive's session: its catalog file follows the objects
# and lists them all as complete.
cf=$(( $(jq -r '[.objects[].result.extents[0].file_number] | max' "$T/night3.json") + 1 ))
dump "$CART" "$cf" "$T/catalog.tar"
tar -xOf "$T/catalog.tar" TAPELINE.CATALOG > "$T/catalog.json" \
  || fail "no session catalog after night 3 (tape file $cf)"
[ "$(jq '[.entries[] | select(.complete)] | length' "$T/catalog.json")" = 6 ] \
  || fail "the session catalog does not list 6 complete objects: $(cat "$T/catalog.json")"
pass "night 3 closed the session: the catalog lists all 6 objects as complete"
pass "three nights of vm01 backed up"

for disk in 0 1; do
  chain=()
  for n in 1 2 3; do
    f=$(file_of "night$n" $disk)
    [ -n "$f" ] && [ "$f" != null ] || fail "night $n disk $disk: no tape file"
    has_trailer "$CART" "$f" || fail "night $n disk $disk: no trailer on tape"
    payload "$CART" "$f" "$T/n$n.d$disk.vhd"
    vhdiinfo "$T/n$n.d$disk.vhd" >/dev/null 2>&1 \
      || fail "vhdiinfo rejects night $n disk $disk"
    kind=$(field_of "night$n" $disk .manifest.kind)
    svdi=$(field_of "night$n" $disk '.manifest.labels.snapshot_vdi_uuid')
    if [ $n = 1 ]; then
      [ "$kind" = VDI_FULL ] || fail "night 1 disk $disk is $kind, not a full"
      sim read --vdi "$svdi" --out "$T/sim.raw" >/dev/null
      qemu-img compare -f vpc -F raw \
        "json:{\"driver\":\"vpc\",\"force_size_calc\":\"current_size\",\"file\":{\"driver\":\"file\",\"filename\":\"$T/n1.d$disk.vhd\"}}" \
        "$T/sim.raw" >/dev/null 2>&1 || qemu-img compare \
        "json:{\"driver\":\"vpc\",\"force_size_calc\":\"current_size\",\"file\":{\"driver\":\"file\",\"filename\":\"$T/n1.d$disk.vhd\"}}" \
        "$T/sim.raw" || fail "qemu-img: night 1 disk $disk differs from the sim's disk"
    else
      [ "$kind" = VDI_DELTA ] || fail "night $n disk $disk is $kind, not a delta"
      parent=$(field_of "night$n" $disk .manifest.parent_object_id)
      want_parent=$(field_of "night$((n - 1))" $disk .result.object_id)
      [ "$parent" = "$want_parent" ] || fail "night $n disk $disk: parent $parent, expected $want_parent"
      # Exactly the blocks XAPI would send: those written since the base.
      bvdi=$(field_of "night$((n - 1))" $disk '.manifest.labels.snapshot_vdi_uuid')
      want=$(sim blocks --vdi "$svdi" --base "$bvdi" | jq -r 'if type == "object" then (.blocks // .delta // []) | length else length end')
      got=$("$BIN/tapeline-vhd" info --json "$T/n$n.d$disk.vhd" | jq '.[0].allocated_blocks')
      [ "$got" = "$want" ] || fail "night $n disk $disk: delta holds $got blocks, XAPI's choice is $want"
    fi
    chain+=("$T/n$n.d$disk.vhd")
    "$BIN/tapeline-vhd" merge -o "$T/merged.raw" "${chain[@]}" 2>/dev/null
    got=$(sha256sum < "$T/merged.raw" | cut -d' ' -f1)
    want=$(sim sha256 --vdi "$svdi" | tr -d '"')
    [ "$got" = "$want" ] || fail "night $n disk $disk: the merged chain ($got) is not the disk at its snapshot ($want)"
  done
done
pass "every chain merges to the disk as it was at each night's snapshot"

# Snapshots kept on the host: one per night, each tagged kept.
kept=$(hv -c "$T/hv.toml" list --json 2>/dev/null \
  | jq '[.[] | select(.name == "vm01") | .snapshots[] | select(.state == "kept")] | length')
[ "$kept" = 3 ] || fail "expected 3 kept snapshots of vm01, found $kept"

# vm02 as raw over HTTPS (XAPI on another host than the agent).
hv_config "$T/hv-https.toml" "https://127.0.0.1:$SIM_PORT"
hv -c "$T/hv-https.toml" backup-once --vm vm02 --disk 1 --format raw --to "$TO" --json \
  >"$T/raw.json" 2>>"$T/hv.log" || fail "raw backup over https failed"
f=$(jq -r '.objects[0].result.extents[0].file_number' "$T/raw.json")
payload "$CART" "$f" "$T/vm02.raw"
svdi=$(jq -r '.objects[0].manifest.labels.snapshot_vdi_uuid' "$T/raw.json")
[ "$(sha256sum < "$T/vm02.raw" | cut -d' ' -f1)" = "$(sim sha256 --vdi "$svdi" | tr -d '"')" ] \
  || fail "raw export of vm02 disk 1 differs from the sim's disk"
pass "raw full over https matches"

# Pool metadata: the XAPI database and every VM's records.
backup meta --pool-metadata
f=$(jq -r '.objects[0].result.extents[0].file_number' "$T/meta.json")
payload "$CART" "$f" "$T/meta.tar"
mkdir "$T/meta" && tar -xf "$T/meta.tar" -C "$T/meta"
python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
  "$T/meta/pool/xmldbdump.xml" || fail "xmldbdump is not well-formed XML"
[ "$(ls "$T/meta/vms" | wc -l)" = 2 ] || fail "expected 2 VM metadata files"
jq -e '.vm.record.name_label == "vm01" or .vm.record.name_label == "vm02"' \
  "$T"/meta/vms/vm01-*.json >/dev/null || fail "VM metadata lacks the VM record"
pass "pool metadata on tape"

# A file set straight to tape, restored with zstd and GNU tar.
mkdir -p "$T/share/docs/deep/er" && for i in $(seq 1 200); do echo "file $i" > "$T/share/docs/f$i.txt"; done
ln -s docs/f1.txt "$T/share/link" && ln "$T/share/docs/f2.txt" "$T/share/hard"
head -c 3000000 /dev/urandom > "$T/share/docs/deep/er/big.bin"
backup files --files "$T/share" --name share --finish-session
f=$(jq -r '.objects[0].result.extents[0].file_number' "$T/files.json")
[ "$(jq -r '.file_set_report.files' "$T/files.json")" -ge 201 ] || fail "file-set report: $(cat "$T/files.json")"
payload "$CART" "$f" "$T/share.tar.zst"
mkdir "$T/restored" && zstd -dc "$T/share.tar.zst" | tar -xpf - -C "$T/restored"
diff -r "$T/share" "$T/restored/share" || fail "restored file set differs"
pass "file set restored with zstd and tar"

stop_agent
