#!/usr/bin/env bash
# The hv agent's self-contained bundle (deploy/bundle-hv-agent.sh) runs where
# none of our libraries are installed: inside a bare chroot of an older
# Debian (bullseye, `debootstrap --variant=minbase`: glibc 2.31, OpenSSL 1.1,
# no CAF, protobuf, spdlog or curl), it
#  - answers --version exactly as the built binary does, while the bare
#    binary, without the bundle's loader and libraries, cannot even start
#    there (the control that shows the chroot really lacks them);
#  - backs up a VM of xapi-sim, which runs outside the chroot with the tape
#    agent (the chroot shares the network, so 127.0.0.1 reaches them); the
#    disks read back from the cartridge with GNU tar equal the simulator's.
#
# Needs root, chroot and debootstrap, and once a Debian mirror
# ($TAPELINE_DEBIAN_MIRROR, default http://deb.debian.org/debian): the chroot
# is cached in $TAPELINE_CHROOT_CACHE (default /var/cache/tapeline-test) and
# reused. Making it took 40 s here. Skipped with a message otherwise.
set -euo pipefail

skip() {
  echo "SKIP: $*"
  exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (chroot); the bundle was not tested"
command -v chroot >/dev/null || skip "chroot not found (coreutils)"
command -v debootstrap >/dev/null || skip "debootstrap not found (apt-get install debootstrap)"
command -v flock >/dev/null || skip "flock not found (util-linux)"

cache=${TAPELINE_CHROOT_CACHE:-/var/cache/tapeline-test}
root=$cache/bullseye-minbase
mirror=${TAPELINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache"
# One test at a time makes the chroot; the others wait for it.
exec 9>"$cache/bullseye-minbase.lock"
flock 9
if [ ! -x "$root/bin/sh" ]; then
  rm -rf "$root.tmp"
  echo "making the bullseye chroot in $root (once; from $mirror)"
  start=$(date +%s)
  if ! debootstrap --variant=minbase bullseye "$root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -5 "$cache/debootstrap.log"
    rm -rf "$root.tmp"
    skip "debootstrap of bullseye from $mirror failed (no network to a Debian mirror?); see $cache/debootstrap.log. Set TAPELINE_DEBIAN_MIRROR to a reachable mirror"
  fi
  mv "$root.tmp" "$root"
  echo "chroot made in $(($(date +%s) - start)) s"
fi
flock -u 9

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

# This run's folder inside the chroot, removed at exit.
rel=/tmp/tapeline-bundle-test.$$
RUN=$root$rel
bundle_exit() {
  local rc=$?
  rm -rf "$RUN"
  (exit $rc)
  hv_exit
}
trap bundle_exit EXIT
mkdir -p "$RUN"

# The bundle, made from the binary under test.
"$SRC/deploy/bundle-hv-agent.sh" "$(dirname "$BIN")" "$T/bundle.tar.gz" >"$T/bundle.log" ||
  { cat "$T/bundle.log" >&2; fail "bundle-hv-agent.sh failed"; }
tar -xzf "$T/bundle.tar.gz" -C "$RUN"
top=$(cd "$RUN" && ls -d tapeline-hv-agent-*)
wrapper=$rel/$top/bin/tapeline-hv-agent
in_chroot() { chroot "$root" "$@"; }

# The chroot is older and lacks our libraries.
# (sed -n 1p, not head -1: under pipefail, ldd would die of SIGPIPE)
chroot_glibc=$(in_chroot /usr/bin/ldd --version | sed -n '1s/.* //p')
our_glibc=$(ldd --version | sed -n '1s/.* //p')
[ "$(printf '%s\n' "$chroot_glibc" "$our_glibc" | sort -V | head -1)" = "$chroot_glibc" ] &&
  [ "$chroot_glibc" != "$our_glibc" ] ||
  fail "the chroot's glibc $chroot_glibc is not older than this host's $our_glibc"
present=()
for lib in libcaf_core libcaf_io libcaf_openssl libprotobuf libspdlog libfmt \
  libtomlplusplus libcurl libssl.so.3 libcrypto.so.3 libnghttp2; do
  compgen -G "$RUN/$top/lib/$lib*" >/dev/null || fail "the bundle lacks $lib"
  found=$(find "$root" -path "$RUN" -prune -o -name "$lib*" -print -quit)
  [ -z "$found" ] || present+=("$found")
done
[ ${#present[@]} = 0 ] || fail "the chroot has our libraries: ${present[*]}"
pass "the chroot (glibc $chroot_glibc < $our_glibc) has none of CAF, protobuf, spdlog, fmt, toml++, curl, OpenSSL 3"

# Control: the bare binary cannot start in the chroot.
if in_chroot "$rel/$top/libexec/tapeline-hv-agent" --version >"$T/bare.out" 2>&1; then
  fail "the bare binary runs in the chroot without the bundle; the chroot proves nothing"
fi
grep -Eq 'GLIBC|not found|No such file' "$T/bare.out" ||
  fail "the bare binary failed in the chroot for an unexpected reason: $(cat "$T/bare.out")"
why=$(grep -o 'error while loading shared libraries: [^:]*\|GLIBC[^ ]* not found' "$T/bare.out" | sed -n 1p)
pass "control: the bare binary does not start in the chroot (${why:-$(sed -n 1p "$T/bare.out")})"

want=$("$BIN/tapeline-hv-agent" --version)
got=$(in_chroot "$wrapper" --version) || fail "the bundle's --version fails in the chroot"
[ "$got" = "$want" ] || fail "bundle --version in the chroot says '$got', the binary '$want'"
[ "$(head -1 "$RUN/$top/VERSION")" = "$want" ] || fail "VERSION file: $(head -1 "$RUN/$top/VERSION")"
(cd "$RUN/$top" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS do not match the bundle"
pass "bundle --version in the chroot: $got"

# A backup from inside the chroot: XAPI over HTTPS, the tape agent over mTLS.
hv_pki
start_sim --vms 1 --disks-per-vm 2 --disk-size 16M --fill 6M --seed 5
new_cartridge VT-0001 LTO-5
write_config "$T/agent.toml" "$(virtual_drive d0 LTO-5 256K)"
load d0 VT-0001
start_agent "$T/agent.toml"
cp "$T/pki/hv.crt" "$T/pki/hv.key" "$T/pki/ca.crt" "$RUN/"
printf 'username = "root"\npassword = "secret"\n' >"$RUN/xapi.credentials"
chmod 600 "$RUN/xapi.credentials" "$RUN/hv.key"
cat >"$RUN/hv.toml" <<TOML
[agent]
name = "chroot-host"
[xapi]
url = "https://127.0.0.1:$SIM_PORT"
credentials = "$rel/xapi.credentials"
cafile = "$rel/ca.crt"
[tls]
certificate = "$rel/hv.crt"
key = "$rel/hv.key"
cafile = "$rel/ca.crt"
TOML
in_chroot "$wrapper" -c "$rel/hv.toml" check >"$T/check.out" 2>&1 ||
  { cat "$T/check.out" >&2; fail "hv agent check fails in the chroot"; }
in_chroot "$wrapper" -c "$rel/hv.toml" backup-once --vm vm01 --format raw \
  --to "127.0.0.1:$AGENT_PORT/d0" --finish-session --json >"$T/b.json" 2>"$T/hv.log" ||
  { cat "$T/b.json" "$T/hv.log" >&2; fail "backup-once from the chroot failed"; }
[ "$(jq '.objects | length' "$T/b.json")" = 2 ] || fail "expected 2 disks: $(cat "$T/b.json")"
CART="$T/d0/VT-0001.vtape"
for i in 0 1; do
  f=$(jq -r ".objects[$i].result.extents[0].file_number" "$T/b.json")
  svdi=$(jq -r ".objects[$i].manifest.labels.snapshot_vdi_uuid" "$T/b.json")
  has_trailer "$CART" "$f" || fail "disk $i: no trailer on tape (incomplete)"
  payload "$CART" "$f" "$T/disk$i.raw"
  got=$(sha256sum <"$T/disk$i.raw" | cut -d' ' -f1)
  want=$(sim sha256 --vdi "$svdi" | tr -d '"')
  [ "$got" = "$want" ] || fail "disk $i read back with GNU tar ($got) is not the sim's disk ($want)"
done
pass "backup from the chroot: both disks of vm01 on tape, equal to the simulator's"
stop_agent
