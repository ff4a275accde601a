#!/usr/bin/env bash
# Runs every Tapeline test on a fresh Debian 12 machine: installs missing
# packages, builds into build/, then runs CTest.
#
#   ./deploy/test.sh              # all tests
#   ./deploy/test.sh -R drive     # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/lib/common.sh

ensure_packages
build_tree build
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900 "$@"
