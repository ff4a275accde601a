#!/usr/bin/env bash
# An operator's terminal: `tapeline-send --command watch` subscribes to the
# drives' events over mutual TLS and prints each one as it happens.
. "$(dirname "$0")/lib.sh"

make_pki
new_cartridge W-0001 LTO-5 64M
write_config "$T/agent.toml" "$(virtual_drive lto5 LTO-5 64K)"
load lto5 W-0001
start_agent "$T/agent.toml"

send --command watch > "$T/watch.out" 2> "$T/watch.err" &
watcher=$!
for _ in $(seq 1 300); do grep -q "^watching lto5" "$T/watch.err" && break; sleep 0.1; done
grep -q "^watching lto5" "$T/watch.err" || fail "watch did not subscribe: $(cat "$T/watch.err")"

random_file "$T/w.bin" 100000
send --drive lto5 --name w.bin --file "$T/w.bin" >/dev/null
send --drive lto5 --command eject >/dev/null
for _ in $(seq 1 300); do grep -q "EJECTED" "$T/watch.out" && break; sleep 0.1; done
kill "$watcher"; wait "$watcher" 2>/dev/null || true
grep -q "^lto5 OBJECT_WRITTEN W-0001: object .* (w.bin, 100000 bytes) written to W-0001" "$T/watch.out" \
  || fail "no OBJECT_WRITTEN event: $(cat "$T/watch.out")"
grep -q "^lto5 SESSION_CLOSED W-0001" "$T/watch.out" || fail "no SESSION_CLOSED event"
grep -q "^lto5 EJECTED W-0001: tape W-0001 ejected from drive lto5" "$T/watch.out" \
  || fail "no EJECTED event: $(cat "$T/watch.out")"
pass "watch printed OBJECT_WRITTEN, SESSION_CLOSED and EJECTED as they happened"
