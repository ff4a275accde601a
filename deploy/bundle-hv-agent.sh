#!/usr/bin/env bash
# Makes the self-contained bundle of tapeline-hv-agent for XCP-ng dom0
# (docs/deploy.md, "The hypervisor agent bundle"): the binary, every shared
# library it links, and the ELF loader, so that it runs on a host where none
# of our libraries (nor a new enough glibc) are installed.
set -euo pipefail

readonly PROG=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<USAGE
Usage: $PROG [--no-strip] BUILD_DIR OUT.tar.gz

Packs BUILD_DIR/bin/tapeline-hv-agent into OUT.tar.gz, a tarball whose one
top folder, tapeline-hv-agent-VERSION/, holds:

  bin/tapeline-hv-agent     wrapper: runs the binary with the bundle's own
                            loader and libraries (ld.so --library-path)
  libexec/tapeline-hv-agent the binary (debug info stripped unless --no-strip)
  lib/                      every library ldd lists, and the loader
  etc/openssl.cnf           an empty OpenSSL configuration: the host's (made
                            for its own, older OpenSSL) is not read
  share/ca-certificates.crt the build host's CA bundle, for [xapi] cafile when
                            the pool's certificate comes from a public CA
  share/examples/           hv-agent.toml and xapi.credentials skeletons
  share/systemd/            tapeline-hv-agent.service
  share/doc/deploy.md       how to install and start it
  VERSION                   the agent's --version line, commit and build host
  SHA256SUMS                checksums of every file (sha256sum -c)

Install it on a pool host with deploy/install-hv-agent.sh HOST.
USAGE
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

strip=1
args=()
while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --no-strip) strip=0 ;;
    -*) die "unknown option $1 (see $PROG --help)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
((${#args[@]} == 2)) || { usage >&2; exit 2; }
build=${args[0]}
out=${args[1]}
bin=$build/bin/tapeline-hv-agent
[[ -x $bin ]] || die "$bin not found; build it first: cmake --build $build --target tapeline-hv-agent"
for tool in ldd tar gzip sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install libc-bin tar gzip coreutils)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tapeline-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,libexec,lib,etc,share/examples}

# The libraries: "name => path (addr)" lines, and the loader's "path (addr)"
# line. linux-vdso is the kernel's and has no file.
loader=
while read -r line; do
  case $line in
    *"not found"*) die "$bin: a library is missing on this build host: $line" ;;
    linux-vdso* | linux-gate*) ;;
    *" => "/*)
      name=${line%% => *}
      path=${line#* => }
      path=${path%% (*}
      cp -L "$path" "$root/lib/$name" ;;
    /*)
      loader=${line%% (*}
      cp -L "$loader" "$root/lib/${loader##*/}" ;;
  esac
done < <(ldd "$bin")
[[ -n $loader ]] || die "ldd found no ELF interpreter for $bin (is it a static binary?)"
loader_name=${loader##*/}

cp "$bin" "$root/libexec/tapeline-hv-agent"
if ((strip)) && command -v strip >/dev/null; then
  strip --strip-debug "$root/libexec/tapeline-hv-agent" "$root"/lib/*.so*
fi
chmod 755 "$root/libexec/tapeline-hv-agent" "$root/lib/$loader_name"

cat >"$root/bin/tapeline-hv-agent" <<WRAPPER
#!/bin/sh
# tapeline-hv-agent from its self-contained bundle: the binary runs under the
# bundle's own loader and libraries, whatever this host has installed.
self=\$(readlink -f "\$0") || exit 1
top=\${self%/bin/*}
OPENSSL_CONF=\${TAPELINE_OPENSSL_CONF:-\$top/etc/openssl.cnf}
export OPENSSL_CONF
exec "\$top/lib/$loader_name" --library-path "\$top/lib" \\
  --argv0 tapeline-hv-agent "\$top/libexec/tapeline-hv-agent" "\$@"
WRAPPER
chmod 755 "$root/bin/tapeline-hv-agent"

cat >"$root/etc/openssl.cnf" <<'CNF'
# Read by the bundle's OpenSSL instead of the host's configuration, which
# is written for the host's own, older OpenSSL. Built-in defaults apply.
CNF
if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
  cp /etc/ssl/certs/ca-certificates.crt "$root/share/ca-certificates.crt"
fi
cp "$here/examples/hv-agent.toml" "$here/examples/xapi.credentials" \
  "$root/share/examples/"
mkdir -p "$root/share/systemd" "$root/share/doc"
cp "$here/systemd/tapeline-hv-agent.service" "$root/share/systemd/"
cp "$here/../docs/deploy.md" "$root/share/doc/" 2>/dev/null || true

# VERSION: the bundled agent's own answer proves the bundle runs here.
version_line=$("$root/bin/tapeline-hv-agent" --version) ||
  die "the bundled agent does not run on this build host: $root/bin/tapeline-hv-agent --version failed"
version=${version_line##* }
commit=$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)
{
  echo "$version_line"
  echo "commit: $commit"
  echo "built on: $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | sed -n 1p)"
  echo "architecture: $(uname -m)"
} >"$root/VERSION"
(cd "$root" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort |
  xargs sha256sum >SHA256SUMS)

top=tapeline-hv-agent-$version
mv "$root" "$work/$top"
mkdir -p "$(dirname "$out")"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$out.tmp" "$top"
mv -f "$out.tmp" "$out"
echo "bundle: $out ($top, $(du -h "$out" | cut -f1), $(ls "$work/$top/lib" | wc -l) libraries)"
