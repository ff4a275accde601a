#!/usr/bin/env bash
# End of medium with no autoloader: the drive closes and ejects the full
# tape, raises a mount request and waits, with the sender held by credit.
# The operator loads a blank cartridge; the object continues on it.
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge MR-0001 LTO-5 4M 1M
new_cartridge MR-0002 LTO-5 4M 1M
EXTRACT_BINARY=/bin/true  # a small tools file: the 8 MB one fills 4 MB tapes
write_config "$T/agent.toml" "$(virtual_drive lto5 LTO-5 64K)"
load lto5 MR-0001
start_agent "$T/agent.toml"

random_file "$T/big.bin" $((5 * 1024 * 1024 + 99))
send --drive lto5 --name big.bin --file "$T/big.bin" --json > "$T/send.out" 2>&1 &
sender=$!
for _ in $(seq 1 300); do
  grep -q MOUNT_REQUEST "$T/agent.log" && break
  sleep 0.1
done
grep -q "MOUNT_REQUEST.*load a blank cartridge into drive lto5" "$T/agent.log" \
  || fail "no mount request naming the drive"
st=$(send --drive lto5 --command status --json)
[ "$(jq -r .status.state <<<"$st")" = waiting_for_media ] || fail "state: $st"
[ -f "$T/lib/MR-0001.vtape" ] || fail "the full tape was not ejected to the shelf"
kill -0 "$sender" || fail "the sender gave up while the drive waited"
pass "mount request raised, full tape ejected, sender waiting"

load lto5 MR-0002
wait "$sender" || fail "sender failed after the mount: $(cat "$T/send.out")"
vols=$(jq -r '[.extents[].volume_id] | join(",")' "$T/send.out")
[ "$vols" = "MR-0001,MR-0002" ] || fail "parts on $vols"
send --drive lto5 --command eject >/dev/null
stop_agent
dump "$T/lib/MR-0001.vtape" 2 "$T/d1.tar"  # after label and tools file
dump "$T/lib/MR-0002.vtape" 2 "$T/d2.tar"
mkdir "$T/x"
(cd "$T/x" && tar -x -M -f "$T/d1.tar" -f "$T/d2.tar" </dev/null) || fail "tar -x -M"
cmp "$T/big.bin" "$T/x/big.bin" || fail "joined payload differs"
pass "the object continued on the cartridge the operator loaded; tar -x -M joins it"
