#!/usr/bin/env bash
# deploy/install-hv-agent.sh, with ssh and scp replaced by local stand-ins
# and the "host" a folder (--root): the real bundle of the binary under test
# is installed, runs from its install folder, and
#  - --dry-run prints the ssh/scp commands and the remote script, and
#    changes nothing;
#  - the configuration skeleton is installed with this host's name, the
#    credentials and the key with mode 0600, the unit, the command link;
#  - a second install keeps the edited configuration and the key, and the
#    previous bundle as hv-agent.old;
#  - a damaged bundle is refused by its checksums and the installed one
#    stays as it was.
. "$(dirname "$0")/lib.sh"

inst=$SRC/deploy/install-hv-agent.sh
bash -n "$inst" || fail "install-hv-agent.sh: syntax"
bash -n "$SRC/deploy/bundle-hv-agent.sh" || fail "bundle-hv-agent.sh: syntax"
"$SRC/deploy/bundle-hv-agent.sh" "$(dirname "$BIN")" "$T/bundle.tar.gz" >/dev/null ||
  fail "bundle-hv-agent.sh failed"
"$SRC/deploy/pki.sh" init "$T/pki" >/dev/null
"$SRC/deploy/pki.sh" issue "$T/pki" xcp7 hv-agent >/dev/null

# ssh HOST CMD...: runs CMD here (as ssh would on HOST, through a shell).
cat >"$T/ssh" <<'SH'
#!/bin/sh
shift
exec sh -c "$*"
SH
# scp SRC... HOST:DST: copies here.
cat >"$T/scp" <<'SH'
#!/bin/sh
for last; do :; done
n=$(($# - 1)); i=0
for a; do
  i=$((i + 1)); [ $i -le $n ] || break
  cp "$a" "${last#*:}" || exit 1
done
SH
chmod +x "$T/ssh" "$T/scp"
host=$T/host
install_() {
  "$inst" --bundle "$T/bundle.tar.gz" --ssh "$T/ssh" --scp "$T/scp" \
    --root "$host" --pki "$T/pki" "$@" xcp7.example.org
}

out=$(install_ --dry-run) || fail "--dry-run failed: $out"
grep -q "^$T/scp $T/bundle.tar.gz xcp7.example.org:$host/tmp/tapeline-install\..*/bundle.tar.gz" <<<"$out" ||
  fail "--dry-run does not show the bundle's scp: $out"
grep -q "$T/pki/xcp7.key" <<<"$out" || fail "--dry-run does not copy the key"
grep -q "sha256sum -c" <<<"$out" || fail "--dry-run does not show the remote script"
[ ! -e "$host" ] || fail "--dry-run changed the host"
pass "--dry-run prints the commands and changes nothing"

install_ >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; fail "install failed"; }
want=$("$BIN/tapeline-hv-agent" --version)
got=$("$host/opt/tapeline/hv-agent/bin/tapeline-hv-agent" --version) || fail "installed agent does not run"
[ "$got" = "$want" ] || fail "installed --version '$got', expected '$want'"
grep -q '^certificate = "pki/xcp7.crt"' "$host/etc/tapeline/hv-agent.toml" ||
  fail "hv-agent.toml skeleton not made for xcp7: $(grep certificate "$host/etc/tapeline/hv-agent.toml")"
for f in etc/tapeline/xapi.credentials etc/tapeline/pki/xcp7.key; do
  [ "$(stat -c %a "$host/$f")" = 600 ] || fail "$f mode $(stat -c %a "$host/$f")"
done
cmp -s "$T/pki/xcp7.crt" "$host/etc/tapeline/pki/xcp7.crt" || fail "certificate not copied"
cmp -s "$SRC/deploy/systemd/tapeline-hv-agent.service" \
  "$host/etc/systemd/system/tapeline-hv-agent.service" || fail "unit not installed"
[ "$(readlink "$host/usr/local/bin/tapeline-hv-agent")" = /opt/tapeline/hv-agent/bin/tapeline-hv-agent ] ||
  fail "command link missing"
grep -q "systemctl enable --now tapeline-hv-agent" "$T/install.log" || fail "no next steps printed"
[ -z "$(ls -A "$host/tmp")" ] || fail "left files in the host's /tmp: $(ls -A "$host/tmp")"
pass "installed: $got; skeleton for xcp7, credentials and key 0600, unit, link"

# Again: the site's edits and key survive, the old bundle is kept.
echo "# edited by the site" >>"$host/etc/tapeline/hv-agent.toml"
key_before=$(sha256sum <"$host/etc/tapeline/pki/xcp7.key")
install_ >"$T/install2.log" 2>&1 || { cat "$T/install2.log" >&2; fail "second install failed"; }
grep -q "edited by the site" "$host/etc/tapeline/hv-agent.toml" || fail "the configuration was replaced"
[ "$(sha256sum <"$host/etc/tapeline/pki/xcp7.key")" = "$key_before" ] || fail "the key was replaced"
[ -x "$host/opt/tapeline/hv-agent.old/bin/tapeline-hv-agent" ] || fail "no hv-agent.old"
pass "a second install keeps the configuration and the key, and the old bundle"

# A damaged bundle: one byte of the binary changed, checksums unchanged.
mkdir "$T/bad" && tar -xzf "$T/bundle.tar.gz" -C "$T/bad"
top=$(ls "$T/bad")
printf 'X' | dd of="$T/bad/$top/libexec/tapeline-hv-agent" bs=1 seek=100000 conv=notrunc 2>/dev/null
tar -C "$T/bad" -czf "$T/bad.tar.gz" "$top"
before=$(sha256sum <"$host/opt/tapeline/hv-agent/libexec/tapeline-hv-agent")
if "$inst" --bundle "$T/bad.tar.gz" --ssh "$T/ssh" --scp "$T/scp" --root "$host" \
  xcp7 >"$T/bad.log" 2>&1; then
  fail "a damaged bundle was installed"
fi
grep -q "damaged" "$T/bad.log" || fail "no 'damaged' message: $(cat "$T/bad.log")"
[ -z "$(ls -A "$host/tmp")" ] || fail "a failed install left files in the host's /tmp"
[ "$(sha256sum <"$host/opt/tapeline/hv-agent/libexec/tapeline-hv-agent")" = "$before" ] ||
  fail "the damaged bundle replaced the installed one"
pass "a damaged bundle is refused; the installed one is unchanged"
