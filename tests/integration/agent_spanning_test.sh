#!/usr/bin/env bash
# One object larger than a cartridge goes through the tape agent: at early
# warning the drive closes the tape (catalog with end_of_medium), ejects it,
# the autoloader loads the next blank cartridge, and the object continues in
# GNU tar's multi-volume form. GNU tar's `-x -M` joins the three dumps, and
# every cartridge keeps a readable catalog.
. "$(dirname "$0")/lib.sh"

make_pki
for i in 1 2 3 4; do new_cartridge "SPAN-000$i" LTO-5 4M 1M; done
# Every tape: label, tools file (a small stand-in here), then objects from
# tape file 2; a continuation is tape file 2 of the next tape.
EXTRACT_BINARY=/bin/true
write_config "$T/agent.toml" "$(virtual_drive lto5 LTO-5 64K 'autoload = true')"
load lto5 SPAN-0001
start_agent "$T/agent.toml"

random_file "$T/big.bin" $((7 * 1024 * 1024 + 4321))
out=$(send --drive lto5 --name big.bin --file "$T/big.bin" --json)
[ "$(jq -r .ok <<<"$out")" = true ] || fail "spanned object not written: $out"
parts=$(jq '.extents | length' <<<"$out")
[ "$parts" = 3 ] || fail "expected 3 parts, result lists $parts: $out"
vols=$(jq -r '[.extents[].volume_id] | join(",")' <<<"$out")
[ "$vols" = "SPAN-0001,SPAN-0002,SPAN-0003" ] || fail "parts on $vols"
# A small object after it lands on the third tape, after the continuation.
random_file "$T/small.bin" 1000
out=$(send --drive lto5 --name small.bin --file "$T/small.bin" --json)
[ "$(jq -r '.extents[0].volume_id' <<<"$out")" = SPAN-0003 ] || fail "small object: $out"
send --drive lto5 --command eject >/dev/null
stop_agent
grep -q "MOUNT_REQUEST" "$T/agent.log" || fail "no mount request was logged"
pass "7 MiB object written as 3 parts on SPAN-0001..3, mount requests logged"

for i in 1 2 3; do
  dump "$T/lib/SPAN-000$i.vtape" 1 "$T/tools$i.tar"
  [ "$(tar -tf "$T/tools$i.tar")" = $'tapeline-extract\nREADME.txt' ] \
    || fail "SPAN-000$i: tape file 1 is not the tools file"
  dump "$T/lib/SPAN-000$i.vtape" 2 "$T/d$i.tar"
done
mkdir "$T/x"
(cd "$T/x" && tar -x -M -f "$T/d1.tar" -f "$T/d2.tar" -f "$T/d3.tar" </dev/null) \
  || fail "GNU tar -x -M cannot join the three volumes"
cmp "$T/big.bin" "$T/x/big.bin" || fail "tar -M joined payload differs"
jq -e --arg s "$(sha256sum < "$T/big.bin" | cut -d' ' -f1)" '.sha256 == $s' \
  "$T/x/TAPELINE.TRAILER" >/dev/null || fail "trailer SHA-256"
pass "GNU tar -x -M restores the object byte for byte across three dumps"

# Each full tape ends with a catalog marked end_of_medium that lists its part.
for i in 1 2; do
  dump "$T/lib/SPAN-000$i.vtape" 3 "$T/c$i.tar"
  tar -xOf "$T/c$i.tar" TAPELINE.CATALOG > "$T/c$i.json" \
    || fail "SPAN-000$i: no catalog after the part"
  jq -e '.end_of_medium == true and (.entries | length) == 1 and .entries[0].continues == true' \
    "$T/c$i.json" >/dev/null || fail "SPAN-000$i catalog: $(cat "$T/c$i.json")"
done
dump "$T/lib/SPAN-0003.vtape" 4 "$T/c3.tar"
tar -xOf "$T/c3.tar" TAPELINE.CATALOG | jq -e \
  '(.entries | length) == 2 and .entries[0].complete == true and .entries[0].part == 2' \
  >/dev/null || fail "SPAN-0003 catalog"
# The fourth cartridge was never needed and is still blank.
"$BIN/tapeline-vtape" inspect --json "$T/lib/SPAN-0004.vtape" | jq -e '.records == 0' >/dev/null \
  || fail "SPAN-0004 should still be blank"
pass "catalogs: end_of_medium on the full tapes, both objects on the last"
