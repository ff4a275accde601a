#!/usr/bin/env bash
# verify reads an object back through the drive and checks its SHA-256
# against the trailer: a good object passes, and a flipped byte on the
# cartridge fails it with the object and tape file named. The other object
# on the same tape still verifies.
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge V-0001 LTO-5 256M
# A small tools file (tape file 1), so that the byte flipped below at a
# quarter of the cartridge lands in object one (tape file 2).
EXTRACT_BINARY=/bin/true
write_config "$T/agent.toml" "$(virtual_drive lto5 LTO-5 64K)"
load lto5 V-0001
start_agent "$T/agent.toml"

random_file "$T/one.bin" $((3 * 1024 * 1024 + 5))
random_file "$T/two.bin" $((2 * 1024 * 1024 + 9))
send --drive lto5 --name one.bin --file "$T/one.bin" >/dev/null
send --drive lto5 --name two.bin --file "$T/two.bin" >/dev/null
out=$(send --drive lto5 --command verify --file-number 2)
grep -q "one.bin" <<<"$out" || fail "verify of file 2 should name one.bin: $out"
pass "verify: $out"

# Flip one byte in the middle of object one's payload, on the cartridge.
cart="$T/lto5/V-0001.vtape"
size=$(stat -c %s "$cart")
pos=$((size / 4))   # inside object one: it holds most of the first half
byte=$(dd if="$cart" bs=1 skip="$pos" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" |
  dd of="$cart" bs=1 seek="$pos" conv=notrunc 2>/dev/null
if out=$(send --drive lto5 --command verify --file-number 2 2>&1); then
  fail "verify passed a corrupted object: $out"
fi
grep -q "SHA-256" <<<"$out" || fail "the error should say the checksum failed: $out"
grep -q "file 2" <<<"$out" || fail "the error should name tape file 2: $out"
pass "corrupted object refused: $out"
out=$(send --drive lto5 --command verify --file-number 3) || fail "object two: $out"
# The drive is back at its append point: a new object still goes after two.
random_file "$T/three.bin" 4096
res=$(send --drive lto5 --name three.bin --file "$T/three.bin" --json)
[ "$(jq -r '.extents[0].file_number' <<<"$res")" = 4 ] || fail "append after verify: $res"
pass "the other object verifies, and appending resumes at tape file 4"
