# The VDI benchmarks (vdi, vdi2, vdi-rss); sourced by run.sh, which has set
# ROOT, BUILD, BIN, W, SIZE, runs and the helpers (tools_run, mbps, median,
# free_port, stop_agent).
. "$ROOT/tests/bench/sim_lib.sh"

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
