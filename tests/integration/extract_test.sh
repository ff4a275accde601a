#!/usr/bin/env bash
# tapeline-extract (issue #5): disaster recovery from tape files alone.
# The real system (xapi-sim, hv agent, tape agent, a virtual drive) writes
# a full and two VHD deltas of one disk; the tape files are dumped as
# `dd if=/dev/nst0` would read them; then, with no agent running:
#  - verify says ok for every object, list --json shows kinds and parents;
#  - extract gives the payload GNU tar gives;
#  - restore-chain merges to the disk as it was at night 3's snapshot
#    (SHA-256 against the simulator's own read-back);
#  - a chain given out of order is refused naming the parent;
#  - one flipped payload byte makes verify fail, naming file and object.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

X="$BIN/tapeline-extract"
hv_pki
start_sim --vms 1 --disks-per-vm 1 --disk-size 32M --fill 12M --seed 7
new_cartridge VT-0001 LTO-5
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K)"
load d0 VT-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
TO="127.0.0.1:$AGENT_PORT/d0"
CART="$T/d0/VT-0001.vtape"

backup() {
  local name=$1; shift
  hv -c "$T/hv.toml" backup-once --to "$TO" --json "$@" >"$T/$name.json" 2>>"$T/hv.log" \
    || { cat "$T/$name.json" >&2; tail -20 "$T/hv.log" >&2; fail "backup $name failed"; }
}
field_of() {
  jq -r '.objects[] | select(.what == "disk 0 of VM vm01") | '"$2" "$T/$1.json"
}

backup night1 --vm vm01
sim write --vm vm01 --blocks 4 --seed 102 >/dev/null
backup night2 --vm vm01 --base auto
sim write --vm vm01 --blocks 5 --seed 103 >/dev/null
backup night3 --vm vm01 --base auto --finish-session
stop_agent

for n in 1 2 3; do
  f=$(field_of "night$n" '.result.extents[0].file_number')
  [ -n "$f" ] && [ "$f" != null ] || fail "night $n: no tape file in $(cat "$T/night$n.json")"
  dump "$CART" "$f" "$T/n$n.tar"
  eval "id$n=\$(field_of night$n .result.object_id)"
done
dump "$CART" 0 "$T/label.tar"
dump "$CART" 1 "$T/tools.tar"
last=$("$BIN/tapeline-vtape" inspect "$CART" | grep -o '[0-9]* filemarks' | cut -d' ' -f1)
dump "$CART" $((last - 1)) "$T/catalog.tar"
pass "three nights on tape, tape files dumped"

# verify: every object ok.
"$X" verify "$T/label.tar" "$T/tools.tar" "$T/n1.tar" "$T/n2.tar" "$T/n3.tar" "$T/catalog.tar" \
  >"$T/verify.out" 2>"$T/verify.err" || { cat "$T/verify.out" "$T/verify.err" >&2; fail "verify failed on good tape files"; }
[ "$(grep -c ': ok, ' "$T/verify.out")" = 3 ] || { cat "$T/verify.out" >&2; fail "verify did not report 3 objects ok"; }
for n in 1 2 3; do
  want=$(tar -xOf "$T/n$n.tar" TAPELINE.TRAILER | jq -r .sha256)
  grep -F "n$n.tar: object $(eval echo "\$id$n")" "$T/verify.out" | grep -qF "$want" \
    || { cat "$T/verify.out" >&2; fail "verify line of night $n lacks object id or trailer sha256 $want"; }
done
pass "verify: three objects ok"

# list --json: label, kinds, parents, catalog.
"$X" list --json "$T/label.tar" "$T/n1.tar" "$T/n2.tar" "$T/n3.tar" "$T/catalog.tar" >"$T/list.json" \
  || fail "list --json failed"
[ "$(jq -r '.[0].kind + " " + .[0].label.volume_id' "$T/list.json")" = "label VT-0001" ] \
  || fail "list: file 0 is not the label of VT-0001: $(jq -c '.[0]' "$T/list.json")"
[ "$(jq -r '[.[1,2,3].manifest.kind] | join(" ")' "$T/list.json")" = "VDI_FULL VDI_DELTA VDI_DELTA" ] \
  || fail "list: kinds are $(jq -c '[.[1,2,3].manifest.kind]' "$T/list.json")"
[ "$(jq -r '.[2].manifest.parent_object_id' "$T/list.json")" = "$id1" ] || fail "list: night 2's parent is not $id1"
[ "$(jq -r '.[3].manifest.parent_object_id' "$T/list.json")" = "$id2" ] || fail "list: night 3's parent is not $id2"
[ "$(jq -r '.[3].trailer.sha256' "$T/list.json")" = "$(tar -xOf "$T/n3.tar" TAPELINE.TRAILER | jq -r .sha256)" ] \
  || fail "list: night 3's trailer sha256 is not GNU tar's"
"$X" list "$T/tools.tar" >"$T/tools.list" || fail "list of the tools file failed"
grep -q "tools: tapeline-extract and README.txt" "$T/tools.list" \
  || fail "list does not name tape file 1 the tools file: $(cat "$T/tools.list")"
jq -e --arg id "$id3" '.[4].kind == "catalog" and ([.[4].catalog.entries[].manifest.object_id] | index($id) != null)' \
  "$T/list.json" >/dev/null || fail "list: the catalog does not list night 3's object"
"$X" list "$T/n2.tar" | grep -F "parent $id1" >/dev/null || fail "list (text) does not show night 2's parent"
pass "list --json: label, full, two deltas with their parents, catalog"

# extract = GNU tar's payload.
"$X" extract "$T/n2.tar" -o "$T/n2.vhd" 2>/dev/null || fail "extract failed"
payload "$CART" "$(field_of night2 '.result.extents[0].file_number')" "$T/n2.tar-payload"
cmp -s "$T/n2.vhd" "$T/n2.tar-payload" || fail "extract's payload differs from GNU tar's"
pass "extract gives GNU tar's payload"

# restore-chain = the disk at night 3's snapshot.
"$X" restore-chain -o "$T/disk.raw" "$T/n1.tar" "$T/n2.tar" "$T/n3.tar" 2>"$T/chain.err" \
  || { cat "$T/chain.err" >&2; fail "restore-chain failed"; }
svdi=$(field_of night3 '.manifest.labels.snapshot_vdi_uuid')
got=$(sha256sum < "$T/disk.raw" | cut -d' ' -f1)
want=$(sim sha256 --vdi "$svdi" | tr -d '"')
[ "$got" = "$want" ] || fail "restore-chain gave $got, the disk at night 3's snapshot is $want"
[ -z "$(ls "$T" | grep '\.layer')" ] || fail "restore-chain left temporary files: $(ls "$T")"
pass "restore-chain merges to the disk at night 3's snapshot"

# Out of order: refused, naming the parent.
if "$X" restore-chain -o "$T/bad.raw" "$T/n1.tar" "$T/n3.tar" 2>"$T/order.err"; then
  fail "restore-chain accepted a chain with night 2 missing"
fi
grep -qF "has parent $id2" "$T/order.err" || { cat "$T/order.err" >&2; fail "missing-night error does not name the parent"; }
[ ! -e "$T/bad.raw" ] || fail "restore-chain left an output after refusing"
pass "a chain with a missing night is refused"

# One flipped payload byte: verify fails naming file and object.
python3 - "$T/n2.tar" <<'PY'
import sys, tarfile
path = sys.argv[1]
with tarfile.open(path) as t:
    m = next(m for m in t.getmembers() if not m.name.startswith("TAPELINE."))
    off = m.offset_data + m.size // 2
with open(path, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0xFF]))
PY
if "$X" verify "$T/n1.tar" "$T/n2.tar" "$T/n3.tar" >"$T/verify2.out" 2>&1; then
  fail "verify passed a corrupted tape file"
fi
grep -F "n2.tar: object $id2" "$T/verify2.out" | grep -q FAILED \
  || { cat "$T/verify2.out" >&2; fail "verify did not name the corrupted object"; }
[ "$(grep -c ': ok, ' "$T/verify2.out")" = 2 ] || { cat "$T/verify2.out" >&2; fail "verify: the good objects are not ok"; }
if "$X" extract "$T/n2.tar" -o "$T/bad.vhd" 2>/dev/null; then fail "extract accepted a corrupted payload"; fi
[ ! -e "$T/bad.vhd" ] || fail "extract left a corrupted output"
pass "a flipped byte fails verify, naming the object"

# An object spanned over three cartridges (GNU tar multi-volume form):
# extract joins its parts, in order; the first part alone is refused.
for i in 1 2 3; do new_cartridge "SPAN-000$i" LTO-5 4M 1M; done
# Small cartridges: a small stand-in for the 8 MB tools file (tape file 1).
EXTRACT_BINARY=/bin/true
write_config "$T/span.toml" "$(virtual_drive lto5 LTO-5 64K 'autoload = true')"
load lto5 SPAN-0001
start_agent "$T/span.toml"
python3 -c 'import random, sys; r = random.Random(5); sys.stdout.buffer.write(r.randbytes(7 * 1024 * 1024 + 4321))' > "$T/big.bin"
out=$(send --drive lto5 --name big.bin --file "$T/big.bin" --json)
[ "$(jq '.extents | length' <<<"$out")" = 3 ] || fail "expected a 3-part object: $out"
send --drive lto5 --command eject >/dev/null
stop_agent
for i in 1 2 3; do dump "$T/lib/SPAN-000$i.vtape" 2 "$T/p$i.tar"; done
"$X" extract "$T/p1.tar" "$T/p2.tar" "$T/p3.tar" -o "$T/big.out" 2>"$T/span.err" \
  || { cat "$T/span.err" >&2; fail "extract of a spanned object failed"; }
cmp -s "$T/big.bin" "$T/big.out" || fail "spanned extract differs from the object sent"
if "$X" extract "$T/p1.tar" -o "$T/half.out" 2>"$T/half.err"; then fail "extract of one part of three succeeded"; fi
grep -q "next part" "$T/half.err" || { cat "$T/half.err" >&2; fail "one-part error does not say to give the next part"; }
[ ! -e "$T/half.out" ] || fail "a partial extract left its output"
if "$X" extract "$T/p1.tar" "$T/p3.tar" -o "$T/skip.out" 2>"$T/skip.err"; then fail "extract with a part skipped succeeded"; fi
[ ! -e "$T/skip.out" ] || fail "extract with a part skipped left its output"
"$X" verify "$T/p1.tar" "$T/p2.tar" "$T/p3.tar" >"$T/span.verify" 2>&1 \
  || { cat "$T/span.verify" >&2; fail "verify of a spanned object failed"; }
grep -q "p1.tar: object .* (big.bin) in 3 parts: ok" "$T/span.verify" \
  || { cat "$T/span.verify" >&2; fail "verify did not join the three parts"; }
if "$X" verify "$T/p1.tar" "$T/p3.tar" >/dev/null 2>&1; then fail "verify passed a spanned object with a part missing"; fi
pass "a spanned object extracts and verifies from its three parts"

# A chain whose layers span cartridges (hv backups to small tapes):
# restore-chain takes each layer's parts in order.
for i in 1 2 3 4 5 6; do new_cartridge "SMALL-000$i" LTO-5 8M 1M; done
write_config "$T/small.toml" "$(virtual_drive sm LTO-5 64K 'autoload = true')"
load sm SMALL-0001
start_agent "$T/small.toml"
TO="127.0.0.1:$AGENT_PORT/sm"
backup s1 --vm vm01
sim write --vm vm01 --blocks 3 --seed 104 >/dev/null
backup s2 --vm vm01 --base auto
send --drive sm --command eject >/dev/null
stop_agent
# parts_of NAME: dumps every part of that night's disk 0; prints the files.
parts_of() {
  local i=0 vol f
  while read -r vol f; do
    dump "$T/lib/$vol.vtape" "$f" "$T/$1.part$i.tar" || return 1
    echo "$T/$1.part$i.tar"; i=$((i + 1))
  done < <(field_of "$1" '.result.extents[] | "\(.volume_id) \(.file_number)"')
}
mapfile -t s1 < <(parts_of s1)
mapfile -t s2 < <(parts_of s2)
[ "${#s2[@]}" -ge 1 ] || fail "night s2's parts could not be dumped"
[ "${#s1[@]}" -ge 2 ] || fail "the full did not span cartridges: $(field_of s1 '.result.extents')"
"$X" restore-chain -o "$T/span.raw" "${s1[@]}" "${s2[@]}" 2>"$T/span-chain.err" \
  || { cat "$T/span-chain.err" >&2; fail "restore-chain of a spanned chain failed"; }
svdi=$(field_of s2 '.manifest.labels.snapshot_vdi_uuid')
[ "$(sha256sum < "$T/span.raw" | cut -d' ' -f1)" = "$(sim sha256 --vdi "$svdi" | tr -d '"')" ] \
  || fail "restore-chain of the spanned chain is not the disk at its snapshot"
pass "restore-chain with a full spanned over ${#s1[@]} cartridges"
