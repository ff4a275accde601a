#!/usr/bin/env bash
# xapi-sim against oracles nobody here wrote: curl speaks JSON-RPC over TLS
# and the Unix socket, qemu-img and vhdiinfo judge the VHD exports,
# xmllint the database dump, sha256sum/cmp the bytes. docs/xapi.md.
source "$(dirname "$0")/lib.sh"

SIM="$BIN/xapi-sim"
SIM_PID=""
PORT=""
SLAVE=""
SOCK="$T/xapi.sock"
MB=$((1024 * 1024))

stop_sim() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill "$SIM_PID"
    wait "$SIM_PID" 2>/dev/null || true
  fi
  SIM_PID=""
}
trap 'rc=$?; stop_sim; if [ $rc -ne 0 ] && [ -f "$T/sim.log" ]; then tail -30 "$T/sim.log" >&2; fi; (exit $rc); cleanup' EXIT

start_sim() {
  rm -f "$T/sim.ready"
  mkfifo "$T/sim.ready"
  "$SIM" serve --state "$T/st" --https 127.0.0.1:0 --slave-https 127.0.0.1:0 \
    --cert "$T/pki/xapi.crt" --key "$T/pki/xapi.key" --unix "$SOCK" \
    --ready-file "$T/sim.ready" >>"$T/sim.log" 2>&1 &
  SIM_PID=$!
  local ports
  mapfile -t ports < <(timeout 60 cat "$T/sim.ready")
  PORT=${ports[0]:-}
  SLAVE=${ports[1]:-}
  [ -n "$PORT" ] && [ -n "$SLAVE" ] || fail "xapi-sim did not start"
}

# rpc [--unix|--slave] METHOD PARAMS-JSON: the JSON-RPC 2.0 response.
rpc() {
  local url="https://127.0.0.1:$PORT/jsonrpc" extra=(--cacert "$T/pki/ca.crt")
  if [ "$1" = --unix ]; then url=http://localhost/jsonrpc extra=(--unix-socket "$SOCK"); shift; fi
  if [ "$1" = --slave ]; then url="https://127.0.0.1:$SLAVE/jsonrpc"; shift; fi
  curl -sS "${extra[@]}" -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"method\":\"$1\",\"params\":$2,\"id\":7}" "$url"
}
result() { jq -r '.result' <<<"$1"; }
error_code() { jq -r '.error.message // empty' <<<"$1"; }
ctl() { "$SIM" ctl --unix "$SOCK" "$@"; }
https_get() { curl -sS --cacert "$T/pki/ca.crt" "https://127.0.0.1:$PORT$1" -o "$2"; }

"$SRC/deploy/pki.sh" init "$T/pki" >/dev/null
"$SRC/deploy/pki.sh" issue "$T/pki" xapi hv-agent >/dev/null
"$SIM" init --state "$T/st" --vms 2 --disks-per-vm 2 --disk-size 64M \
  --fill 20M --seed 5 --password s3cret >/dev/null
start_sim

# --- JSON-RPC: login, envelopes, errors ---------------------------------
R=$(rpc session.login_with_password '["root","s3cret","2.21","test"]')
S=$(result "$R")
[[ $S == OpaqueRef:* ]] || fail "login: $R"
[ "$(jq -r .jsonrpc <<<"$R")" = 2.0 ] && [ "$(jq -r .id <<<"$R")" = 7 ] || fail "v2 envelope: $R"
R=$(rpc session.login_with_password '["root","wrong"]')
[ "$(error_code "$R")" = SESSION_AUTHENTICATION_FAILED ] && [ "$(jq .error.code <<<"$R")" = 1 ] ||
  fail "bad password: $R"
R=$(curl -sS --unix-socket "$SOCK" -d '{"method":"session.login_with_password","params":["root","wrong"],"id":3}' http://localhost/jsonrpc)
[ "$(jq -c .error <<<"$R")" = '["SESSION_AUTHENTICATION_FAILED","root","Authentication failure"]' ] &&
  [ "$(jq -c .result <<<"$R")" = null ] || fail "v1 error envelope: $R"
pass "login, v1 and v2 envelopes, SESSION_AUTHENTICATION_FAILED"

R=$(rpc --slave session.login_with_password '["root","s3cret"]')
[ "$(error_code "$R")" = HOST_IS_SLAVE ] && [ "$(jq -r '.error.data[0]' <<<"$R")" = "127.0.0.1:$PORT" ] ||
  fail "HOST_IS_SLAVE: $R"
R=$(rpc VM.get_record "[\"$S\",\"OpaqueRef:nonexistent\"]")
[ "$(jq -c .error.data <<<"$R")" = '["VM","OpaqueRef:nonexistent"]' ] || fail "HANDLE_INVALID: $R"
[ "$(error_code "$(rpc VM.fly "[\"$S\"]")")" = MESSAGE_METHOD_UNKNOWN ] || fail "MESSAGE_METHOD_UNKNOWN"
R=$(rpc VM.get_record "[\"$S\"]")
[ "$(error_code "$R")" = MESSAGE_PARAMETER_COUNT_MISMATCH ] || fail "count mismatch: $R"
[ "$(error_code "$(rpc VM.get_all '["OpaqueRef:forged"]')")" = SESSION_INVALID ] || fail "forged session"
pass "HOST_IS_SLAVE, HANDLE_INVALID, MESSAGE_METHOD_UNKNOWN, MESSAGE_PARAMETER_COUNT_MISMATCH, SESSION_INVALID"

# --- inventory and VM.snapshot shape -----------------------------------
ALL=$(result "$(rpc VM.get_all_records "[\"$S\"]")")
[ "$(jq '[.[] | select(.is_control_domain)] | length' <<<"$ALL")" = 1 ] || fail "control domain"
VM1=$(jq -r 'to_entries[] | select(.value.name_label=="vm01") | .key' <<<"$ALL")
[ "$(result "$(rpc VM.get_by_name_label "[\"$S\",\"vm01\"]")" | jq -r '.[0]')" = "$VM1" ] || fail get_by_name_label
vdi_of() { # VM USERDEVICE -> the VDI ref of that disk
  local vbds ref
  vbds=$(result "$(rpc VM.get_VBDs "[\"$S\",\"$1\"]")" | jq -r '.[]')
  for ref in $vbds; do
    local rec; rec=$(result "$(rpc VBD.get_record "[\"$S\",\"$ref\"]")")
    if [ "$(jq -r .userdevice <<<"$rec")" = "$2" ]; then jq -r .VDI <<<"$rec"; return; fi
  done
}
DISK0=$(vdi_of "$VM1" 0)
SNAP1=$(result "$(rpc VM.snapshot "[\"$S\",\"$VM1\",\"night1\"]")")
REC=$(result "$(rpc VM.get_record "[\"$S\",\"$SNAP1\"]")")
[ "$(jq -c '[.is_a_template,.is_a_snapshot,.snapshot_of,.name_label]' <<<"$REC")" = "[true,true,\"$VM1\",\"night1\"]" ] ||
  fail "snapshot record: $REC"
[ "$(jq '.VBDs | length' <<<"$REC")" = 3 ] || fail "snapshot VBDs: $REC"
[ "$(result "$(rpc VM.get_snapshots "[\"$S\",\"$VM1\"]")" | jq -r '.[0]')" = "$SNAP1" ] || fail "VM.get_snapshots"
S1D0=$(vdi_of "$SNAP1" 0)
VREC=$(result "$(rpc VDI.get_record "[\"$S\",\"$S1D0\"]")")
[ "$(jq -c '[.is_a_snapshot,.snapshot_of,.virtual_size]' <<<"$VREC")" = "[true,\"$DISK0\",$((64 * MB))]" ] ||
  fail "snapshot VDI: $VREC"
S1D0_UUID=$(jq -r .uuid <<<"$VREC")
pass "VM.snapshot: template + snapshot of vm01, VBDs onto snapshot VDIs"

# --- full exports: VHD and raw against qemu-img and the sim's read-back ---
TASK=$(result "$(rpc task.create "[\"$S\",\"export\",\"full\"]")")
https_get "/export_raw_vdi?session_id=$S&task_id=$TASK&vdi=$S1D0&format=vhd" "$T/full.vhd"
[ "$(result "$(rpc task.get_record "[\"$S\",\"$TASK\"]")" | jq -c '[.status,.progress]')" = '["success",1]' ] ||
  fail "export task not completed"
https_get "/export_raw_vdi?session_id=$S&vdi=$S1D0_UUID&format=raw" "$T/full.raw"
ctl read --vdi "$S1D0" --out "$T/sim1.raw" >/dev/null
# qemu 7.2's vpc driver has no check (exit 63); opening the image then
# verifies the footer, and convert reads every block.
CHECK=$(qemu-img check -f vpc "$T/full.vhd" 2>&1) || [[ $? == 63 && $CHECK == *"does not support checks"* ]] ||
  fail "qemu-img check full.vhd: $CHECK"
QOPTS="driver=vpc,force_size_calc=current_size,file.filename=$T/full.vhd"
qemu-img info --output=json --image-opts "$QOPTS" | jq -e ".\"virtual-size\" == $((64 * MB))" >/dev/null ||
  fail "qemu-img info full.vhd"
qemu-img convert --image-opts "$QOPTS" -O raw "$T/qemu.raw" || fail "qemu-img convert full.vhd"
cmp -s "$T/qemu.raw" "$T/sim1.raw" || fail "qemu-img reads other bytes from full.vhd than the sim holds"
[ "$(stat -c %s "$T/full.raw")" = $((64 * MB)) ] || fail "raw export size"
cmp -s "$T/full.raw" "$T/sim1.raw" || fail "raw export differs from the sim's read-back"
qemu-img compare --image-opts "$QOPTS" "driver=raw,file.filename=$T/sim1.raw" >/dev/null ||
  fail "qemu-img compare vhd/raw"
[ "$(ctl sha256 --vdi "$S1D0")" = "$(sha256sum <"$T/full.raw" | cut -d' ' -f1)" ] || fail "sim sha256"
# 20 MiB filled = 10 blocks, so the dynamic VHD holds 10 blocks.
vhdiinfo "$T/full.vhd" | grep 'Disk type.*Dynamic' >/dev/null || fail "vhdiinfo full.vhd"
pass "format=vhd (task success) passes qemu-img check and equals format=raw and the sim's bytes"

# --- a night, a second snapshot, the delta ------------------------------
W=$(ctl write --vm vm01 --blocks 5 --seed 11)
DISK0_UUID=$(result "$(rpc VDI.get_uuid "[\"$S\",\"$DISK0\"]")")
WRITTEN=$(jq -c --arg u "$DISK0_UUID" '.[$u]' <<<"$W")
[ "$(jq length <<<"$WRITTEN")" = 5 ] || fail "night: $W"
SNAP2=$(result "$(rpc VM.snapshot "[\"$S\",\"$VM1\",\"night2\"]")")
S2D0=$(vdi_of "$SNAP2" 0)
https_get "/export_raw_vdi?session_id=$S&vdi=$S2D0&format=vhd&base=$S1D0_UUID" "$T/delta.vhd"
vhdiinfo "$T/delta.vhd" >"$T/delta.info" || fail "vhdiinfo rejects delta.vhd"
grep -q 'Disk type.*Differ' "$T/delta.info" || fail "delta is not differencing: $(cat "$T/delta.info")"
grep -qi "$S1D0_UUID" "$T/delta.info" || fail "delta's parent is not the base: $(cat "$T/delta.info")"
ctl read --vdi "$S2D0" --out "$T/sim2.raw" >/dev/null
# The blocks in the delta, by its BAT, and each block's bytes.
python3 - "$T/delta.vhd" "$T/sim2.raw" "$WRITTEN" <<'EOF' || fail "delta blocks"
import json, struct, sys
d = open(sys.argv[1], 'rb').read(); raw = open(sys.argv[2], 'rb').read()
want = json.loads(sys.argv[3])
(table,) = struct.unpack('>Q', d[512 + 16:512 + 24])
(entries,) = struct.unpack('>I', d[512 + 28:512 + 32])
assert entries == len(raw) >> 21, entries
bat = struct.unpack('>%dI' % entries, d[table:table + 4 * entries])
have = [i for i, e in enumerate(bat) if e != 0xFFFFFFFF]
assert have == sorted(want), (have, want)
for i in have:
    off = bat[i] * 512 + 512
    assert d[off:off + (2 << 20)] == raw[i << 21:(i + 1) << 21], i
EOF
[ "$(ctl blocks --vdi "$S2D0" --base "$S1D0" | jq -c .delta)" = "$WRITTEN" ] || fail "sim blocks"
# Over the Unix socket file-backed blocks go out with sendfile(2).
curl -sS --unix-socket "$SOCK" -o "$T/unix2.raw" "http://localhost/export_raw_vdi?vdi=$S2D0&format=raw"
cmp -s "$T/unix2.raw" "$T/sim2.raw" || fail "raw export over the Unix socket differs"
https_get "/export_raw_vdi?session_id=$S&vdi=$S2D0&format=raw&base=$S1D0" "$T/delta.raw"
python3 - "$T/delta.raw" "$T/sim2.raw" "$WRITTEN" <<'EOF' || fail "raw delta"
import json, sys
d = open(sys.argv[1], 'rb').read(); raw = open(sys.argv[2], 'rb').read()
want = set(json.loads(sys.argv[3]))
assert len(d) == len(raw)
for i in range(len(d) >> 21):
    blk = d[i << 21:(i + 1) << 21]
    assert blk == (raw[i << 21:(i + 1) << 21] if i in want else bytes(2 << 20)), i
EOF
pass "base= delta: a differencing VHD vhdiinfo accepts, exactly the 5 dirtied blocks; raw delta zero elsewhere"

# --- import_raw_vdi round trips ----------------------------------------
NEW=$(result "$(rpc VDI.create "[\"$S\",{\"name_label\":\"restore\",\"virtual_size\":$((16 * MB))}]")")
head -c $((16 * MB)) /dev/urandom >"$T/in.raw"
curl -sS --fail --unix-socket "$SOCK" -T "$T/in.raw" "http://localhost/import_raw_vdi?vdi=$NEW&format=raw" ||
  fail "import raw"
[ "$(ctl sha256 --vdi "$NEW")" = "$(sha256sum <"$T/in.raw" | cut -d' ' -f1)" ] || fail "raw import bytes"
TASK=$(result "$(rpc task.create "[\"$S\",\"import\",\"too large\"]")")
head -c $((16 * MB + 512)) /dev/zero >"$T/big.raw"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" -T "$T/big.raw" \
  "https://127.0.0.1:$PORT/import_raw_vdi?session_id=$S&task_id=$TASK&vdi=$NEW&format=raw")
TREC=$(result "$(rpc task.get_record "[\"$S\",\"$TASK\"]")")
[ "$CODE" = 400 ] && [ "$(jq -c '[.status,.error_info[0]]' <<<"$TREC")" = '["failure","VDI_TOO_LARGE"]' ] ||
  fail "VDI_TOO_LARGE: $CODE $TREC"
NEW2=$(result "$(rpc VDI.create "[\"$S\",{\"name_label\":\"restore2\",\"virtual_size\":$((64 * MB))}]")")
curl -sS --fail --cacert "$T/pki/ca.crt" -T "$T/full.vhd" \
  "https://127.0.0.1:$PORT/import_raw_vdi?session_id=$S&vdi=$NEW2&format=vhd" || fail "import vhd"
[ "$(ctl sha256 --vdi "$NEW2")" = "$(sha256sum <"$T/full.raw" | cut -d' ' -f1)" ] || fail "vhd import bytes"
pass "import_raw_vdi: raw and vhd round trips, VDI_TOO_LARGE fails the task"

# --- faults seen by curl -----------------------------------------------
ctl fault --kind export_500 >/dev/null
CODE=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" "http://localhost/export_raw_vdi?vdi=$S1D0")
[ "$CODE" = 500 ] || fail "export_500 gave $CODE"
ctl fault --kind export_cut --after-bytes $MB >/dev/null
TASK=$(result "$(rpc task.create "[\"$S\",\"export\",\"cut\"]")")
N=$(curl -s -o /dev/null -w '%{size_download}' --unix-socket "$SOCK" \
  "http://localhost/export_raw_vdi?vdi=$S1D0&task_id=$TASK&format=raw" || true)
[ "$N" = $MB ] || fail "export_cut delivered $N bytes"
[ "$(result "$(rpc task.get_status "[\"$S\",\"$TASK\"]")")" = failure ] || fail "cut task not failed"
ctl fault --kind redirect >/dev/null
OUT=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --cacert "$T/pki/ca.crt" \
  "https://127.0.0.1:$PORT/export_raw_vdi?session_id=$S&vdi=$S1D0&format=raw")
[[ $OUT == "302 https://127.0.0.1:$SLAVE/export_raw_vdi?"* ]] || fail "redirect: $OUT"
curl -sS -L --cacert "$T/pki/ca.crt" -o "$T/redir.raw" "${OUT#302 }"
cmp -s "$T/redir.raw" "$T/full.raw" || fail "export from the pool member differs"
ctl fault --kind expire_session --after-bytes $((4 * MB)) >/dev/null
N=$(curl -s -o /dev/null -w '%{size_download}' --cacert "$T/pki/ca.crt" \
  "https://127.0.0.1:$PORT/export_raw_vdi?session_id=$S&vdi=$S1D0&format=raw" || true)
[ "$N" = $((4 * MB)) ] || fail "expire_session export delivered $N bytes"
[ "$(error_code "$(rpc VM.get_all "[\"$S\"]")")" = SESSION_INVALID ] || fail "session survived expiry"
[ "$(ctl faults)" = "[]" ] || fail "faults left armed: $(ctl faults)"
pass "faults: HTTP 500, cut after 1 MiB (task failed), 302 to the pool member, session expired mid-export"

# --- xmldbdump, logout, restart ----------------------------------------
S=$(result "$(rpc session.login_with_password '["root","s3cret"]')")
TASK=$(result "$(rpc task.create "[\"$S\",\"dump\",\"\"]")")
https_get "/pool/xmldbdump?session_id=$S&task_id=$TASK" "$T/db.xml"
[ "$(result "$(rpc task.get_status "[\"$S\",\"$TASK\"]")")" = success ] || fail "xmldbdump task not completed"
if command -v xmllint >/dev/null; then
  xmllint --noout "$T/db.xml" || fail "xmldbdump is not well-formed"
else
  python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/db.xml" ||
    fail "xmldbdump is not well-formed"
fi
grep -q "name__label=\"night2\"" "$T/db.xml" || fail "xmldbdump lacks the snapshot"
CODE=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" "https://127.0.0.1:$PORT/pool/xmldbdump")
[ "$CODE" = 401 ] || fail "xmldbdump without a session gave $CODE"
rpc session.logout "[\"$S\"]" >/dev/null
[ "$(error_code "$(rpc VM.get_all "[\"$S\"]")")" = SESSION_INVALID ] || fail "logout"
pass "xmldbdump is well-formed XML; 401 without a session; SESSION_INVALID after logout"

SUM2=$(ctl sha256 --vdi "$S2D0")
stop_sim
start_sim
S=$(result "$(rpc session.login_with_password '["root","s3cret"]')")
[ "$(result "$(rpc VM.get_by_name_label "[\"$S\",\"night2\"]")" | jq -r '.[0]')" = "$SNAP2" ] || fail "snapshot lost in restart"
[ "$(ctl sha256 --vdi "$S2D0")" = "$SUM2" ] || fail "snapshot bytes changed in restart"
[ "$(ctl sha256 --vdi "$S1D0")" = "$(sha256sum <"$T/full.raw" | cut -d' ' -f1)" ] || fail "night-1 bytes changed"
pass "state survives a restart"
