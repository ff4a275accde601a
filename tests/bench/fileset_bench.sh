#!/bin/bash
# tapeline-fileset against `tar -c | zstd -3` on the same trees, same run:
# 100,000 small files, and 512 MiB of compressible large files.
# Usage: tests/bench/fileset_bench.sh BUILD_DIR [WORK_DIR (default /dev/shm)]
set -euo pipefail
FS="${1:?build dir}/bin/tapeline-fileset"
W=$(mktemp -d "${2:-/dev/shm}/fileset-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
python3 - "$W/small" <<'PY'
import os, sys
for a in range(100):
    for b in range(10):
        d = os.path.join(sys.argv[1], "d%03d" % a, "s%d" % b)
        os.makedirs(d)
        for c in range(100):
            with open(os.path.join(d, "f%03d" % c), "w") as f:
                f.write("%d/%d/%d\n" % (a, b, c) * 20)
PY
mkdir "$W/large"
for i in 1 2 3 4; do head -c 96M /dev/urandom | base64 > "$W/large/b$i"; done
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
# The small tree: files per second (its du size is mostly block slack).
a=$(t "$FS" create -o - "$W/small")
b=$(t sh -c "tar -C '$W' -cf - small | zstd -3 -q")
c=$(t sh -c "tar -C '$W' --xattrs --acls -cf - small | zstd -3 -q")
printf 'small  100000 files: tapeline-fileset %5.2f s (%6.0f files/s)  tar|zstd %5.2f s (%6.0f files/s)  tar --xattrs --acls|zstd %5.2f s\n' \
  "$a" "$(echo "100000 / $a" | bc -l)" "$b" "$(echo "100000 / $b" | bc -l)" "$c"
mb=$(du -sm "$W/large" | cut -f1)
a=$(t "$FS" create -o - "$W/large")
b=$(t sh -c "tar -C '$W' -cf - large | zstd -3 -q")
printf 'large  %d MiB: tapeline-fileset %5.2f s (%4.0f MiB/s)  tar|zstd -3 %5.2f s (%4.0f MiB/s)\n' \
  "$mb" "$a" "$(echo "$mb / $a" | bc -l)" "$b" "$(echo "$mb / $b" | bc -l)"
