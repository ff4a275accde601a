#!/usr/bin/env bash
# Faults through real processes and mutual TLS (issue #2, "Faults"), with
# GNU tar and Tapeline's catalog as oracles. Three drives, one per fault:
#
#   eio   EIO in the middle of object 2 (an injected bad spot). The sender is
#         told MEDIA_ERROR, naming drive, cartridge and block. The drive
#         stays in service: the failed object's tape file is closed with a
#         filemark, which moves the head past the bad spot, and the next
#         object is written after it (tape-format.md §8: the tape stays
#         appendable). Retiring a tape that had errors is the coordinator's
#         policy, not the drive's. The catalog marks object 2 incomplete.
#   snd   the sender is killed (-9) mid-stream: the agent logs PEER_LOST,
#         stays up, and writes the next object; no trailer for the victim.
#   agt   the tape agent is killed (-9) mid-stream: tapeline-send says it
#         lost the tape agent; a restarted agent mounts the cartridge by
#         scanning it and appends after what is there.
#
# Waiting is on events (a FIFO's reader consuming, a log line, the drive's
# status), in bounded loops; never a blind sleep.
. "$(dirname "$0")/lib.sh"

SEND_TLS=(--cert "$T/pki/client.crt" --key "$T/pki/client.key" --ca "$T/pki/ca.crt")

# until_true SECONDS WHAT CMD...: re-run CMD every 0.1 s until it succeeds.
until_true() {
  local secs=$1 what=$2; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  fail "timed out after ${secs}s waiting for $what"
}

# bytes_written DRIVE: bytes the drive has put on its current tape.
bytes_written() {
  send --drive "$1" --command status --json | jq -r '.status.bytes_written // "0"'
}
written_at_least() { [ "$(bytes_written "$1")" -ge "$2" ]; }
log_has() { grep -q -- "$1" "$T/agent.log"; }

# start_fifo_send DRIVE NAME: tapeline-send reading the FIFO $T/fifo, which
# this shell then holds open on fd 3 (no EOF until we close it).
# Sets SEND_PID (the tapeline-send process itself).
start_fifo_send() {
  rm -f "$T/fifo" && mkfifo "$T/fifo"
  "$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" "${SEND_TLS[@]}" \
    --drive "$1" --name "$2" --file "$T/fifo" >"$T/send.out" 2>"$T/send.err" &
  SEND_PID=$!
  exec 3>"$T/fifo"
}

# catalog_of CARTRIDGE FILE: the TAPELINE.CATALOG document of tape file FILE.
catalog_of() {
  dump "$1" "$2" "$T/cat.tar"
  tar -xOf "$T/cat.tar" TAPELINE.CATALOG
}

# check_label CARTRIDGE BARCODE
check_label() {
  dump "$1" 0 "$T/label.tar"
  [ "$(tar -xOf "$T/label.tar" TAPELINE.LABEL | jq -r .volume_id)" = "$2" ] \
    || fail "$2: label unreadable or wrong"
}

# check_complete CARTRIDGE FILE NAME SOURCE: GNU tar extracts the payload
# and it matches SOURCE; the trailer holds its SHA-256.
check_complete() {
  local cart=$1 file=$2 name=$3 src=$4
  dump "$cart" "$file" "$T/f.tar"
  rm -rf "$T/x" && mkdir "$T/x"
  tar -xf "$T/f.tar" -C "$T/x" || fail "$cart file $file: GNU tar cannot extract $name"
  cmp "$src" "$T/x/$name" || fail "$cart file $file: $name differs from its source"
  jq -e --arg s "$(sha256sum < "$src" | cut -d' ' -f1)" '.sha256 == $s' \
    "$T/x/TAPELINE.TRAILER" >/dev/null || fail "$cart file $file: trailer SHA-256"
}

# check_incomplete CARTRIDGE FILE NAME: the tape file starts with the
# manifest of NAME and has no trailer (GNU tar sees a truncated archive).
check_incomplete() {
  local cart=$1 file=$2 name=$3
  dump "$cart" "$file" "$T/f.tar"
  tar -tf "$T/f.tar" > "$T/list" 2>/dev/null || true
  [ "$(head -1 "$T/list")" = TAPELINE.OBJECT ] \
    || fail "$cart file $file: not an object tape file"
  local manifest
  manifest=$(tar -xOf "$T/f.tar" TAPELINE.OBJECT 2>/dev/null || true)
  jq -e --arg n "$name" '.name == $n' <<<"$manifest" >/dev/null \
    || fail "$cart file $file: manifest does not name $name"
  if grep -q TAPELINE.TRAILER "$T/list"; then
    fail "$cart file $file: failed object $name has a trailer"
  fi
}

# check_catalog JSON NAME:COMPLETE...: the catalog lists exactly these
# objects, in this order, complete or not.
check_catalog() {
  local json=$1; shift
  local got want
  got=$(jq -r '.entries[] | "\(.manifest.name):\(.complete // false)"' <<<"$json")
  want=$(printf '%s\n' "$@")
  [ "$got" = "$want" ] || fail "catalog lists
$got
expected
$want"
}

make_pki
new_cartridge EIO001 LTO-5 512M
new_cartridge SND001 LTO-5 512M
new_cartridge AGT001 LTO-5 512M
# 64 KiB records, and a one-record tools file (/bin/true stands in for
# tapeline-extract). EIO001: label = block 0, filemark 1; tools file = block
# 2, filemark 3; object 1 (100 KB) = blocks 4-5, filemark 6; object 2
# (2 MiB) starts at block 7, so block 14 is 7 records (448 KiB) into it.
EXTRACT_BINARY=/bin/true
"$BIN/tapeline-vtape" fault "$T/lib/EIO001.vtape" --eio-at-record 14 >/dev/null
write_config "$T/agent.toml" "$(virtual_drive eio LTO-5 64K)" \
  "$(virtual_drive snd LTO-5 64K)" "$(virtual_drive agt LTO-5 64K)"
load eio EIO001
load snd SND001
load agt AGT001
start_agent "$T/agent.toml"
mkdir -p "$T/src"

# --- EIO mid-object -------------------------------------------------------
random_file "$T/src/one.bin" 100000
random_file "$T/src/two.bin" 2097152
random_file "$T/src/three.bin" 300000
send --drive eio --name one.bin --file "$T/src/one.bin" >/dev/null \
  || fail "object 1 before the bad spot was not written"
if send --drive eio --name two.bin --file "$T/src/two.bin" >"$T/out" 2>"$T/err"; then
  fail "object 2 across an EIO was reported written"
fi
for want in MEDIA_ERROR "drive eio" EIO001 "record 14" "tape file 3" two.bin; do
  grep -q -- "$want" "$T/err" || fail "EIO message lacks '$want': $(cat "$T/err")"
done
pass "EIO mid-object: tapeline-send fails with $(grep -o 'MEDIA_ERROR.*' "$T/err" | cut -c1-160)"
# The drive goes on after the bad spot.
out=$(send --drive eio --name three.bin --file "$T/src/three.bin" --json) \
  || fail "the drive refused object 3 after the EIO"
[ "$(jq -r '.extents[0].file_number' <<<"$out")" = 4 ] \
  || fail "object 3 is not in tape file 4: $out"
send --drive eio --command eject >/dev/null || fail "eject after EIO failed"
cart=$T/lib/EIO001.vtape
check_label "$cart" EIO001
check_complete "$cart" 2 one.bin "$T/src/one.bin"
check_incomplete "$cart" 3 two.bin
check_complete "$cart" 4 three.bin "$T/src/three.bin"
cat=$(catalog_of "$cart" 5)
check_catalog "$cat" one.bin:true two.bin:false three.bin:true
jq -e '.entries[1].manifest.labels["tapeline.abort_reason"] | test("EIO")' \
  <<<"$cat" >/dev/null || fail "catalog does not say why object 2 failed"
jq -e '.entries[1].continues | not' <<<"$cat" >/dev/null \
  || fail "failed object 2 is marked as continuing"
pass "EIO: label, objects 1 and 3 (GNU tar), catalog marks object 2 incomplete"

# --- sender killed mid-stream ---------------------------------------------
random_file "$T/src/before.bin" 500000
random_file "$T/src/after.bin" 700000
send --drive snd --name before.bin --file "$T/src/before.bin" >/dev/null
base=$(bytes_written snd)
start_fifo_send snd victim.bin
# head returns once tapeline-send has read the 20 MiB; a size-unknown
# object is written in 16 MiB segments (a quarter of the 64 MiB buffer), so
# wait until the first one is on tape.
head -c 20M /dev/urandom >&3 || fail "tapeline-send stopped reading: $(cat "$T/send.err")"
until_true 60 "the victim's first segment on tape" \
  written_at_least snd $((base + (16 << 20)))
kill -9 "$SEND_PID"
wait "$SEND_PID" 2>/dev/null || true
exec 3>&-
until_true 60 "PEER_LOST in the agent log" log_has "OBJECT_FAILED (PEER_LOST)"
grep "OBJECT_FAILED (PEER_LOST)" "$T/agent.log" | grep "victim.bin" >/dev/null \
  || fail "the PEER_LOST log line does not name the object"
kill -0 "$AGENT_PID" || fail "the tape agent died with its sender"
send --drive snd --name after.bin --file "$T/src/after.bin" >/dev/null \
  || fail "the drive refused the next object after a lost sender"
send --drive snd --command eject >/dev/null
cart=$T/lib/SND001.vtape
check_label "$cart" SND001
check_complete "$cart" 2 before.bin "$T/src/before.bin"
check_incomplete "$cart" 3 victim.bin
check_complete "$cart" 4 after.bin "$T/src/after.bin"
check_catalog "$(catalog_of "$cart" 5)" before.bin:true victim.bin:false after.bin:true
pass "sender killed: PEER_LOST logged, agent up, next object written, catalog marks it incomplete"

# --- tape agent killed mid-stream -----------------------------------------
random_file "$T/src/first.bin" 400000
random_file "$T/src/next.bin" 600000
send --drive agt --name first.bin --file "$T/src/first.bin" >/dev/null
base=$(bytes_written agt)
start_fifo_send agt orphan.bin
head -c 20M /dev/urandom >&3 || fail "tapeline-send stopped reading: $(cat "$T/send.err")"
until_true 60 "the orphan's first segment on tape" \
  written_at_least agt $((base + (16 << 20)))
kill -9 "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
AGENT_PID=""
# The sender notices at its next step: here, the end of its input.
exec 3>&-
rc=0
timeout 60 tail --pid="$SEND_PID" -f /dev/null || fail "tapeline-send hangs after the agent died"
wait "$SEND_PID" || rc=$?
[ "$rc" -ne 0 ] || fail "tapeline-send exited 0 although the agent died"
grep -q "lost the tape agent" "$T/send.err" \
  || fail "tapeline-send does not say it lost the agent: $(cat "$T/send.err")"
pass "agent killed: tapeline-send exits $rc: $(head -c 160 "$T/send.err")"
# A new agent finds the cartridge in the slot, reads it to its end and
# appends: the orphan's tape file gets its filemark, the next object
# follows in file 4.
start_agent "$T/agent.toml"
out=$(send --drive agt --name next.bin --file "$T/src/next.bin" --json) \
  || fail "the restarted agent refused a new object"
[ "$(jq -r '.extents[0].file_number' <<<"$out")" = 4 ] \
  || fail "the new object is not appended after the orphan (file 4): $out"
grep -qE "drive agt: LABEL_READ: tape AGT001 .*appending at tape file 4" "$T/agent.log" \
  || fail "the restarted agent did not mount AGT001 at its end (file 4)"
send --drive agt --command eject >/dev/null
stop_agent
cart=$T/lib/AGT001.vtape
check_label "$cart" AGT001
check_complete "$cart" 2 first.bin "$T/src/first.bin"
check_incomplete "$cart" 3 orphan.bin
check_complete "$cart" 4 next.bin "$T/src/next.bin"
check_catalog "$(catalog_of "$cart" 5)" first.bin:true orphan.bin:false next.bin:true
pass "agent killed and restarted: complete objects kept, orphan incomplete, appended after"
