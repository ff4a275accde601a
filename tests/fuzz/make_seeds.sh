#!/usr/bin/env bash
# Regenerates the seed corpora that Tapeline's own writers produce
# (tests/fuzz/make_seeds.cc) into tests/fuzz/corpus/. The config and
# xapi_rpc seeds, and the regression seeds (named regress-*), are written by
# hand and kept. Needs the fuzz build (tests/fuzz/run.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${TAPELINE_FUZZ_BUILD:-build-fuzz}
cmake --build "$build" --target fuzz_make_seeds >/dev/null
ASAN_OPTIONS=detect_leaks=0 "$build/fuzz/fuzz_make_seeds" tests/fuzz/corpus
