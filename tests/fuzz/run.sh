#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz/) and runs
# each one for SECONDS over its committed seed corpus (docs/testing.md).
#
#   tests/fuzz/run.sh SECONDS [TARGET...]     # default: every target
#
# Prints one line per target, "target=NAME execs=N", and fails when any
# target finds a crash, a sanitizer report, a leak or a timeout. New
# inputs go to build-fuzz/fuzz/corpus/TARGET (kept between runs, not
# committed); a crashing input is saved as build-fuzz/fuzz/TARGET-crash-*.
# Reproduce one with: build-fuzz/fuzz/TARGET_fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
build=${TAPELINE_FUZZ_BUILD:-build-fuzz}
all=(wire stream tape_file volume_reader vhd_stream vhd_image config xapi_rpc)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer -gline-tables-only"
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTAPELINE_FUZZ=ON -DTAPELINE_WITH_XAPI_SIM=OFF \
    "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target fuzzers >/dev/null

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/${t}_fuzz"
  seeds="tests/fuzz/corpus/$t"
  work="$build/fuzz/corpus/$t"
  log="$build/fuzz/$t.log"
  mkdir -p "$work" "$seeds"
  rc=0
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=2048 -max_len=262144 \
    -artifact_prefix="$build/fuzz/$t-" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "target=$t execs=${execs:-0}"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "tests/fuzz/run.sh: $t failed (exit $rc); the report, from $log:" >&2
    grep -m1 -B2 -A30 -E "ERROR: |runtime error|invariant failed|==[0-9]+==" "$log" >&2 || tail -40 "$log" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "tests/fuzz/run.sh: crashes in ${failed[*]}; reproduce with $build/fuzz/TARGET_fuzz $build/fuzz/TARGET-crash-*" >&2
  exit 1
fi
