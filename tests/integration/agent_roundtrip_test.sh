#!/usr/bin/env bash
# Objects of awkward sizes go through tapeline-send, mutual TLS and the tape
# agent onto two virtual drives (LTO-4 with 64 KiB records, LTO-5 with
# 256 KiB). Each tape file is dumped and read back by GNU tar and bsdtar;
# every payload must match byte for byte, and the label and the session
# catalog must say what is on the tape.
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge L4-0001 LTO-4 512M
new_cartridge L5-0001 LTO-5 512M
write_config "$T/agent.toml" \
  "$(virtual_drive lto4 LTO-4 64K)" "$(virtual_drive lto5 LTO-5 256K)"
load lto4 L4-0001
load lto5 L5-0001
start_agent "$T/agent.toml"

mkdir -p "$T/src"
# drive:record-size:payload sizes
declare -A sizes=(
  [lto4]="0 1 511 512 65535 65536 65537 1048579"
  [lto5]="0 1 262143 262144 262145 3145851"
)
for drv in lto4 lto5; do
  for n in ${sizes[$drv]}; do
    random_file "$T/src/$drv-$n.bin" "$n"
    out=$(send --drive "$drv" --name "$drv-$n.bin" --file "$T/src/$drv-$n.bin" --json)
    [ "$(jq -r .payload_bytes <<<"$out")" = "$n" ] || [ "$n" = 0 ] \
      || fail "$drv: $n-byte object reported $(jq -r .payload_bytes <<<"$out") bytes"
    [ "$(jq -r .sha256 <<<"$out")" = "$(sha256sum < "$T/src/$drv-$n.bin" | cut -d' ' -f1)" ] \
      || fail "$drv: sha256 of $n-byte object"
  done
done
# A payload of unknown length (stdin without --size) becomes segments.
random_file "$T/src/stream.bin" 5242887
send --drive lto5 --name stream.bin --file - < "$T/src/stream.bin" >/dev/null
# Eject finishes the session (catalog) and moves the cartridge to the shelf.
for drv in lto4 lto5; do send --drive "$drv" --command eject >/dev/null; done
stop_agent

check_tape() {  # check_tape CARTRIDGE DRIVE SIZES...
  local cart=$1 drv=$2; shift 2
  local file=2
  dump "$cart" 0 "$T/label.tar"
  tar -xOf "$T/label.tar" TAPELINE.LABEL | jq -e '.volume_id != null and .tools_file == 1' >/dev/null \
    || fail "$cart: no readable label naming the tools file"
  # Tape file 1: the build's tapeline-extract (mode 0755) and README.txt.
  dump "$cart" 1 "$T/tools.tar"
  rm -rf "$T/t" && mkdir "$T/t" && tar -xf "$T/tools.tar" -C "$T/t" \
    || fail "$cart: GNU tar cannot extract the tools file"
  cmp "$T/t/tapeline-extract" "$BIN/tapeline-extract" || fail "$cart: tools binary differs"
  "$T/t/tapeline-extract" --help >/dev/null || fail "$cart: tapeline-extract from tape does not run"
  [ -s "$T/t/README.txt" ] || fail "$cart: no README.txt in the tools file"
  for n in "$@"; do
    dump "$cart" "$file" "$T/f.tar"
    tar -tf "$T/f.tar" > "$T/list" || fail "$cart file $file: GNU tar cannot list it"
    grep -qx "$drv-$n.bin" "$T/list" || fail "$cart file $file: payload member missing"
    rm -rf "$T/x" "$T/y" && mkdir -p "$T/x" "$T/y"
    tar -xf "$T/f.tar" -C "$T/x" || fail "$cart file $file: GNU tar cannot extract"
    bsdtar -xf "$T/f.tar" -C "$T/y" || fail "$cart file $file: bsdtar cannot extract"
    cmp "$T/src/$drv-$n.bin" "$T/x/$drv-$n.bin" || fail "$drv $n bytes: GNU tar payload differs"
    cmp "$T/src/$drv-$n.bin" "$T/y/$drv-$n.bin" || fail "$drv $n bytes: bsdtar payload differs"
    jq -e --arg s "$(sha256sum < "$T/src/$drv-$n.bin" | cut -d' ' -f1)" '.sha256 == $s' \
      "$T/x/TAPELINE.TRAILER" >/dev/null || fail "$drv $n bytes: trailer SHA-256"
    file=$((file + 1))
  done
  echo "$file"
}

next=$(check_tape "$T/lib/L4-0001.vtape" lto4 ${sizes[lto4]} | tail -1)
dump "$T/lib/L4-0001.vtape" "$next" "$T/cat.tar"
count=$(tar -xOf "$T/cat.tar" TAPELINE.CATALOG | jq '.entries | length')
[ "$count" = 8 ] || fail "L4-0001 catalog lists $count objects, expected 8"
pass "LTO-4, 64 KiB records: 8 objects through GNU tar and bsdtar, catalog of 8"

next=$(check_tape "$T/lib/L5-0001.vtape" lto5 ${sizes[lto5]} | tail -1)
dump "$T/lib/L5-0001.vtape" "$next" "$T/s.tar"
tar -xOf "$T/s.tar" --wildcards 'stream.bin.seg*' > "$T/stream.out"
cmp "$T/src/stream.bin" "$T/stream.out" || fail "segmented payload differs (GNU tar)"
rm -rf "$T/z" && mkdir "$T/z" && bsdtar -xf "$T/s.tar" -C "$T/z"
cat "$T/z"/stream.bin.seg* | cmp - "$T/src/stream.bin" || fail "segmented payload differs (bsdtar)"
dump "$T/lib/L5-0001.vtape" $((next + 1)) "$T/cat.tar"
count=$(tar -xOf "$T/cat.tar" TAPELINE.CATALOG | jq '.entries | length')
[ "$count" = 7 ] || fail "L5-0001 catalog lists $count objects, expected 7"
pass "LTO-5, 256 KiB records: 7 objects incl. a segmented stream, catalog of 7"
