#!/usr/bin/env bash
# Two drives stream at once (the case study's LTO-4 and LTO-5 nights), while
# other clients come and go: an operator's `list`, and a client with a
# certificate from a foreign CA that is refused. Neither may disturb the
# streams in flight. (CAF 0.17's openssl module used to drop every session
# after any peer left an error on OpenSSL's queue; see
# common/src/caf/openssl_error_queue.cc.)
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge C4-0001 LTO-4 256M
new_cartridge C5-0001 LTO-5 256M
write_config "$T/agent.toml" \
  "$(virtual_drive lto4 LTO-4 64K)" "$(virtual_drive lto5 LTO-5 256K)"
load lto4 C4-0001
load lto5 C5-0001
start_agent "$T/agent.toml"

random_file "$T/a.bin" $((24 * 1024 * 1024 + 11))
random_file "$T/b.bin" $((16 * 1024 * 1024 + 7))
trap 'exec 3>&- 4>&- 2>/dev/null; cleanup' EXIT
# Each payload comes through a FIFO that this script holds open, so both
# streams stay open until we say.
mkfifo "$T/pa" "$T/pb"
send --drive lto4 --name a.bin --file - < "$T/pa" > "$T/a.out" 2>&1 & pa=$!
send --drive lto5 --name b.bin --file - < "$T/pb" > "$T/b.out" 2>&1 & pb=$!
exec 3>"$T/pa" 4>"$T/pb"
timeout 120 head -c $((8 * 1024 * 1024)) "$T/a.bin" >&3
timeout 120 head -c $((8 * 1024 * 1024)) "$T/b.bin" >&4
# Await both streams being open on the agent (bounded).
for _ in $(seq 1 300); do
  [ "$(grep -c 'stream .* opened' "$T/agent.log")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c 'stream .* opened' "$T/agent.log")" -ge 2 ] || fail "streams did not open"

list=$(timeout 60 "$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" --cert "$T/pki/client.crt" \
  --key "$T/pki/client.key" --ca "$T/pki/ca.crt" --command list --json)
[ "$(jq '[.drives[] | select(.state == "writing")] | length' <<<"$list")" = 2 ] \
  || fail "list should show both drives writing: $list"
if timeout 60 "$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" --cert "$T/foreign/client.crt" \
     --key "$T/foreign/client.key" --ca "$T/foreign/ca.crt" --command list > "$T/f.out" 2>&1; then
  fail "a foreign CA's client was served"
fi
grep -q "certificates issued by the same site CA" "$T/f.out" || fail "unclear refusal: $(cat "$T/f.out")"
pass "operator list and a refused foreign client while two streams run"

timeout 120 tail -c +$((8 * 1024 * 1024 + 1)) "$T/a.bin" >&3 || fail "lto4 stream stopped reading"
timeout 120 tail -c +$((8 * 1024 * 1024 + 1)) "$T/b.bin" >&4 || fail "lto5 stream stopped reading"
exec 3>&- 4>&-
wait "$pa" || fail "stream to lto4 failed: $(cat "$T/a.out")"
wait "$pb" || fail "stream to lto5 failed: $(cat "$T/b.out")"
for d in lto4 lto5; do send --drive $d --command eject >/dev/null; done
stop_agent

dump "$T/lib/C4-0001.vtape" 2 "$T/a.tar"  # after label and tools
dump "$T/lib/C5-0001.vtape" 2 "$T/b.tar"
mkdir "$T/x"
tar -xf "$T/a.tar" -C "$T/x" --wildcards 'a.bin.seg*'
tar -xf "$T/b.tar" -C "$T/x" --wildcards 'b.bin.seg*'
cat "$T/x"/a.bin.seg* | cmp - "$T/a.bin" || fail "lto4 payload differs"
cat "$T/x"/b.bin.seg* | cmp - "$T/b.bin" || fail "lto5 payload differs"
pass "both concurrent streams complete and restore byte for byte with GNU tar"
