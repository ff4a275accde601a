# The VDI benchmarks (vdi, vdi2, vdi-rss); sourced by run.sh, which has set
# ROOT, BUILD, BIN, W, SIZE, runs and the helpers (tools_run, mbps, median,
# free_port, stop_agent).
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

# hv_run BYTES ARGS...: one backup-once; prints "MBps RSS_MiB" (GNU time's
# maximum resident set size of the hv agent).
hv_run() {
  local bytes=$1; shift
  vdi_agent
  local args=("${@//\$AGENT_PORT/$AGENT_PORT}")
  local t0 t1; t0=$(now)
  /usr/bin/time -f '%M' -o "$W/hv.time" "$BIN/tapeline-hv-agent" -c "$W/hv.toml" \
    backup-once --vm vm01 "${args[@]}" >>"$W/hv.log" 2>&1 \
    || { tail -5 "$W/hv.log" >&2; echo "hv agent failed" >&2; exit 1; }
  t1=$(now)
  stop_agent >/dev/null
  echo "$(mbps "$bytes" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')") $(awk '{ printf "%.0f", $1 / 1024 }' "$W/hv.time")"
}

if [ "$mode" = vdi-rss ]; then
  sim_start 1G 1
  read -r _ rss1 <<<"$(hv_run $((1 << 30)) --disk 0 --to "127.0.0.1:\$AGENT_PORT/d0")"
  sim_start "$SIZE" 1
  read -r mb rssb <<<"$(hv_run "$SIZE" --disk 0 --to "127.0.0.1:\$AGENT_PORT/d0")"
  echo "big_size_bytes=$SIZE"
  echo "hv_rss_MiB_1G=$rss1"
  echo "hv_rss_MiB_big=$rssb"
  echo "big_vdi_MBps=$mb"
  exit 0
fi

sim_start "$SIZE" 2
# The baseline's bytes: disk 0 as the simulator holds it.
sess=$("$BIN/xapi-sim" ctl --unix "$W/xapi.sock" call session.login_with_password '"root"' '"bench"' '"1.0"' '"bench"')
vdi0=$("$BIN/xapi-sim" ctl --unix "$W/xapi.sock" call VM.get_by_name_label "\"$sess\"" '"vm01"' | jq -r '.[0]')
"$BIN/xapi-sim" ctl --unix "$W/xapi.sock" read --vdi "$(
  "$BIN/xapi-sim" ctl --unix "$W/xapi.sock" call VM.get_VBDs "\"$sess\"" "\"$vdi0\"" | jq -r '.[]' | while read -r vbd; do
    "$BIN/xapi-sim" ctl --unix "$W/xapi.sock" call VBD.get_record "\"$sess\"" "\"$vbd\"" | jq -r 'select(.type == "Disk" and .userdevice == "0") | .VDI'
  done)" --out "$W/data" >/dev/null
cat "$W/data" > /dev/null

v=() t=() a=() m=()
for i in $(seq 1 "$runs"); do
  t+=("$(tools_run file)")
  read -r mb rss <<<"$(hv_run "$SIZE" --disk 0 --to "127.0.0.1:\$AGENT_PORT/d0")"
  v+=("$mb"); m+=("$rss")
  if [ "$mode" = vdi2 ]; then
    read -r amb _ <<<"$(hv_run $((SIZE * 2)) --disk 0 --disk 1 --to "127.0.0.1:\$AGENT_PORT/d0" --to "127.0.0.1:\$AGENT_PORT/d1")"
    a+=("$amb")
    echo "# run $i: tools ${t[-1]} MB/s, one VDI $mb MB/s (hv RSS $rss MiB), two VDIs $amb MB/s" >&2
  else
    echo "# run $i: tools ${t[-1]} MB/s, vdi $mb MB/s (hv RSS $rss MiB)" >&2
  fi
done
vm=$(median "${v[@]}"); tm=$(median "${t[@]}")
echo "size_bytes=$SIZE"
echo "runs=$runs"
echo "vdi_MBps=$vm"
echo "tools_MBps=$tm"
echo "ratio=$(awk -v a="$vm" -v b="$tm" 'BEGIN { printf "%.2f", a / b }')"
echo "hv_rss_MiB=$(printf '%s\n' "${m[@]}" | sort -n | tail -1)"
if [ "$mode" = vdi2 ]; then
  am=$(median "${a[@]}")
  echo "aggregate_MBps=$am"
  echo "aggregate_ratio=$(awk -v a="$am" -v b="$vm" 'BEGIN { printf "%.2f", a / b }')"
fi
