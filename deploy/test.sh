#!/usr/bin/env bash
# Runs every Tapeline test on a fresh Debian 12 machine: installs missing
# packages, builds into build/, then runs CTest.
#
#   ./deploy/test.sh              # all tests
#   ./deploy/test.sh -R drive     # extra arguments go to ctest
#   ./deploy/test.sh --sanitize   # all tests under ASan and UBSan (build-asan/)
#   ./deploy/test.sh --tsan       # our threaded code's tests under TSan
#                                 # (build-tsan/); extra arguments go to
#                                 # each test binary (--gtest_filter=...)
# docs/testing.md says what each mode checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh

mode=plain
case "${1:-}" in
  --sanitize) mode=asan; shift ;;
  --tsan) mode=tsan; shift ;;
esac

ensure_packages
case $mode in
  plain)
    build_tree build
    ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900 "$@"
    ;;
  asan)
    build_asan_tree build-asan
    run_under_asan ctest --test-dir build-asan --output-on-failure \
      -j"$(nproc)" --timeout 1800 "$@"
    ;;
  tsan)
    build_tsan_tree build-tsan
    run_tsan_tests build-tsan "$@"
    ;;
esac
