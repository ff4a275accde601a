#!/usr/bin/env bash
# The systemd units in deploy/systemd/, checked by systemd itself (offline:
# no running systemd needed):
#  - `systemd-analyze verify` finds nothing to say about any of them (it
#    exits 0 on unknown keys, so any output at all is a failure);
#  - `systemd-analyze security --offline` rates the tape agent and the
#    coordinator at most 2.5 (of 10) and the hv agent, which must run as
#    root in dom0, at most 6.0;
#  - the tape agent can open tape drives (DeviceAllow char-st, group tape)
#    and nothing else; each unit runs what the package installs.
# Skipped (exit 0 with a message) where systemd-analyze is missing
# (Debian package: systemd).
set -euo pipefail

src=${TAPELINE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
units=$src/deploy/systemd
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: systemd-analyze not found (apt-get install systemd); units not verified"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# verify checks that ExecStart's program exists on this machine; the
# binaries are not installed here, so an executable that exists stands in.
for u in "$units"/*.service; do
  name=${u##*/}
  sed -e 's#/usr/bin/tapeline-[a-z-]*#/bin/true#g' \
    -e 's#/opt/tapeline/hv-agent/bin/tapeline-hv-agent#/bin/true#g' "$u" >"$tmp/$name"
  out=$(cd "$tmp" && systemd-analyze verify "./$name" 2>&1) ||
    fail "systemd-analyze verify $name: $out"
  [ -z "$out" ] || fail "systemd-analyze verify $name has warnings: $out"
  pass "$name verifies without a warning"
done
for want in tapeline-tape-agent tapeline-coordinator tapeline-hv-agent; do
  [ -f "$tmp/$want.service" ] || fail "deploy/systemd/$want.service is missing"
done

# exposure NAME MAX10: systemd's exposure score, 0-100 (10 x the 0.0-10.0
# it prints), must not exceed MAX10.
exposure() {
  local out
  out=$(cd "$tmp" && systemd-analyze security --offline=true --threshold="$2" "./$1.service" 2>&1) ||
    fail "$1: exposure above $(($2 / 10)).$(($2 % 10)): $(tail -1 <<<"$out")"
  pass "$1: $(tail -1 <<<"$out" | sed 's/^→ //')"
}
exposure tapeline-tape-agent 25
exposure tapeline-coordinator 25
exposure tapeline-hv-agent 60

# key UNIT KEY: the values of KEY in [Service] of UNIT, one a line.
key() { sed -n "/^\[Service\]/,/^\[/s/^$2=//p" "$units/$1.service"; }
ta=tapeline-tape-agent
[ "$(key $ta DevicePolicy)" = closed ] || fail "$ta: DevicePolicy is not closed"
[ "$(key $ta DeviceAllow)" = "char-st rw" ] ||
  fail "$ta: DeviceAllow is '$(key $ta DeviceAllow)', expected the st driver only"
grep -q '^ *[0-9]* st$' /proc/devices 2>/dev/null &&
  pass "this kernel names the tape driver 'st' in /proc/devices"
[ "$(key $ta SupplementaryGroups)" = tape ] || fail "$ta: not in group tape (owner of /dev/nst*)"
[ "$(key $ta User)" = tapeline ] || fail "$ta: does not run as tapeline"
[ "$(key $ta ExecStart)" = "/usr/bin/tapeline-tape-agent --config /etc/tapeline/tape-agent.toml" ] ||
  fail "$ta: ExecStart is $(key $ta ExecStart)"
[ "$(key tapeline-coordinator ExecStart)" = "/usr/bin/tapeline-coordinator --config /etc/tapeline/coordinator.toml" ] ||
  fail "coordinator: ExecStart is $(key tapeline-coordinator ExecStart)"
[ "$(key tapeline-hv-agent ExecStart)" = "/opt/tapeline/hv-agent/bin/tapeline-hv-agent run --config /etc/tapeline/hv-agent.toml" ] ||
  fail "hv agent: ExecStart is $(key tapeline-hv-agent ExecStart)"
pass "tape agent: tape devices only, as tapeline in group tape; ExecStart lines match the install paths"

# The tape agent's configuration check, run as ExecStartPre, accepts the
# example when the binary is here.
bin=${TAPELINE_BIN:-}
if [ -n "$bin" ] && [ -x "$bin/tapeline-tape-agent" ]; then
  out=$("$bin/tapeline-tape-agent" --help 2>&1)
  grep -q -- '--check' <<<"$out" || fail "tapeline-tape-agent has no --check for ExecStartPre"
  pass "tapeline-tape-agent has the --check that ExecStartPre runs"
fi
