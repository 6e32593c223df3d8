#!/usr/bin/env bash
# Installs every Debian package the project needs (only when one is missing: no apt call
# otherwise), then configures and builds. Usage: scripts/setup.sh [release|asan|fuzz]...
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  build-essential cmake ninja-build ccache clang libclang-rt-14-dev clang-format git
  # libraries (see ../shared/DESIGN.md, "Dependencies")
  libcaf-dev libssl-dev nlohmann-json3-dev libspdlog-dev catch2 libboost-dev
  libcurl4-openssl-dev libcli11-dev
  # real peers, trackers and torrent creators used by the integration tests
  python3-libtorrent aria2 transmission-cli opentracker mktorrent
  # renders the `actorrent log timeline` page in the log tools test
  chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build() {
  local kind=$1 dir=build/$1
  # ccache: a machine that keeps its cache (~/.cache/ccache) rebuilds a fresh clone in a
  # minute instead of fifteen; without one it costs ~1 %. CCACHE_BASEDIR makes the cache
  # independent of where the clone is.
  # Unity build: the CAF-heavy sources are compiled a few to a translation unit, each batch
  # parsing CAF, asio and Catch2 once. Both fresh builds of the test command took 12.3 min
  # instead of 17.5 (2 cores). A developer who rebuilds one file often can configure a
  # directory without it.
  local args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
              -DCMAKE_UNITY_BUILD=ON)
  case $kind in
    release) ;;
    # clang: it compiles the CAF-heavy files ~20 % faster than GCC at -O0 with the sanitizers
    # (and the Release build stays GCC, so the suite sees both compilers' warnings). -g1: line
    # tables for the sanitizers' reports, without the full debug info, ~10 % slower to build.
    asan) args+=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS_DEBUG=-g1
                 -DACTORRENT_SANITIZE=ON -DACTORRENT_BENCH=OFF) ;;
    fuzz) args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DACTORRENT_FUZZ=ON -DACTORRENT_TESTS=OFF) ;;
    *) echo "setup: unknown build kind '$kind' (release, asan, fuzz)" >&2; exit 2 ;;
  esac
  [ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" "${args[@]}" >/dev/null
  cmake --build "$dir"
}

export CCACHE_BASEDIR="$PWD"
for kind in "${@:-release}"; do build "$kind"; done
