#!/usr/bin/env bash
# The Debian packages (cmake/Packaging.cmake), made by `cpack -G DEB` from the
# built tree (it installs what is built and builds nothing), checked with
# dpkg-deb as the oracle:
#  - tapeline-tape-agent and tapeline-tools (and tapeline-coordinator once
#    its binary is built) exist, with the binaries, the units, the examples;
#  - their library dependencies come from dpkg-shlibdeps (libc6, CAF,
#    protobuf ...);
#  - the maintainer scripts create the tapeline user and pass `sh -n`;
#  - the packaged binaries run (--help) and the packaged unit is the one in
#    deploy/systemd/.
# Skipped when cpack or dpkg-deb is missing, or when the build folder was
# configured without cmake/Packaging.cmake (no CPackConfig.cmake).
. "$(dirname "$0")/lib.sh"

skip() {
  echo "SKIP: $*"
  exit 0
}
command -v cpack >/dev/null || skip "cpack not found (apt-get install cmake)"
command -v dpkg-deb >/dev/null || skip "dpkg-deb not found (dpkg)"
command -v dpkg-shlibdeps >/dev/null || skip "dpkg-shlibdeps not found (apt-get install dpkg-dev)"
build=$(cd "$BIN/.." && pwd)
[ -f "$build/CPackConfig.cmake" ] ||
  skip "$build/CPackConfig.cmake not found: the root CMakeLists.txt does not include(Packaging)"

# A tree where the coordinator is declared but not built (a partial build)
# packs the other two; the full build of CI packs and checks all three.
cpack_args=()
if grep -q 'CPACK_COMPONENTS_ALL ".*coordinator' "$build/CPackConfig.cmake" &&
  [ ! -x "$BIN/tapeline-coordinator" ]; then
  echo "note: tapeline-coordinator is not built in $build; its package is not checked"
  cpack_args=(-D "CPACK_COMPONENTS_ALL=tape_agent;tools")
fi
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$T/pkg" "${cpack_args[@]}" >"$T/cpack.log" 2>&1 ||
  { tail -30 "$T/cpack.log" >&2; fail "cpack -G DEB failed"; }
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[ -n "$version" ] || fail "no CPACK_PACKAGE_VERSION in CPackConfig.cmake"

packages=(tapeline-tape-agent tapeline-tools)
[ -x "$BIN/tapeline-coordinator" ] && packages+=(tapeline-coordinator)
for p in "${packages[@]}"; do
  deb=$T/pkg/${p}_${version}_amd64.deb
  [ -f "$deb" ] || fail "$p: no $deb (made: $(cd "$T/pkg" && ls ./*.deb))"
  dpkg-deb -I "$deb" >"$T/$p.info" || fail "$p: dpkg-deb -I rejects it"
  dpkg-deb -c "$deb" | awk '{print $6}' >"$T/$p.files"
  mkdir -p "$T/x/$p"
  dpkg-deb -x "$deb" "$T/x/$p"
  dpkg-deb -e "$deb" "$T/x/$p/DEBIAN"
  grep -q "^ Package: $p$" "$T/$p.info" || fail "$p: wrong Package field"
  depends=$(sed -n 's/^ Depends: //p' "$T/$p.info")
  grep -q 'libc6 (>= ' <<<"$depends" || fail "$p: Depends lacks libc6 from shlibdeps: $depends"
done
has() { grep -qx "$2" "$T/$1.files" || fail "$1 lacks $2"; }

# The tape agent.
ta=tapeline-tape-agent
has $ta ./usr/bin/tapeline-tape-agent
has $ta ./usr/lib/systemd/system/tapeline-tape-agent.service
has $ta ./usr/share/doc/tapeline-tape-agent/examples/tape-agent.toml
has $ta ./usr/share/doc/tapeline-tape-agent/deploy.md
depends=$(sed -n 's/^ Depends: //p' "$T/$ta.info")
for lib in libcaf-core libprotobuf libspdlog libssl3 passwd; do
  grep -q "$lib" <<<"$depends" || fail "$ta: Depends lacks $lib: $depends"
done
cmp -s "$SRC/deploy/systemd/tapeline-tape-agent.service" \
  "$T/x/$ta/usr/lib/systemd/system/tapeline-tape-agent.service" || fail "$ta: unit differs from deploy/systemd"
"$T/x/$ta/usr/bin/tapeline-tape-agent" --help >/dev/null || fail "$ta: packaged binary does not run"
pass "$ta: binary, unit, example, docs; Depends: $depends"

# The coordinator, when built.
co=tapeline-coordinator
if [ -x "$BIN/tapeline-coordinator" ]; then
  has $co ./usr/bin/tapeline-coordinator
  has $co ./usr/bin/tapeline
  has $co ./usr/lib/systemd/system/tapeline-coordinator.service
  has $co ./usr/share/doc/tapeline-coordinator/examples/coordinator.toml
  grep -q libsqlite3 <<<"$(sed -n 's/^ Depends: //p' "$T/$co.info")" ||
    fail "$co: Depends lacks libsqlite3 (the catalog)"
  "$T/x/$co/usr/bin/tapeline-coordinator" --help >/dev/null || fail "$co: packaged binary does not run"
  pass "$co: coordinator, CLI, unit, example; depends on libsqlite3"
fi

# The tools.
for b in tapeline-vtape tapeline-extract tapeline-vhd tapeline-send tapeline-fileset tapeline-pki; do
  has tapeline-tools "./usr/bin/$b"
done
"$T/x/tapeline-tools/usr/bin/tapeline-pki" --help | grep "tapeline-pki issue DIR NAME ROLE" >/dev/null ||
  fail "tapeline-pki --help does not name itself"
grep -q openssl <<<"$(sed -n 's/^ Depends: //p' "$T/tapeline-tools.info")" ||
  fail "tapeline-tools does not depend on openssl (tapeline-pki needs it)"
pass "tapeline-tools: vtape, extract, vhd, send, fileset, pki"

# The maintainer scripts of each daemon package.
for p in "${packages[@]}"; do
  [ "$p" = tapeline-tools ] && continue
  for s in postinst prerm postrm; do
    [ -x "$T/x/$p/DEBIAN/$s" ] || fail "$p: no executable $s"
    sh -n "$T/x/$p/DEBIAN/$s" || fail "$p: $s has a syntax error"
    grep -q '@[A-Z]*@' "$T/x/$p/DEBIAN/$s" && fail "$p: $s has an unsubstituted @VAR@"
  done
  grep -q 'useradd --system' "$T/x/$p/DEBIAN/postinst" || fail "$p: postinst makes no system user"
  grep -q "systemctl restart ${p}" "$T/x/$p/DEBIAN/postinst" || fail "$p: postinst does not restart $p"
done
pass "maintainer scripts: tapeline system user, restart on upgrade"

# The postinst for real, where a Debian root is at hand: in the chroot that
# bundle_chroot_test.sh caches (not made here), twice (install, then
# upgrade), then undone.
root=${TAPELINE_CHROOT_CACHE:-/var/cache/tapeline-test}/bullseye-minbase
if [ "$(id -u)" = 0 ] && [ -x "$root/usr/sbin/useradd" ]; then
  exec 9>"$root.lock"
  flock 9
  chroot "$root" getent passwd tapeline >/dev/null &&
    fail "the chroot $root already has a tapeline user (left by an earlier run?)"
  undo() {
    chroot "$root" userdel tapeline 2>/dev/null || true
    chroot "$root" groupdel tapeline 2>/dev/null || true
    rm -rf "$root/var/lib/tapeline" "$root/etc/tapeline" "$root/tmp/postinst.$$"
  }
  trap 'undo; cleanup' EXIT
  cp "$T/x/tapeline-tape-agent/DEBIAN/postinst" "$root/tmp/postinst.$$"
  for run in install upgrade; do
    chroot "$root" sh "/tmp/postinst.$$" configure >"$T/postinst.log" 2>&1 ||
      fail "postinst configure ($run) failed: $(cat "$T/postinst.log")"
  done
  IFS=: read -r _ _ uid _ _ home shell < <(chroot "$root" getent passwd tapeline)
  [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/tapeline ] && [ "$shell" = /usr/sbin/nologin ] ||
    fail "tapeline user: uid $uid, home $home, shell $shell"
  [ "$(chroot "$root" stat -c '%U:%G %a' /var/lib/tapeline)" = "tapeline:tapeline 750" ] ||
    fail "/var/lib/tapeline: $(chroot "$root" stat -c '%U:%G %a' /var/lib/tapeline)"
  [ "$(chroot "$root" stat -c '%U:%G %a' /etc/tapeline)" = "root:tapeline 750" ] ||
    fail "/etc/tapeline: $(chroot "$root" stat -c '%U:%G %a' /etc/tapeline)"
  pass "postinst in a Debian chroot, twice: system user tapeline (uid $uid, nologin), /var/lib/tapeline, /etc/tapeline"
else
  echo "note: no Debian chroot at $root (made by bundle_chroot_test.sh as root): postinst not run"
fi
