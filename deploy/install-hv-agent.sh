#!/usr/bin/env bash
# Installs the self-contained tapeline-hv-agent bundle (deploy/
# bundle-hv-agent.sh) on an XCP-ng pool host over ssh: docs/deploy.md,
# "The hypervisor agent in dom0".
set -euo pipefail

readonly PROG=${0##*/}

usage() {
  cat <<USAGE
Usage: $PROG [options] HOST

Copies the bundle to HOST (ssh as root), unpacks it to
/opt/tapeline/hv-agent (the previous one is kept as hv-agent.old), checks
its checksums and that it runs there, links /usr/local/bin/tapeline-hv-agent,
installs the systemd unit, and installs /etc/tapeline/hv-agent.toml and
/etc/tapeline/xapi.credentials (mode 0600) from the bundle's examples unless
they exist. An existing configuration, credentials file or key is never
replaced. A running agent is restarted on the new bundle.

Options:
  --bundle FILE  the bundle (default: ./tapeline-hv-agent.tar.gz)
  --pki DIR      also copy DIR/ca.crt and this host's DIR/NAME.crt and
                 DIR/NAME.key (made by: deploy/pki.sh issue DIR NAME hv-agent)
                 to /etc/tapeline/pki/, unless they exist there
  --name NAME    the host's certificate name (default: HOST up to the first '.')
  --dry-run      print the commands and the remote script; change nothing
  --ssh CMD      ssh command (default: ssh); e.g. "ssh -p 2222 -i key"
  --scp CMD      scp command (default: scp)
  --root DIR     install under DIR on HOST instead of / (for tests; no systemctl)
  -h, --help     this text

Example:
  deploy/bundle-hv-agent.sh build tapeline-hv-agent.tar.gz
  deploy/pki.sh issue /etc/tapeline/pki xcp-host1 hv-agent
  $PROG --pki /etc/tapeline/pki xcp-host1.example.org
USAGE
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

# The part that runs on HOST, under sh, with: ROOT TMPDIR NAME.
remote_script() {
  cat <<'REMOTE'
set -eu
root=$1 tmp=$2 name=$3
dest=$root/opt/tapeline/hv-agent
etc=$root/etc/tapeline
say() { echo "[$(hostname)] $*"; }
mkdir -p "$root/opt/tapeline" "$root/usr/local/bin" "$etc" "$root/etc/systemd/system"
rm -rf "$dest.new"
mkdir "$dest.new"
tar -xzf "$tmp/bundle.tar.gz" -C "$dest.new" --strip-components=1 --no-same-owner
(cd "$dest.new" && sha256sum -c --quiet SHA256SUMS) ||
  { say "the bundle is damaged (sha256sum -c failed); copy it again"; rm -rf "$dest.new" "$tmp"; exit 1; }
"$dest.new/bin/tapeline-hv-agent" --version >/dev/null ||
  { say "the bundled agent does not run on this host (bin/tapeline-hv-agent --version failed); report this with uname -a"; rm -rf "$dest.new" "$tmp"; exit 1; }
if [ -d "$dest" ]; then
  rm -rf "$dest.old"
  mv "$dest" "$dest.old"
fi
mv "$dest.new" "$dest"
ln -sfn /opt/tapeline/hv-agent/bin/tapeline-hv-agent "$root/usr/local/bin/tapeline-hv-agent"
say "installed $(head -1 "$dest/VERSION") in $dest"
skeleton() { # skeleton SRC DST MODE
  if [ -e "$2" ]; then
    say "kept the existing $2"
  else
    sed -e "s/xcp-host1/$name/g" "$1" >"$2.tmp" && chmod "$3" "$2.tmp" && mv "$2.tmp" "$2"
    say "installed $2 (mode $3): edit it"
  fi
}
skeleton "$dest/share/examples/hv-agent.toml" "$etc/hv-agent.toml" 644
skeleton "$dest/share/examples/xapi.credentials" "$etc/xapi.credentials" 600
mkdir -p "$etc/pki"
chmod 700 "$etc/pki"
for f in ca.crt "$name.crt" "$name.key"; do
  [ -e "$tmp/pki/$f" ] || continue
  if [ -e "$etc/pki/$f" ]; then
    say "kept the existing $etc/pki/$f"
  else
    mode=644
    case $f in *.key) mode=600 ;; esac
    cp "$tmp/pki/$f" "$etc/pki/$f.tmp" && chmod $mode "$etc/pki/$f.tmp" && mv "$etc/pki/$f.tmp" "$etc/pki/$f"
    say "installed $etc/pki/$f"
  fi
done
cp "$dest/share/systemd/tapeline-hv-agent.service" "$root/etc/systemd/system/"
if [ -z "$root" ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload
  if systemctl is-active --quiet tapeline-hv-agent; then
    systemctl restart tapeline-hv-agent
    say "restarted tapeline-hv-agent on the new bundle"
  fi
fi
rm -rf "$tmp"
REMOTE
}

main() {
  local bundle=./tapeline-hv-agent.tar.gz pki='' name='' dry=0 ssh=ssh scp=scp root='' host=''
  while (($#)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --bundle | --pki | --name | --ssh | --scp | --root)
        (($# >= 2)) || die "$1 needs a value (see $PROG --help)"
        case $1 in
          --bundle) bundle=$2 ;; --pki) pki=$2 ;; --name) name=$2 ;;
          --ssh) ssh=$2 ;; --scp) scp=$2 ;; --root) root=${2%/} ;;
        esac
        shift ;;
      --dry-run) dry=1 ;;
      -*) die "unknown option $1 (see $PROG --help)" ;;
      *) [[ -z $host ]] || die "one HOST only (got '$host' and '$1')"; host=$1 ;;
    esac
    shift
  done
  [[ -n $host ]] || { usage >&2; exit 2; }
  [[ -n $name ]] || name=${host%%.*}
  name=${name#*@}
  [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] ||
    die "bad certificate name '$name'; give --name"
  [[ -r $bundle ]] || die "bundle $bundle not found; make it with: deploy/bundle-hv-agent.sh BUILD_DIR $bundle"
  tar -tzf "$bundle" 2>/dev/null | grep '^[^/]*/bin/tapeline-hv-agent$' >/dev/null ||
    die "$bundle is not a tapeline-hv-agent bundle (no */bin/tapeline-hv-agent in it)"
  local pki_files=()
  if [[ -n $pki ]]; then
    for f in ca.crt "$name.crt" "$name.key"; do
      [[ -r $pki/$f ]] || die "$pki/$f not found; make it with: deploy/pki.sh issue $pki $name hv-agent"
      pki_files+=("$pki/$f")
    done
  fi

  local tmp="$root/tmp/tapeline-install.$$.$RANDOM"
  # Each step as it is run (or, with --dry-run, only printed).
  run() {
    if ((dry)); then
      printf '%q ' "$@"
      echo
    else
      "$@"
    fi
  }
  # shellcheck disable=SC2086  # $ssh and $scp are command lines
  run $ssh "$host" "umask 077 && mkdir -p '$root/tmp' && mkdir '$tmp' '$tmp/pki'"
  run $scp "$bundle" "$host:$tmp/bundle.tar.gz"
  if ((${#pki_files[@]})); then
    run $scp "${pki_files[@]}" "$host:$tmp/pki/"
  fi
  if ((dry)); then
    printf '%q ' $ssh "$host" sh -s -- "$root" "$tmp" "$name"
    echo "<<'REMOTE'"
    remote_script
    echo REMOTE
  else
    remote_script | $ssh "$host" sh -s -- "'$root'" "'$tmp'" "'$name'" ||
      die "installing on $host failed (see above); $host is unchanged unless it says 'installed'"
  fi
  cat <<NEXT

Next steps on $host (docs/deploy.md, "The hypervisor agent in dom0"):
$( [[ -n $pki ]] || printf '  - certificate: on the CA host run\n      deploy/pki.sh issue PKI_DIR %s hv-agent\n    and copy ca.crt, %s.crt, %s.key (mode 0600) to %s:/etc/tapeline/pki/\n' "$name" "$name" "$name" "$host")
  - put the XAPI password in /etc/tapeline/xapi.credentials (mode 0600)
  - review /etc/tapeline/hv-agent.toml ([coordinator] address, [tls] paths)
  - check:  ssh $host tapeline-hv-agent check
  - start:  ssh $host systemctl enable --now tapeline-hv-agent
  - logs:   ssh $host journalctl -u tapeline-hv-agent
NEXT
}

main "$@"
