# Shared by deploy/quickstart.sh and deploy/test.sh: install what is missing
# from Debian's packages, then configure and build incrementally.

TAPELINE_PACKAGES=(
  build-essential cmake pkg-config
  libcaf-dev libprotobuf-dev protobuf-compiler libspdlog-dev
  libgtest-dev libgmock-dev libsqlite3-dev libzstd-dev libcurl4-openssl-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libssl-dev
  libacl1-dev acl attr time
  openssl tar libarchive-tools zstd socat qemu-utils libvhdi-utils sqlite3 procps jq iproute2
  curl python3
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
