#!/usr/bin/env bash
# Tapeline quick start: what exists today, end to end, on virtual LTO drives.
# See --help, README.md and docs/disaster-recovery.md.
set -euo pipefail

readonly PROG=${0##*/}
REPO=$(cd "$(dirname "$0")/.." && pwd)
readonly REPO

usage() {
  cat <<USAGE
Usage: $PROG [--dir DIR] [--files DIR] [--keep-running] [--no-build]

Runs Tapeline's tape side on this machine, without tape hardware, the way
the case study's backup server ran its two drives:

  1. installs the Debian packages that are missing and builds into build/
  2. makes a site CA and certificates (deploy/pki.sh)
  3. creates scaled-down scratch cartridges on a virtual shelf
     (LTO4-0001, LTO5-0001..0003)
  4. starts tapeline-tape-agent with two virtual drives, over mutual TLS:
       lto4  LTO-4, pool filesets
       lto5  LTO-5, pool vdi, cartridges of 256 MiB so that the VM's disk
             spans two tapes (the autoloader loads the next scratch tape)
  5. starts xapi-sim, a simulated XCP-ng pool (XAPI's own protocol) with a
     VM whose 320 MiB disk holds random data, and checks the hypervisor
     agent's configuration and XAPI login
  6. night 1, with progress:
       tar -cf - DIR | zstd | tapeline-send --file -        -> lto4
       tapeline-hv-agent backup-once --vm vm01 (raw full)   -> lto5
     night 2: the VM writes, then a VHD delta against night 1's snapshot
  7. verifies the file set on tape, then ejects both tapes (which writes
     each tape's session catalog)
  8. reads every tape file back with GNU tar alone (tapeline-vtape dump N |
     tar), joins the spanned disk with tar -x -M, merges night 2's delta
     onto it, and checks both against the simulator's disk at each snapshot
  9. says which tapes to take off-site

It finishes in about a minute after the build and exits non-zero if any
check fails.

Options:
  --dir DIR        work folder (default: .quickstart/ in the repository). It
                   is wiped at start; a folder that is not empty and was not
                   made by $PROG is refused.
  --files DIR      the folder backed up as the file set (default /usr/share/doc)
  --keep-running   leave the tape agent running at the end, and print how to
                   use tapeline-send against it and how to stop it
  --no-build       skip package installation and the build; use the binaries
                   in \$TAPELINE_BIN (default: build/bin)
  -h, --help       this text
USAGE
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

# ---- options ----------------------------------------------------------------

WORK="$REPO/.quickstart"
FILES=/usr/share/doc
KEEP=0
BUILD=1
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dir) (($# >= 2)) || die "--dir needs a folder"; WORK=$2; shift ;;
    --files) (($# >= 2)) || die "--files needs a folder"; FILES=$2; shift ;;
    --keep-running) KEEP=1 ;;
    --no-build) BUILD=0 ;;
    *) die "unknown option '$1' (see $PROG --help)" ;;
  esac
  shift
done
[[ -d $FILES ]] || die "--files $FILES: no such folder"

# ---- output helpers -----------------------------------------------------------

STEP=0
readonly STEPS=9
section() {
  STEP=$((STEP + 1))
  printf '\n== %d/%d  %s\n' "$STEP" "$STEPS" "$1"
}
say() { printf '   %s\n' "$*"; }
# show CMD...: prints the command, then runs it with its output indented.
show() {
  printf '   $ %s\n' "$*"
  "$@" 2>&1 | sed 's/^/     /'
}
FAILED=0
ok() { printf '   ok: %s\n' "$*"; }
failed() {
  printf '   FAILED: %s\n' "$*"
  FAILED=$((FAILED + 1))
}
quiet() { "$@" >/dev/null 2>&1; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then ok "$what"; else failed "$what"; fi
}

# ---- 1. packages and build ------------------------------------------------------

section "Packages and build"
if ((BUILD)); then
  say "Installs the Debian packages Tapeline needs that are missing (apt-get),"
  say "then configures and builds incrementally into build/ (deploy/lib/common.sh)."
  cd "$REPO"
  # shellcheck source=lib/common.sh
  . "$REPO/deploy/lib/common.sh"
  ensure_packages
  build_tree build
  BIN="$REPO/build/bin"
else
  BIN=$(cd "${TAPELINE_BIN:-$REPO/build/bin}" && pwd) ||
    die "TAPELINE_BIN=${TAPELINE_BIN:-} is not a folder"
  say "--no-build: using the binaries in $BIN"
fi
for b in tapeline-tape-agent tapeline-send tapeline-vtape tapeline-hv-agent xapi-sim tapeline-vhd; do
  [[ -x $BIN/$b ]] || die "$BIN/$b is missing; run $PROG without --no-build"
done
for t in tar zstd sha256sum jq openssl; do
  command -v "$t" >/dev/null || die "$t is missing; run $PROG without --no-build"
done
ok "tapeline-tape-agent, tapeline-hv-agent, xapi-sim and tools in $BIN"

# ---- 2. work folder -----------------------------------------------------------------

section "Work folder"
readonly MARK=.tapeline-quickstart
if [[ -e $WORK && ! -e $WORK/$MARK ]] && [[ -n $(ls -A "$WORK" 2>/dev/null) ]]; then
  die "$WORK is not empty and was not made by $PROG; refusing to wipe it (choose another --dir)"
fi
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
touch "$WORK/$MARK"
avail=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
((avail > 2 * 1024 * 1024)) || die "$WORK: less than 2 GiB free; choose another --dir"
PKI=$WORK/pki SHELF=$WORK/shelf SAMPLE=$WORK/sample RESTORE=$WORK/restore
mkdir -p "$SHELF" "$SAMPLE" "$RESTORE" "$WORK/drives/lto4" "$WORK/drives/lto5"
say "$WORK (wiped at every run; 'rm -rf' it when done)"
say "  pki/     site CA and certificates    shelf/    cartridges not in a drive"
say "  drives/  one slot per drive          sample/   what is backed up"
say "  restore/ what GNU tar reads back     agent.toml, agent.log"

AGENT_PID=""
SIM_PID=""
stop_sim() {
  [[ -n $SIM_PID ]] || return 0
  kill "$SIM_PID" 2>/dev/null || true
  wait "$SIM_PID" 2>/dev/null || true
  SIM_PID=""
}
stop_agent() {
  [[ -n $AGENT_PID ]] || return 0
  kill "$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
  AGENT_PID=""
  rm -f "$WORK/agent.pid"
}
on_exit() {
  local rc=$?
  stop_sim
  if ((KEEP == 0 || rc != 0)); then stop_agent; fi
  if ((rc != 0)) && [[ -s $WORK/agent.log ]]; then
    echo "--- $WORK/agent.log (last 30 lines) ---" >&2
    tail -30 "$WORK/agent.log" >&2
  fi
}
trap on_exit EXIT

# ---- 3. site PKI --------------------------------------------------------------------

section "Site PKI: a CA and one certificate per role (deploy/pki.sh)"
say "Every Tapeline process talks over mutual TLS; a peer without a certificate"
say "from this CA is refused. The certificate's OU is its role."
"$REPO/deploy/pki.sh" init "$PKI" | sed 's/^/   /'
"$REPO/deploy/pki.sh" issue "$PKI" backup1 tape-agent | sed 's/^/   /'
"$REPO/deploy/pki.sh" issue "$PKI" operator1 operator | sed 's/^/   /'
"$REPO/deploy/pki.sh" issue "$PKI" xcp-host1 hv-agent | sed 's/^/   /'

# ---- 4. cartridges ------------------------------------------------------------------

section "Scratch cartridges on the shelf (tapeline-vtape create)"
say "A virtual cartridge is one file, BARCODE.vtape. Capacities are scaled down"
say "(a real LTO-4 holds 800 GB, an LTO-5 1.5 TB) so the sample fills a tape."
vtape() { "$BIN/tapeline-vtape" "$@"; }
vtape create --library "$SHELF" LTO4-0001 --media LTO-4 --capacity 2G | sed 's/^/   /'
for n in 1 2 3; do
  vtape create --library "$SHELF" "LTO5-000$n" --media LTO-5 --capacity 256M | sed 's/^/   /'
done
say "Load one tape into each drive (an operator inserting a cartridge):"
show "$BIN/tapeline-vtape" load --library "$SHELF" --slot "$WORK/drives/lto4" LTO4-0001
show "$BIN/tapeline-vtape" load --library "$SHELF" --slot "$WORK/drives/lto5" LTO5-0001

# ---- 5. tape agent ------------------------------------------------------------------

section "Tape agent with two virtual drives (tapeline-tape-agent)"
cat >"$WORK/agent.toml" <<TOML
# Written by deploy/quickstart.sh; see deploy/examples/tape-agent.toml and
# docs/configuration.md. Port 0: the agent picks a free port and reports it
# through --ready-file.
[agent]
listen = "127.0.0.1"
port = 0
log_level = "info"

[tls]
certificate = "pki/backup1.crt"
key = "pki/backup1.key"
cafile = "pki/ca.crt"

# The case study's server: the LTO-4 takes the compressed file sets...
[[drive]]
name = "lto4"
backend = "virtual"
slot_dir = "drives/lto4"
library_dir = "shelf"
media_type = "LTO-4"
pool = "filesets"
record_size = "256K"
buffer = "128M"
autoload = true

# ...and the LTO-5 the VDI streams.
[[drive]]
name = "lto5"
backend = "virtual"
slot_dir = "drives/lto5"
library_dir = "shelf"
media_type = "LTO-5"
pool = "vdi"
record_size = "256K"
buffer = "128M"
autoload = true
TOML
say "Configuration: $WORK/agent.toml (port 0 = any free port; 256 KiB records;"
say "128 MiB RAM buffer per drive; autoload = true: at end of medium the full"
say "tape is ejected and the next blank cartridge on the shelf is loaded)."
rm -f "$WORK/ready"
mkfifo "$WORK/ready"
"$BIN/tapeline-tape-agent" --config "$WORK/agent.toml" --ready-file "$WORK/ready" \
  >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
echo "$AGENT_PID" >"$WORK/agent.pid"
PORT=$(timeout 60 cat "$WORK/ready" || true)
[[ -n $PORT ]] || die "the tape agent did not start; see $WORK/agent.log"
ok "tape agent pid $AGENT_PID listening on 127.0.0.1:$PORT (mutual TLS)"

send() {
  "$BIN/tapeline-send" --agent "127.0.0.1:$PORT" --cert "$PKI/operator1.crt" \
    --key "$PKI/operator1.key" --ca "$PKI/ca.crt" "$@"
}
say "Drives, as the agent reports them (tapeline-send --command list --json):"
send --command list --json |
  jq -r '.drives[] | "     \(.drive): \(.media_type), \(.state), tape \(.volume_id // "-")"'

# ---- 6. the pool and the hypervisor agent ---------------------------------------------

section "An XCP-ng pool (xapi-sim) and the hypervisor agent"
say "xapi-sim speaks XAPI's JSON-RPC and HTTP handlers (docs/xapi.md) on a Unix"
say "socket, as dom0's /var/lib/xcp/xapi. Its VM vm01 has a 320 MiB disk of"
say "random data (incompressible, like an encrypted disk)."
"$BIN/xapi-sim" init --state "$WORK/pool" --vms 1 --disks-per-vm 1 --disk-size 320M \
  --fill 320M --seed 1 --password quickstart | sed 's/^/   /'
rm -f "$WORK/pool.ready" && mkfifo "$WORK/pool.ready"
"$BIN/xapi-sim" serve --state "$WORK/pool" --unix "$WORK/xapi.sock" \
  --ready-file "$WORK/pool.ready" >"$WORK/xapi-sim.log" 2>&1 &
SIM_PID=$!
timeout 30 cat "$WORK/pool.ready" >/dev/null || die "xapi-sim did not start; see $WORK/xapi-sim.log"
printf 'username = "root"\npassword = "quickstart"\n' >"$WORK/xapi.credentials"
chmod 600 "$WORK/xapi.credentials"
cat >"$WORK/hv-agent.toml" <<TOML
# Written by deploy/quickstart.sh; see deploy/examples/hv-agent.toml.
[agent]
name = "xcp-host1"
log_level = "warn"
[xapi]
url = "unix://$WORK/xapi.sock"
credentials = "xapi.credentials"   # mode 0600, or the agent refuses it
[tls]
certificate = "pki/xcp-host1.crt"
key = "pki/xcp-host1.key"
cafile = "pki/ca.crt"
TOML
hv() { "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" "$@"; }
show "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" check
show "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" list
sim() { "$BIN/xapi-sim" ctl --unix "$WORK/xapi.sock" "$@"; }

# ---- 7. backup ----------------------------------------------------------------------

section "Night 1: a file set to lto4, VM vm01 to lto5; night 2: a delta"
FSNAME=filesets/$(basename "$FILES").tar.zst
say "lto4: tar -C $(dirname "$FILES") -cf - $(basename "$FILES") | zstd | tapeline-send --file - --name $FSNAME"
say "      (size unknown in advance: the payload is written as segment members)"
say "lto5: tapeline-hv-agent backup-once --vm vm01 --format raw --to 127.0.0.1:$PORT/lto5"
say "      (snapshot, XAPI export, streamed; larger than the 256 MiB tape: it"
say "      continues on the next cartridge)"
# Both drives at once, as the case study ran them.
(
  set -o pipefail
  tar -C "$(dirname "$FILES")" -cf - "$(basename "$FILES")" 2>/dev/null |
    zstd -q -T0 -3 |
    send --drive lto4 --name "$FSNAME" --kind file-set --file - --progress 2>&1 |
    tee "$WORK/send-lto4.out" | sed -u 's/^/   [lto4] /'
) &
FS_PID=$!
(
  set -o pipefail
  hv backup-once --vm vm01 --format raw --to "127.0.0.1:$PORT/lto5" --progress --json \
    2> >(sed -u 's/^/   [lto5] /' >&2) >"$WORK/night1.json"
) &
VDI_PID=$!
FS_RC=0 VDI_RC=0
wait "$FS_PID" || FS_RC=$?
wait "$VDI_PID" || VDI_RC=$?
if ((FS_RC == 0)); then ok "file set written to lto4"; else failed "file set NOT written to lto4 (exit $FS_RC)"; fi
if ((VDI_RC == 0)); then
  ok "vm01 disk 0 written to lto5: $(jq -r '.objects[0].manifest.name' "$WORK/night1.json")"
else
  failed "vm01 NOT written to lto5 (exit $VDI_RC)"
fi
FS_SHA=$(sed -n 's/.*sha256 \([0-9a-f]\{64\}\).*/\1/p' "$WORK/send-lto4.out" | head -1)

say "Night 2: the VM writes 8 blocks of 2 MiB; the agent takes a VHD delta"
say "against night 1's snapshot, which it kept on the host:"
show "$BIN/xapi-sim" ctl --unix "$WORK/xapi.sock" write --vm vm01 --blocks 8 --seed 2
say "$ tapeline-hv-agent backup-once --vm vm01 --base auto --to 127.0.0.1:$PORT/lto5"
if hv backup-once --vm vm01 --base auto --to "127.0.0.1:$PORT/lto5" --json >"$WORK/night2.json" 2>>"$WORK/hv-agent.log"; then
  ok "vm01 delta written to lto5: $(jq -r '.objects[0].manifest.name + " (parent object " + .objects[0].manifest.parent_object_id + ")"' "$WORK/night2.json")"
else
  failed "vm01 delta NOT written (see $WORK/hv-agent.log)"
fi
show "$BIN/tapeline-hv-agent" -c "$WORK/hv-agent.toml" list

say "Drive events from the agent's log ($WORK/agent.log):"
grep -E 'LABELLED|EARLY_WARNING|EJECTED|MOUNT_REQUEST|autoloader|OBJECT_WRITTEN|OBJECT_FAILED' \
  "$WORK/agent.log" | sed -e 's/^\[[^]]*\] //' -e 's/^/     /'

# ---- 8. verify and eject --------------------------------------------------------------

section "Verify, then eject both tapes (session catalogs)"
say "verify reads tape file 1 of lto4 back and checks it against the SHA-256"
say "in its trailer:"
say "$ tapeline-send --agent 127.0.0.1:$PORT --cert ... --drive lto4 --command verify --file-number 1"
if out=$(send --drive lto4 --command verify --file-number 1 2>&1); then
  ok "$out"
else
  failed "verify of lto4 file 1: $out"
fi
say "Eject writes the session's catalog tape file, then unloads the tape"
say "to the shelf:"
for d in lto4 lto5; do
  if send --drive "$d" --command eject >/dev/null; then
    ok "$d ejected"
  else
    failed "eject $d"
  fi
done
if ((KEEP == 0)); then
  stop_agent
  ok "tape agent stopped"
fi
say "The shelf now (tapeline-vtape list):"
vtape list --library "$SHELF" | sed 's/^/     /'

# ---- 9. read back with GNU tar --------------------------------------------------------

section "What is on the tapes, read with GNU tar alone"
say "tapeline-vtape dump CARTRIDGE N writes tape file N's records to stdout, as"
say "'mt fsf N' then reading /dev/nst0 would on a real drive. -b 512 is the"
say "tape's record size (256 KiB = 512 blocks of 512 bytes); see"
say "docs/disaster-recovery.md for the same steps with mt and a real drive."
cart() { echo "$SHELF/$1.vtape"; }
# gtar ARGS...: GNU tar reading a tape file from stdin, 256 KiB records.
gtar() { tar -b 512 -f - "$@"; }
WRITTEN=()
for c in LTO4-0001 LTO5-0001 LTO5-0002 LTO5-0003; do
  n=$(vtape inspect --json "$(cart "$c")" | jq .filemarks)
  ((n > 0)) || continue
  WRITTEN+=("$c")
  last=$((n - 1))
  vtape dump "$(cart "$c")" "$last" | gtar -xO TAPELINE.CATALOG >"$RESTORE/$c.catalog.json"
  say ""
  say "-- $c: $n tape files (0: label, 1: tools, then objects, $last: catalog)"
  for ((f = 0; f < n; f++)); do
    printf '   $ tapeline-vtape dump shelf/%s.vtape %d | tar -tv -b 512 -f -\n' "$c" "$f"
    if ! vtape dump "$(cart "$c")" "$f" | gtar -tv 2>&1 | sed 's/^/     /'; then
      if jq -e --argjson f "$f" '.entries[] | select(.file_number == $f) | .continues' \
        "$RESTORE/$c.catalog.json" >/dev/null; then
        say "  (expected: this part continues on the next tape; tar -M joins the parts)"
      else
        failed "$c tape file $f: GNU tar cannot list it"
      fi
    fi
  done
  printf '   $ tapeline-vtape dump shelf/%s.vtape 0 | tar -xO -b 512 -f - TAPELINE.LABEL\n' "$c"
  vtape dump "$(cart "$c")" 0 | gtar -xO TAPELINE.LABEL |
    jq -c '{volume_id, pool, media_type, media_set, media_set_seq, record_size}' | sed 's/^/     /'
  printf '   $ tapeline-vtape dump shelf/%s.vtape %d | tar -xO -b 512 -f - TAPELINE.CATALOG\n' "$c" "$last"
  jq -r '"     session \(.session), end of medium: \(.end_of_medium // false)",
    (.entries[] | "     file \(.file_number): \(.manifest.name // "(continuation)") part \(.part // 0), \(.payload_length // 0) payload bytes, complete: \(.complete // false), continues: \(.continues // false)")' \
    "$RESTORE/$c.catalog.json"
done

say ""
say "-- Checks, with GNU tar, sha256sum and zstd"
# The file set: its segments joined by GNU tar, against the sender's SHA-256.
vtape dump "$(cart LTO4-0001)" 2 >"$RESTORE/lto4-file2.tar"
trailer=$(tar -xO -b 512 -f "$RESTORE/lto4-file2.tar" TAPELINE.TRAILER | jq -r .sha256)
got=$(tar -xO -b 512 -f "$RESTORE/lto4-file2.tar" --wildcards "$FSNAME.seg*" | sha256sum | cut -d' ' -f1)
say "$ tar -xO -b 512 -f lto4-file2.tar --wildcards '$FSNAME.seg*' | sha256sum"
check "file set: joined segments hash to the trailer's SHA-256 $got" \
  test -n "$got" -a "$got" = "$trailer" -a "$got" = "$FS_SHA"
say "$ tar -xO ... | zstd -dc | tar -t"
check "file set: it is a valid zstd-compressed tar of $FILES" \
  bash -c "set -o pipefail; tar -xO -b 512 -f '$RESTORE/lto4-file2.tar' --wildcards '$FSNAME.seg*' |
    zstd -dc | tar -tf - >/dev/null"
# The VM's disk: night 1's raw full, both parts joined by GNU tar's
# multi-volume mode, then night 2's delta merged onto it.
VNAME=$(jq -r '.objects[0].manifest.name' "$WORK/night1.json")
vtape dump "$(cart LTO5-0001)" 2 >"$RESTORE/LTO5-0001.file2.tar"
vtape dump "$(cart LTO5-0002)" 2 >"$RESTORE/LTO5-0002.file2.tar"
rm -rf "$RESTORE/vdi" && mkdir "$RESTORE/vdi"
say "$ cd restore/vdi && tar -x -M -b 512 -f ../LTO5-0001.file2.tar -f ../LTO5-0002.file2.tar"
check "vm01 night 1: tar -x -M joins the parts from LTO5-0001 and LTO5-0002" \
  bash -c "cd '$RESTORE/vdi' && tar -x -M -b 512 -f ../LTO5-0001.file2.tar -f ../LTO5-0002.file2.tar </dev/null"
got=$(sha256sum "$RESTORE/vdi/$VNAME" 2>/dev/null | cut -d' ' -f1 || true)
want=$(sim sha256 --vdi "$(jq -r '.objects[0].manifest.labels.snapshot_vdi_uuid' "$WORK/night1.json")" | tr -d '"')
say "$ sha256sum restore/vdi/$VNAME"
check "vm01 night 1: the restored disk is the snapshot byte for byte (sha256 $got)" \
  test -n "$got" -a "$got" = "$want"
check "vm01 night 1: TAPELINE.TRAILER holds the same SHA-256" \
  test "$(jq -r .sha256 "$RESTORE/vdi/TAPELINE.TRAILER" 2>/dev/null)" = "$got"
DTAPE=$(jq -r '.objects[0].result.extents[0].volume_id' "$WORK/night2.json")
DFILE=$(jq -r '.objects[0].result.extents[0].file_number' "$WORK/night2.json")
DNAME=$(jq -r '.objects[0].manifest.name' "$WORK/night2.json")
vtape dump "$(cart "$DTAPE")" "$DFILE" >"$RESTORE/delta.tar"
tar -xO -b 512 -f "$RESTORE/delta.tar" --wildcards "$DNAME.seg*" >"$RESTORE/delta.vhd"
say "$ tar -xO -b 512 -f delta.tar --wildcards '$DNAME.seg*' > delta.vhd   ($DTAPE file $DFILE)"
show "$BIN/tapeline-vhd" info "$RESTORE/delta.vhd"
say "$ tapeline-vhd merge --raw-base -o night2.raw restore/vdi/$VNAME delta.vhd"
"$BIN/tapeline-vhd" merge --raw-base -o "$RESTORE/night2.raw" "$RESTORE/vdi/$VNAME" "$RESTORE/delta.vhd" 2>/dev/null || true
got=$(sha256sum "$RESTORE/night2.raw" 2>/dev/null | cut -d' ' -f1 || true)
want=$(sim sha256 --vdi "$(jq -r '.objects[0].manifest.labels.snapshot_vdi_uuid' "$WORK/night2.json")" | tr -d '"')
check "vm01 night 2: full + delta merge to the night-2 snapshot byte for byte (sha256 $got)" \
  test -n "$got" -a "$got" = "$want"
rm -f "$RESTORE/night2.raw" "$RESTORE/delta.vhd"
check "LTO5-0001's catalog says end of medium, and that its part continues" \
  quiet jq -e '.end_of_medium == true and .entries[0].continues == true' \
  "$RESTORE/LTO5-0001.catalog.json"
rm -f "$RESTORE"/*.tar

# ---- done -----------------------------------------------------------------------------

printf '\n== Done\n'
if ((FAILED > 0)); then
  say "$FAILED check(s) FAILED; see above and $WORK/agent.log"
  exit 1
fi
say "All checks passed."
say ""
say "TAKE OFF-SITE: ${WRITTEN[*]}"
say "  (in $SHELF; they hold tonight's backup and are self-describing: label,"
say "   objects, catalog, readable with mt and GNU tar alone)"
scratch=$(vtape list --library "$SHELF" --json | jq -r '.[] | select(.records == 0) | .barcode' 2>/dev/null | xargs || true)
[[ -z $scratch ]] || say "  Still scratch: $scratch"
if ((KEEP)); then
  cat <<EOF

== The tape agent is still running (pid $AGENT_PID, port $PORT)
   Both drives are empty. Load a scratch tape, then send to it:

   B=$BIN W=$WORK
   \$B/tapeline-vtape load --library \$W/shelf --slot \$W/drives/lto5 LTO5-0003
   alias tls-send="\$B/tapeline-send --agent 127.0.0.1:$PORT --cert \$W/pki/operator1.crt --key \$W/pki/operator1.key --ca \$W/pki/ca.crt"
   tls-send --command list --json | jq .
   tar -C / -cf - etc | tls-send --drive lto5 --name etc.tar --file - --progress
   tls-send --drive lto5 --command status --json
   tls-send --drive lto5 --command eject
   tail -f \$W/agent.log

   Stop it (it writes open session catalogs first):  kill \$(cat \$W/agent.pid)
EOF
fi
