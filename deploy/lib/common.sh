# Shared by deploy/quickstart.sh and deploy/test.sh: install what is missing
# from Debian's packages, then configure and build incrementally.

TAPELINE_PACKAGES=(
  build-essential cmake pkg-config
  libcaf-dev libprotobuf-dev protobuf-compiler libspdlog-dev
  libgtest-dev libgmock-dev libsqlite3-dev libzstd-dev libcurl4-openssl-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libssl-dev
  libacl1-dev acl attr time
  openssl tar libarchive-tools zstd socat qemu-utils libvhdi-utils sqlite3 procps jq iproute2
  curl python3 python3-aiosmtpd tzdata libhowardhinnant-date-dev libarchive-dev
  clang libclang-rt-14-dev debootstrap systemd
)

ensure_packages() {
  local missing=()
  for p in "${TAPELINE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "tapeline: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# build_tree DIR [cmake args...]: configure once, then build incrementally.
build_tree() {
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  fi
  cmake --build "$dir" -j"$(nproc)"
}

# ---- Sanitizer builds (deploy/test.sh --sanitize / --tsan; docs/testing.md)

# build_asan_tree DIR: the whole tree with ASan and UBSan (g++), any UB fatal.
build_asan_tree() {
  build_tree "$1" -DTAPELINE_SANITIZE=ON \
    "-DCMAKE_C_FLAGS=-fno-sanitize-recover=undefined" \
    "-DCMAKE_CXX_FLAGS=-fno-sanitize-recover=undefined"
}

# run_under_asan CMD...: runs CMD (ctest) with sanitizer options that make
# any report fatal, and every report also lands in a file under
# DIR/sanitizer-reports; afterwards any report there fails the run. The
# files catch what a test cannot: a daemon started by an integration test
# that reports a leak as it exits, after the test stopped looking.
run_under_asan() {
  local reports
  reports="$(pwd)/build-asan/sanitizer-reports"
  rm -rf "$reports"
  mkdir -p "$reports"
  local supp
  supp="$(pwd)/deploy/sanitizers"
  local rc=0
  ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=0:log_path=$reports/asan" \
  LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp:log_path=$reports/ubsan" \
    "$@" || rc=$?
  if compgen -G "$reports/*" >/dev/null; then
    echo "tapeline: sanitizer reports in $reports:" >&2
    for f in "$reports"/*; do
      echo "---- $f" >&2
      head -60 "$f" >&2
    done
    [ "$rc" -ne 0 ] || rc=1
  fi
  return "$rc"
}

# The unit tests of our own threaded code that TSan can judge: they run no
# CAF scheduler (Debian's libcaf is not built with -fsanitize=thread, so
# TSan cannot see its synchronisation). docs/testing.md lists the others.
TAPELINE_TSAN_TESTS=(
  prefetch_source_test    # agent-hypervisor: the read-ahead thread and its reader
  stream_receiver_test    # credit accounting (one owner thread, by contract)
  drive_controller_test   # the drive's RAM buffer (one owner thread, by contract)
)

# build_tsan_tree DIR: just TAPELINE_TSAN_TESTS, with -fsanitize=thread.
build_tsan_tree() {
  local dir=$1
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTAPELINE_WITH_XAPI_SIM=OFF \
      "-DCMAKE_C_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
      "-DCMAKE_CXX_FLAGS=-fsanitize=thread -fno-omit-frame-pointer" \
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread" >/dev/null
  fi
  cmake --build "$dir" -j"$(nproc)" --target "${TAPELINE_TSAN_TESTS[@]}"
}

# run_tsan_tests DIR [gtest args...]: each binary; any race report fails.
run_tsan_tests() {
  local dir=$1; shift
  local failed=()
  for t in "${TAPELINE_TSAN_TESTS[@]}"; do
    echo "tapeline: TSan: $t" >&2
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66" \
      TAPELINE_BIN="$(pwd)/$dir/bin" "$dir/tests/$t" "$@" || failed+=("$t")
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "tapeline: TSan failures in ${failed[*]}" >&2
    return 1
  fi
}
