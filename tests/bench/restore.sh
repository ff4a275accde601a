# The restore benchmark; sourced by run.sh (ROOT, BUILD, BIN, W, SIZE, the
# helpers). A chain of a full of SIZE incompressible bytes and three VHD
# deltas goes to a virtual tape through the hv agent; then, timed in the
# same run:
#   restore: tapeline-restore vdi through the tape agent's drive to a raw
#            file (READ of the four tape files, CRC32C and SHA-256 checks,
#            layer files, the merge);
#   tar:     GNU tar extracting the same four tape files, dumped beforehand.
# Both rates are the chain's payload bytes over the wall time.
. "$ROOT/tests/bench/sim_lib.sh"
"$ROOT/deploy/pki.sh" issue "$W/pki" restore operator >/dev/null

sim_start "$SIZE" 1
# Deltas need the previous night's snapshot kept on the host.
sed -i 's/^retention = "0s"/retention = "14d"/' "$W/hv.toml"
vdi_agent
TO="127.0.0.1:$AGENT_PORT/d0"
night() {  # night N ARGS...
  local n=$1; shift
  "$BIN/tapeline-hv-agent" -c "$W/hv.toml" backup-once --vm vm01 --disk 0 \
    --to "$TO" --json "$@" >"$W/night$n.json" 2>>"$W/hv.log" \
    || { tail -5 "$W/hv.log" >&2; echo "backup night $n failed" >&2; exit 1; }
}
echo "# backing up a full of $SIZE bytes and three deltas" >&2
night 1
for n in 2 3 4; do
  "$BIN/xapi-sim" ctl --unix "$W/xapi.sock" write --vm vm01 --blocks 64 --seed "$n" >/dev/null
  extra=()
  [ "$n" = 4 ] && extra=(--finish-session)
  night "$n" --base auto "${extra[@]}"
done
"$BIN/tapeline-send" --agent "127.0.0.1:$AGENT_PORT" --drive d0 --command eject \
  --cert "$W/pki/client.crt" --key "$W/pki/client.key" --ca "$W/pki/ca.crt" >/dev/null
"$BIN/tapeline-restore" ingest-virtual --catalog "$W/cat.db" --shelf "$W/lib" BENCH-0000 2>>"$W/restore.log"

bytes=0 files=()
for n in 1 2 3 4; do
  bytes=$((bytes + $(jq -r '.objects[0].result.payload_bytes' "$W/night$n.json")))
  files+=("$(jq -r '.objects[0].result.extents[0].file_number' "$W/night$n.json")")
done
for f in "${files[@]}"; do "$BIN/tapeline-vtape" dump "$W/lib/BENCH-0000.vtape" "$f" >"$W/tf$f.tar"; done
cat > "$W/restore.toml" <<TOML
[restore]
catalog = "$W/cat.db"
agent = "127.0.0.1:$AGENT_PORT"
drive = "d0"
load = "command"
[tls]
certificate = "$W/pki/restore.crt"
key = "$W/pki/restore.key"
cafile = "$W/pki/ca.crt"
TOML

echo "# restoring $bytes payload bytes through the drive" >&2
t0=$(now)
"$BIN/tapeline-restore" vdi -c "$W/restore.toml" --vm vm01 --disk 0 --to "$W/out.raw" \
  --json >"$W/restore.json" 2>>"$W/restore.log" \
  || { tail -5 "$W/restore.log" >&2; echo "restore failed" >&2; exit 1; }
t1=$(now)
want=$("$BIN/xapi-sim" ctl --unix "$W/xapi.sock" sha256 --vdi \
  "$(jq -r '.objects[0].manifest.labels.snapshot_vdi_uuid' "$W/night4.json")" | tr -d '"')
[ "$(sha256sum <"$W/out.raw" | cut -d' ' -f1)" = "$want" ] \
  || { echo "the restored disk differs from the simulator's" >&2; exit 1; }
rm -f "$W/out.raw"
echo "# GNU tar extracting the same tape files" >&2
mkdir -p "$W/x"
t2=$(now)
for f in "${files[@]}"; do tar -xf "$W/tf$f.tar" -C "$W/x"; done
sync -f "$W/x"
t3=$(now)
rm -rf "$W/x" "$W"/tf*.tar
rs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
ts=$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')
rm_=$(mbps "$bytes" "$rs"); tm=$(mbps "$bytes" "$ts")
echo "chain_payload_bytes=$bytes"
echo "restore_seconds=$rs"
echo "tar_seconds=$ts"
echo "restore_MBps=$rm_"
echo "tar_MBps=$tm"
echo "ratio=$(awk -v a="$rm_" -v b="$tm" 'BEGIN { printf "%.2f", a / b }')"
echo "restore_merge_seconds=$(jq -r '.merge_seconds' "$W/restore.json")"
