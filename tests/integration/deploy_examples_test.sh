#!/usr/bin/env bash
# The commented examples in deploy/examples/ are read by the real binaries,
# next to a PKI made with the names the examples use:
#  - tape-agent.toml passes tapeline-tape-agent --check as it is;
#  - hv-agent.toml and xapi.credentials pass tapeline-hv-agent check (which
#    logs in to XAPI) against xapi-sim, with only the XAPI socket's path and
#    the password changed;
#  - coordinator.toml passes tapeline-coordinator --check (with the catalog
#    path changed) when that binary is built and has --check (a note says
#    when skipped).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hv_lib.sh"

ex=$SRC/deploy/examples
mkdir -p "$T/etc"
"$SRC/deploy/pki.sh" init "$T/etc/pki" >/dev/null
for n in "backup1 tape-agent" "xcp-host1 hv-agent" "coord1 coordinator"; do
  # shellcheck disable=SC2086
  "$SRC/deploy/pki.sh" issue "$T/etc/pki" $n >/dev/null
done

cp "$ex/tape-agent.toml" "$T/etc/"
"$BIN/tapeline-tape-agent" --config "$T/etc/tape-agent.toml" --check >"$T/ta.out" 2>&1 ||
  { cat "$T/ta.out" >&2; fail "tape-agent.toml is refused"; }
grep -q "2 drives" "$T/ta.out" || fail "tape-agent.toml: $(cat "$T/ta.out")"
pass "tape-agent.toml: $(sed -n 1p "$T/ta.out")"

hv_pki
start_sim --vms 1 --disks-per-vm 1 --disk-size 8M --seed 3
sed -e "s#^url = \"unix:///var/lib/xcp/xapi\"#url = \"unix://$SIM_SOCK\"#" \
  -e "s#^credentials = \"/etc/tapeline/xapi.credentials\"#credentials = \"$T/etc/xapi.credentials\"#" \
  "$ex/hv-agent.toml" >"$T/etc/hv-agent.toml"
[ "$(diff "$ex/hv-agent.toml" "$T/etc/hv-agent.toml" | grep -c '^>')" = 2 ] ||
  fail "hv-agent.toml: the url or credentials line is not where this test expects it"
sed -e 's/^password = "change-me"$/password = "secret"/' "$ex/xapi.credentials" >"$T/etc/xapi.credentials"
chmod 600 "$T/etc/xapi.credentials"
"$BIN/tapeline-hv-agent" -c "$T/etc/hv-agent.toml" check >"$T/hv.out" 2>&1 ||
  { cat "$T/hv.out" >&2; fail "hv-agent.toml or xapi.credentials is refused"; }
pass "hv-agent.toml and xapi.credentials: check logs in to xapi-sim"

if [ -x "$BIN/tapeline-coordinator" ] &&
  "$BIN/tapeline-coordinator" --help 2>&1 | grep -- '--check' >/dev/null; then
  sed -e "s#^path = \"/var/lib/tapeline/catalog.db\"#path = \"$T/catalog.db\"#" \
    "$ex/coordinator.toml" >"$T/etc/coordinator.toml"
  [ "$(diff "$ex/coordinator.toml" "$T/etc/coordinator.toml" | grep -c '^>')" = 1 ] ||
    fail "coordinator.toml: the catalog path line is not where this test expects it"
  "$BIN/tapeline-coordinator" --config "$T/etc/coordinator.toml" --check >"$T/co.out" 2>&1 ||
    { cat "$T/co.out" >&2; fail "coordinator.toml is refused"; }
  pass "coordinator.toml passes tapeline-coordinator --check"
else
  echo "note: tapeline-coordinator (with --check) not built; coordinator.toml not checked"
fi
