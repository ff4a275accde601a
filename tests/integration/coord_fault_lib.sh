# Shared by the coordinator fault tests (issues #4 and #6,
# docs/coordinator-faults.md): the coordinator with a tape agent on slow
# virtual drives (LTO-1 speed model: a 64 MiB disk takes seconds to reach
# tape, long enough to kill a process in the middle) and an hv agent under
# it, the faults, and the checks each test ends with. Source after lib.sh,
# hv_lib.sh and coord_lib.sh.
#
# Every wait is on an event (a log line, a status field, a job's state), in
# a bounded loop; no sleep guesses how long something takes.

# fault_setup DRIVE...: a VM (vm01, one 64 MiB disk), the coordinator, a
# tape agent with one slow drive per name (pool vdi, cartridge VT-<name>
# loaded) and the hv agent; returns once all have registered. With
# FAULT_EIO="BARCODE RECORD" that cartridge gets an EIO at that record.
# Objects start at record 4: label, filemark, a one-record tools file
# (/bin/true stands in for tapeline-extract), filemark.
EXTRACT_BINARY=/bin/true
# coord_config's policy line, spelled out: "${X:-kind = "a"}" in its here
# document loses the quotes.
POLICY_KIND='kind = "daily_full"'
fault_setup() {
  hv_pki
  coord_pki
  start_sim --vms 1 --disks-per-vm 1 --disk-size "${FAULT_DISK:-64M}" \
    --fill 24M --seed 11
  coord_config "$T/coord.toml" "${FAULT_COORD_EXTRA:-}"
  # The pool's media is the slow drives' (the planner checks).
  sed -i 's/^media_type = "LTO-5"$/media_type = "LTO-1"/' "$T/coord.toml"
  start_coordinator "$T/coord.toml"
  local d drives=()
  for d in "$@"; do
    new_cartridge "VT-$d" LTO-1
    drives+=("$(virtual_drive "$d" LTO-1 256K "pool = \"vdi\"
speed_model = true")")
  done
  write_config "$T/agent.toml" "${drives[@]}"
  printf '[coordinator]\naddress = "127.0.0.1:%s"\n' "$COORD_PORT" >> "$T/agent.toml"
  if [ -n "${FAULT_EIO:-}" ]; then
    "$BIN/tapeline-vtape" fault "$T/lib/${FAULT_EIO% *}.vtape" \
      --eio-at-record "${FAULT_EIO#* }" >/dev/null
  fi
  for d in "$@"; do load "$d" "VT-$d"; done
  start_agent "$T/agent.toml"
  hv_config "$T/hv.toml"
  coord_hv_config "$T/hv.toml"
  start_hv_daemon "$T/hv.toml"
  wait_for "hv agent host1 registered with vm01" \
    '[ "$(tl status --json | jq "[.hv_agents[].vms[] | select(.name == \"vm01\")] | length")" = 1 ]'
  for d in "$@"; do
    wait_for "drive $d registered with VT-$d loaded" \
      "[ \"\$(tl status --json | jq -r '.drives[] | select(.name == \"$d\") | .volume')\" = VT-$d ]"
  done
}

# kill9 PID: SIGKILL and reap.
kill9() {
  kill -9 "$1" 2>/dev/null || fail "process $1 was already gone when the fault was due"
  wait "$1" 2>/dev/null || true
}

# restart_coordinator: a new coordinator on the same catalog and the port
# the agents know.
restart_coordinator() {
  sed -i "s/^port = .*/port = $COORD_PORT/" "$T/coord.toml"
  start_coordinator "$T/coord.toml"
}

# wait_streaming DRIVE [N]: returns once the drive has opened its Nth
# stream (default 1), from the tape agent's log. At the LTO-1 speed model's
# 20 MB/s a 64 MiB object then takes at least 3 s more to reach tape, so a
# fault injected now lands mid-stream. (Asking the drive its status would
# not do: a drive answers between writes, so the answer can come only after
# the object.)
wait_streaming() {
  wait_for "drive $1 streaming (stream ${2:-1} opened)" \
    "[ \$(grep -c 'drive $1: stream [0-9]* opened for object' '$T/agent.log') -ge ${2:-1} ]" 60
}

job_state() { tl jobs show "$1" --json | jq -r .state; }

# wait_job ID STATE [SECONDS]
wait_job() {
  wait_for "job $1 $2 (it is $(job_state "$1" 2>/dev/null || echo unknown))" \
    "[ \"\$(job_state $1)\" = $2 ]" "${3:-60}"
}

# run_vm VM: `tapeline run VM`; prints the one job's id.
run_vm() {
  tl run "$1" --json > "$T/run.json" || fail "tapeline run $1: $(cat "$T/run.json")"
  [ "$(jq '.jobs | length' "$T/run.json")" = 1 ] || fail "expected one job: $(cat "$T/run.json")"
  jq -r '.jobs[0].id' "$T/run.json"
}

# sql QUERY: the catalog, read with sqlite3 (the coordinator keeps it in
# WAL mode, so reading while it runs is safe).
sql() { sqlite3 -batch -noheader "$T/catalog.db" "$1"; }

# objects_of JOB STATE: how many of the job's objects are in STATE.
objects_of() {
  sql "SELECT count(*) FROM objects o JOIN job_objects j ON j.object_id = o.id
       WHERE j.job_id = $1 AND o.state = '$2'"
}

# exports: VDI export requests the simulator answered so far (logged when
# each ends, whether it sent data, an HTTP error or was cut).
exports() { grep -c " GET /export" "$T/sim.log" || true; }

# cartridge BARCODE: the cartridge's file, in a drive's slot or on the shelf.
cartridge() {
  local f
  for f in "$T"/*/"$1.vtape"; do [ -f "$f" ] && { echo "$f"; return; }; done
  fail "cartridge $1 not found"
}

# check_catalog_consistent: SQLite's own checks, and every restorable
# object's bytes read back from tape by GNU tar equal its SHA-256 and the
# simulator's disk at its snapshot (the oracle for "restorable").
check_catalog_consistent() {
  [ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "catalog integrity_check failed"
  [ -z "$(sql 'PRAGMA foreign_key_check')" ] || fail "catalog foreign keys broken: $(sql 'PRAGMA foreign_key_check')"
  local id barcode file sha n=0
  while IFS='|' read -r id barcode file sha; do
    [ -n "$id" ] || continue
    local cart
    cart=$(cartridge "$barcode")
    [ "$(manifest "$cart" "$file" | jq -r .object_id)" = "$id" ] \
      || fail "$barcode file $file does not hold restorable object $id"
    payload "$cart" "$file" "$T/check.raw"
    [ "$(sha256sum < "$T/check.raw" | cut -d' ' -f1)" = "$sha" ] \
      || fail "object $id: bytes on $barcode file $file differ from its SHA-256"
    local svdi
    svdi=$(manifest "$cart" "$file" | jq -r '.labels.snapshot_vdi_uuid')
    [ "$sha" = "$(sim sha256 --vdi "$svdi" | tr -d '"')" ] \
      || fail "object $id differs from the simulator's disk at its snapshot"
    n=$((n + 1))
  done < <(sql "SELECT o.id, e.barcode, e.file_number, o.sha256 FROM objects o
                JOIN extents e ON e.object_id = o.id WHERE o.state = 'restorable'")
  echo "$n"
}
