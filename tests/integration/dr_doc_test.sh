#!/usr/bin/env bash
# Issue #5: docs/disaster-recovery.md, followed step by step. The test backs
# up vm01 with the real agents (xapi-sim, tapeline-hv-agent, the tape agent
# on an autoloading virtual drive): a VHD full, the VM writes, a VHD delta,
# a file set, then a raw full that spans DR-0001 and DR-0002. Then it takes
# every fenced block marked `<!-- dr-test: STEP -->` from the document and
# runs them in order, in one shell, in an empty folder, with only /usr/bin
# and /bin on PATH (tapeline-extract comes from tape file 1), and checks the
# results byte for byte against the simulator's disks and the original
# files. The document and the test therefore cannot drift apart.
#
# The drive: `mt` is a shell function that keeps the position (tape file
# and whether it stands before that file's filemark) as the Linux st driver
# does, and after each command rewrites $T/nst0 with the tape file at the
# position (`tapeline-vtape dump`, or nothing at end of data). Every
# `/dev/nst0` in the document becomes $T/nst0. `mt offline` loads the next
# cartridge of TAPES, as the operator does when the document says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

DOC="$SRC/docs/disaster-recovery.md"
hv_pki
start_sim --vms 1 --disks-per-vm 1 --disk-size 16M --fill 6M --seed 5
# Room for the label, the tools file (~8 MB) and the first three objects;
# the raw full crosses early warning and continues on DR-0002.
new_cartridge DR-0001 LTO-5 36M 2M
new_cartridge DR-0002 LTO-5 64M 2M
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K 'autoload = true')"
load d0 DR-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"
TO="127.0.0.1:$AGENT_PORT/d0"

backup() {
  local name=$1; shift
  hv -c "$T/hv.toml" backup-once --to "$TO" --json "$@" >"$T/$name.json" 2>>"$T/hv.log" \
    || { cat "$T/$name.json" >&2; tail -20 "$T/hv.log" >&2; fail "backup $name failed"; }
}
svdi_of() { jq -r '.objects[0].manifest.labels.snapshot_vdi_uuid' "$T/$1.json"; }
file_of() { jq -r '.objects[0].result.extents[0].file_number' "$T/$1.json"; }

mkdir -p "$T/src/share/docs" "$T/src/share/data"
printf 'restore me\n' > "$T/src/share/docs/readme.txt"
head -c 300000 /dev/urandom > "$T/src/share/data/blob.bin"
chmod 0640 "$T/src/share/data/blob.bin"

backup night1 --vm vm01 --format vhd
sim write --vm vm01 --blocks 4 --seed 21 >/dev/null
backup night2 --vm vm01 --format vhd --base auto
backup files --files "$T/src/share" --name share
sim write --vm vm01 --blocks 3 --seed 22 >/dev/null
backup night3 --vm vm01 --format raw --finish-session
send --drive d0 --command eject >/dev/null  # DR-0002 back to the shelf
stop_agent
# The document's file numbers are this layout; say so if it ever changes.
got="$(file_of night1) $(file_of night2) $(file_of files) $(file_of night3)"
[ "$got" = "2 3 4 5" ] || fail "objects in tape files $got, the document expects 2 3 4 5"
[ "$(jq -r '.objects[0].result.extents | length' "$T/night3.json")" = 2 ] \
  || fail "night 3's raw full did not span two tapes: $(jq -c .objects[0].result "$T/night3.json")"
pass "backed up: full, delta, file set, and a full spanning DR-0001 and DR-0002"

# --- the steps of the document ------------------------------------------
# steps: "NAME<TAB>first line" per marked block; blocks: the script.
awk -v dev="$T/nst0" '
  /^<!-- dr-test: [a-z0-9-]+ -->$/ { step = $3; next }
  step != "" && /^```sh$/ { inblock = 1; printf "echo \"=== step %s\"\n", step; next }
  inblock && /^```$/ { inblock = 0; step = ""; next }
  inblock { gsub("/dev/nst0", dev); print }
' "$DOC" > "$T/steps.sh"
want_steps="label tools catalog copy full chain fileset span rebuild"
have_steps=$(sed -n 's/^echo "=== step \(.*\)"$/\1/p' "$T/steps.sh" | xargs)
[ "$have_steps" = "$want_steps" ] \
  || fail "the document's dr-test steps are '$have_steps', expected '$want_steps'"

cat > "$T/mt.sh" <<'SH'
# The simulated drive (see the test's header). TAPES: cartridge paths in
# the order the operator inserts them; POS: tape file; AT_END: standing
# before POS's filemark (after bsf).
LOADED=0 POS=0 AT_END=0
files_on() { "$VTAPE" inspect --json "$1" | jq -r '.filemarks'; }
mt() {
  local op cnt=1
  [ "$1" = -f ] && shift 2
  op=$1; [ $# -ge 2 ] && cnt=$2
  local cart=${TAPES[$LOADED]}
  case $op in
    setblk|status) ;;
    rewind) POS=0 AT_END=0 ;;
    asf) POS=$cnt AT_END=0 ;;
    fsf) POS=$((POS + cnt)) AT_END=0 ;;
    bsf) POS=$((POS - cnt)) AT_END=1 ;;
    eod) POS=$(files_on "$cart") AT_END=0 ;;
    offline) LOADED=$((LOADED + 1)) POS=0 AT_END=0; cart=${TAPES[$LOADED]} ;;
    *) echo "mt: $op is not simulated" >&2; return 1 ;;
  esac
  if [ "$POS" -lt "$(files_on "$cart")" ] && [ "$AT_END" = 0 ]; then
    "$VTAPE" dump "$cart" "$POS" > "$DEV"
  else
    : > "$DEV"  # end of data, or before a filemark: a read returns nothing
  fi
}
SH
"$BIN/tapeline-vtape" inspect --json "$T/lib/DR-0001.vtape" | jq -e .filemarks >/dev/null \
  || fail "tapeline-vtape inspect --json gives no filemark count"

mkdir "$T/work"
(
  cd "$T/work"
  export VTAPE="$BIN/tapeline-vtape" DEV="$T/nst0"
  env -i HOME="$T/work" PATH=/usr/bin:/bin VTAPE="$VTAPE" DEV="$DEV" \
    TAPES_LIST="$T/lib/DR-0001.vtape $T/lib/DR-0002.vtape" \
    bash -c 'set -euo pipefail; TAPES=($TAPES_LIST); . "$0"; . "$1"' \
    "$T/mt.sh" "$T/steps.sh" </dev/null
) > "$T/steps.out" 2> "$T/steps.err" \
  || { tail -20 "$T/steps.out" >&2; tail -20 "$T/steps.err" >&2; fail "a step of the document failed"; }
pass "every dr-test block of docs/disaster-recovery.md ran"

# --- the outcomes, against the sources -----------------------------------
W="$T/work"
out_of() { sed -n "/^=== step $1\$/,/^=== step /p" "$T/steps.out"; }
sha() { sha256sum < "$1" | cut -d' ' -f1; }
simsha() { sim sha256 --vdi "$1" | tr -d '"'; }

grep -qx 262144 <<<"$(out_of label)" || fail "step label: record size not 262144: $(out_of label)"
grep -q "^DR-0001 .*record 262144, tools in file 1$" <<<"$(out_of label)" \
  || fail "step label: $(out_of label)"
cmp -s "$W/tapeline-extract" "$BIN/tapeline-extract" \
  || fail "the tapeline-extract on tape differs from the build's"
[ -x "$W/tapeline-extract" ] || fail "tapeline-extract from tape is not executable"
grep -q "not a dynamic executable" <<<"$(ldd "$W/tapeline-extract" 2>&1)" \
  || echo "note: tapeline-extract is dynamically linked (TAPELINE_STATIC_EXTRACT off?)"
grep -q "tapeline-extract" "$W/README.txt" || fail "README.txt from tape is empty"
pass "label read; tapeline-extract and README.txt taken from tape file 1"

n=$(grep -c "complete=" <<<"$(out_of catalog)")
[ "$n" = 4 ] || fail "step catalog listed $n objects, not 4: $(out_of catalog)"
grep -q "^5 VDI_FULL .* continues=true" <<<"$(out_of catalog)" || fail "the spanned full is not marked continuing"
[ "$(grep -c ": ok, " <<<"$(out_of copy)")" = 3 ] || fail "verify did not pass 3 objects: $(out_of copy)"

[ "$(sha "$W/night1.raw")" = "$(simsha "$(svdi_of night1)")" ] \
  || fail "step full: night1.raw is not the disk at night 1's snapshot"
[ "$(out_of full | sed -n 2p)" = "$(out_of full | sed -n 3p)" ] \
  || fail "step full: payload SHA-256 and trailer differ: $(out_of full)"
pass "full VDI by GNU tar and qemu-img equals the disk at night 1"

[ "$(out_of chain | sed -n 2p)" = "$(out_of chain | sed -n 3p)" ] \
  || fail "step chain: the delta's parent is not the full: $(out_of chain)"
[ "$(sha "$W/night2.raw")" = "$(simsha "$(svdi_of night2)")" ] \
  || fail "step chain: night2.raw is not the disk at night 2's snapshot"
pass "delta chain merged by tapeline-extract from tape equals the disk at night 2"

diff -r "$T/src/share" "$W/restore/share" || fail "step fileset: the restored share differs from the source"
[ "$(stat -c %a "$W/restore/share/data/blob.bin")" = 640 ] || fail "step fileset: mode not restored"
cmp "$T/src/share/docs/readme.txt" "$W/restore-docs/share/docs/readme.txt" \
  || fail "step fileset: share/docs not extracted alone"
[ ! -e "$W/restore-docs/share/data" ] || fail "step fileset: more than share/docs extracted"
pass "file set restored by GNU tar and zstd equals its source"

grep -qx "DR-0002 #2" <<<"$(out_of span)" || fail "step span: second tape is not DR-0002 #2: $(out_of span)"
want=$(simsha "$(svdi_of night3)")
[ "$(sha "$W/night3.raw")" = "$want" ] || fail "step span: night3.raw is not the disk at night 3"
spanned=$(find "$W/span" -name '*.raw' -type f)
[ "$(sha "$spanned")" = "$want" ] || fail "step span: tar -M gave a different disk"
pass "the spanned full, joined by tar -M and by tapeline-extract, equals the disk at night 3"

id3=$(jq -r '.objects[0].result.object_id' "$T/night3.json")
grep -q "^$id3 DR-0001 file 5 part 0 $" "$W/index.txt" || fail "index lacks night 3 part 0: $(cat "$W/index.txt")"
grep -q "^$id3 DR-0002 file 2 part 1 complete $want$" "$W/index.txt" \
  || fail "index lacks night 3's complete part on DR-0002: $(cat "$W/index.txt")"
[ "$(wc -l < "$W/index.txt")" = 5 ] || fail "index has not 5 parts: $(cat "$W/index.txt")"
pass "the catalogs of both tapes join into an index of every object part"
