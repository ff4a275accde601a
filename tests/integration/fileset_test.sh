# File sets end to end (docs/fileset.md): a tree of 100,000 small files and
# every member type, backed up by tapeline-hv-agent straight to a virtual
# tape (no staging), read back from the cartridge and restored with GNU tar
# and zstd -d alone, and compared with find, getfattr and getfacl; then
# files that change and vanish during the read (tapeline-fileset).

# Creating and removing 100,000 files costs a minute of kernel time on a
# loaded disk; tmpfs takes seconds. Use it when it holds user xattrs and
# ACLs (Linux >= 6.6), else the default TMPDIR.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then
  probe=$(mktemp /dev/shm/tapeline-probe.XXXXXX 2>/dev/null) &&
    setfattr -n user.probe -v 1 "$probe" 2>/dev/null &&
    setfacl -m u:nobody:r "$probe" 2>/dev/null && export TMPDIR=/dev/shm
  rm -f "${probe:-}"
fi
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hv_lib.sh"

[ "$(id -u)" = 0 ] || { echo "skip: needs root (mknod, chown, trusted.*)"; exit 0; }
FS="$BIN/tapeline-fileset"

# listing DIR: every path with type, mode, owner, mtime (ns), size, link
# target and link count; then all xattrs and ACLs. Relative to DIR.
listing() {
  (cd "$1" && find . -printf '%p %y %m %U %G %T@ %s %l %n\n' | LC_ALL=C sort &&
    getfattr -R -h -d -m - . 2>/dev/null | LC_ALL=C sort &&
    getfacl -R -P . 2>/dev/null | LC_ALL=C sort)
}

# --- 1. A big tree with every kind of member --------------------------------
S="$T/src/data"
mkdir -p "$S"
python3 - "$S" <<'EOF'
import os, sys
root = sys.argv[1]
for a in range(100):
    for b in range(10):
        d = os.path.join(root, "d%03d" % a, "s%d" % b)
        os.makedirs(d)
        for c in range(100):
            with open(os.path.join(d, "f%03d" % c), "w") as f:
                f.write("%d/%d/%d\n" % (a, b, c))
EOF
cd "$S"
long1=$(printf 'L%.0s' $(seq 150)); long2=$(printf 'M%.0s' $(seq 200))
mkdir -p "odd/$long1/$long2" odd/empty odd/empty2/nested
echo deep > "odd/$long1/$long2/$(printf 'n%.0s' $(seq 240))"
ln -s "../$long1/$long2" "odd/longlink"
ln -s /does/not/exist odd/dangling
ln -s d000 odd/dirlink
echo shared > odd/h1 && ln odd/h1 odd/h2 && ln odd/h1 "odd/$long1/h3"
mkfifo odd/fifo
mknod odd/null c 1 3
mknod odd/blk b 7 200
echo s > odd/setuid && chmod 4755 odd/setuid
echo g > odd/setgid && chmod 2750 odd/setgid
mkdir odd/sticky && chmod 1777 odd/sticky
echo caf > "odd/$(printf 'caf\xc3\xa9 \xe2\x82\xac')"
echo raw > "odd/$(printf 'raw\xff\xfe')"
echo o > odd/old && touch -d '1969-07-20 20:17:40.123456789' odd/old
echo f > odd/future && touch -d '2300-01-01 00:00:00.5' odd/future
echo n > odd/nanos && touch -d '2024-02-29 12:34:56.000000001' odd/nanos
echo u > odd/owned && chown 1234:5678 odd/owned
setfattr -n user.comment -v 'hello world' odd/h1
setfattr -n user.bin -v 0x00ff10 odd/setuid
setfattr -n trusted.secret -v t odd/sticky
setfacl -m u:nobody:rw,g:daemon:r odd/setgid
setfacl -m u:nobody:rwx -d -m u:nobody:rx,g:daemon:rwx odd/sticky
head -c 3000000 /dev/urandom > odd/random
truncate -s 50M odd/sparse && echo end >> odd/sparse
touch -d '2010-10-10 10:10:10.10' odd/empty odd "odd/$long1"
cd - >/dev/null
touch -d '2005-05-05 05:05:05' "$S"

# To tape, as the agent does every night, then back with GNU tar.
hv_pki
new_cartridge VT-0001 LTO-4
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-4 256K)"
load d0 VT-0001
start_agent "$T/agent.toml"
hv_config "$T/hv.toml"  # XAPI is not needed for a file set
hv -c "$T/hv.toml" backup-once --files "$S" --name data \
  --to "127.0.0.1:$AGENT_PORT/d0" --json >"$T/backup.json" 2>"$T/stderr" ||
  { cat "$T/stderr" "$T/backup.json"; fail "backup of the file set failed"; }
jq '.file_set_report' "$T/backup.json" > "$T/report.json"
f=$(jq -r '.objects[0].result.extents[0].file_number' "$T/backup.json")
[ "$(jq -r '.objects[0].manifest.name' "$T/backup.json")" = data.tar.zst ] ||
  fail "object name: $(jq -r '.objects[0].manifest.name' "$T/backup.json")"
payload "$T/d0/VT-0001.vtape" "$f" "$T/data.tar.zst"
[ "$(sha256sum < "$T/data.tar.zst" | cut -d' ' -f1)" = "$(jq -r '.objects[0].result.sha256' "$T/backup.json")" ] ||
  fail "the payload read back from tape does not match its SHA-256"
stop_agent
jq -e '.finished and .clean' "$T/report.json" >/dev/null ||
  { cat "$T/report.json"; fail "report is not finished and clean"; }
[ "$(jq .files "$T/report.json")" -ge 100000 ] || fail "files count"
[ "$(jq .hardlinks "$T/report.json")" = 2 ] || fail "hard links count"
pass "100,000 files streamed to tape: $(jq -c '{files, dirs, bytes_read, bytes_out}' "$T/report.json")"

mkdir "$T/restore"
zstd -dq < "$T/data.tar.zst" |
  tar --xattrs --xattrs-include='*' --acls -xpf - -C "$T/restore" 2>"$T/tar.err" ||
  { cat "$T/tar.err"; fail "GNU tar could not extract the archive"; }
# GNU tar warns about mtimes before 1970 and far in the future even in its
# own archives (it still restores them exactly: the listing below checks).
if grep -v -e 'implausibly old time stamp' -e 's in the future$' "$T/tar.err"; then
  fail "GNU tar warned"
fi
diff -r --no-dereference "$S" "$T/restore/data" > "$T/diff" || true
if grep -v ' is a [a-z ]* while file .* is a ' "$T/diff"; then
  fail "contents differ after restore"
fi
listing "$S" > "$T/before"
listing "$T/restore/data" > "$T/after"
diff "$T/before" "$T/after" || fail "metadata differs after restore"
grep -q 'default:user:nobody:r-x' "$T/before" || fail "listing lacks ACLs"
grep -q 'user.comment="hello world"' "$T/before" || fail "listing lacks xattrs"
pass "restored with zstd -d | tar: contents, modes, owners, mtimes, xattrs, ACLs identical"

zstd -dq < "$T/data.tar.zst" | bsdtar -tf - > "$T/bsd.list" ||
  fail "bsdtar cannot list the archive"
[ "$(wc -l < "$T/bsd.list")" = "$(cd "$S/.." && find data | wc -l)" ] ||
  fail "bsdtar lists $(wc -l < "$T/bsd.list") members"
pass "bsdtar lists every member"

# --- 2. Files that change and vanish during the read ------------------------
# Deterministic: the consumer stops reading after 1 MiB, so the producer is
# blocked inside a_big (64 MiB) while we shrink it and delete c_vanishes
# (already listed, not yet opened).
C="$T/chg/t"
mkdir -p "$C"
head -c 64M /dev/urandom > "$T/chg/a.orig"
cp "$T/chg/a.orig" "$C/a_big"
echo bye > "$C/c_vanishes"
echo ok > "$C/d_stays"
{ "$FS" create --no-compress --report "$T/chg/report.json" -o - "$C" \
    2>"$T/chg/stderr"; echo $? > "$T/chg/rc"; } |
  { dd bs=1M count=1 iflag=fullblock of="$T/chg/part1" status=none
    truncate -s 16M "$C/a_big"
    rm "$C/c_vanishes"
    cat > "$T/chg/part2"; }
[ "$(cat "$T/chg/rc")" = 0 ] || { cat "$T/chg/stderr"; fail "exit $(cat "$T/chg/rc")"; }
grep -q 'WITH WARNINGS' "$T/chg/stderr" || fail "summary does not warn"
jq -e '.changed.count == 1 and .vanished.count == 1 and (.clean | not)' \
  "$T/chg/report.json" >/dev/null || { cat "$T/chg/report.json"; fail "report"; }
jq -r '.changed.first[0]' "$T/chg/report.json" | grep -q 'a_big: shrank' ||
  fail "changed entry does not name a_big"
mkdir "$T/chg/x"
cat "$T/chg/part1" "$T/chg/part2" | tar -xf - -C "$T/chg/x" ||
  fail "the archive of a changing tree does not extract"
[ "$(stat -c %s "$T/chg/x/t/a_big")" = 67108864 ] || fail "a_big size"
cmp -n 16777216 "$T/chg/a.orig" "$T/chg/x/t/a_big" || fail "a_big head"
[ "$(tail -c +16777217 "$T/chg/x/t/a_big" | tr -d '\0' | wc -c)" = 0 ] ||
  fail "a_big is not zero-padded after the cut"
[ ! -e "$T/chg/x/t/c_vanishes" ] || fail "c_vanishes was archived"
[ "$(cat "$T/chg/x/t/d_stays")" = ok ] || fail "d_stays"
pass "changed and vanished files reported, exit 0, archive extracts"
