# xapi-sim and a tape agent for the benchmarks that back up VDIs (vdi.sh,
# restore.sh); sourced by them after run.sh has set ROOT, BUILD, BIN, W,
# SIZE and the helpers.
"$ROOT/deploy/pki.sh" issue "$W/pki" hv hv-agent >/dev/null
SIM_PID=""
trap 'cleanup; [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; true' EXIT

# sim_start DISK_SIZE DISKS: one VM whose DISKS disks are full of
# incompressible bytes, served on a Unix socket.
sim_start() {
  [ -n "$SIM_PID" ] && { kill "$SIM_PID"; wait "$SIM_PID" || true; SIM_PID=""; }
  rm -rf "$W/sim" "$W/xapi.sock" "$W/sim.ready"
  echo "# xapi-sim: a VM with $2 disk(s) of $1 bytes, filled" >&2
  "$BIN/xapi-sim" init --state "$W/sim" --vms 1 --disks-per-vm "$2" \
    --disk-size "$1" --fill "$1" --seed 1 --password bench >/dev/null
  mkfifo "$W/sim.ready"
  "$BIN/xapi-sim" serve --state "$W/sim" --unix "$W/xapi.sock" \
    --ready-file "$W/sim.ready" --log-level warn >>"$W/sim.log" 2>&1 &
  SIM_PID=$!
  timeout 60 cat "$W/sim.ready" >/dev/null
  printf 'username = "root"\npassword = "bench"\n' > "$W/creds" && chmod 600 "$W/creds"
  cat > "$W/hv.toml" <<TOML
[agent]
name = "bench"
log_level = "warn"
[xapi]
url = "unix://$W/xapi.sock"
credentials = "$W/creds"
[tls]
certificate = "$W/pki/hv.crt"
key = "$W/pki/hv.key"
cafile = "$W/pki/ca.crt"
[snapshots]
retention = "0s"
TOML
}

# vdi_agent: a tape agent with two virtual drives (d0, d1), blank tapes.
vdi_agent() {
  rm -rf "$W/lib" "$W/s0" "$W/s1" "$W/ready"; mkdir -p "$W/lib" "$W/s0" "$W/s1"
  local cap=$((SIZE * 2 + (1 << 30)))
  for d in 0 1; do
    "$BIN/tapeline-vtape" create --library "$W/lib" "BENCH-000$d" --media LTO-5 --capacity "$cap" >/dev/null
    "$BIN/tapeline-vtape" load --library "$W/lib" --slot "$W/s$d" "BENCH-000$d" >/dev/null
  done
  {
    printf '[agent]\nlisten = "127.0.0.1"\nport = 0\nlog_level = "warn"\n'
    printf '[tls]\ncertificate = "%s"\nkey = "%s"\ncafile = "%s"\n' "$W/pki/agent.crt" "$W/pki/agent.key" "$W/pki/ca.crt"
    for d in 0 1; do
      printf '[[drive]]\nname = "d%s"\nbackend = "virtual"\nslot_dir = "%s"\nlibrary_dir = "%s"\nmedia_type = "LTO-5"\nrecord_size = "256K"\nbuffer = "512M"\n' "$d" "$W/s$d" "$W/lib"
    done
  } > "$W/agent.toml"
  mkfifo "$W/ready"
  "$BIN/tapeline-tape-agent" --config "$W/agent.toml" --ready-file "$W/ready" >>"$W/agent.log" 2>&1 &
  AGENT_PID=$!
  AGENT_PORT=$(timeout 60 cat "$W/ready")
}

