#!/usr/bin/env bash
# Runs one libFuzzer target (or all of them, one after another) for a fixed time.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   TARGET: bencode, metainfo, magnet, wire,
#                                                         tracker_http, tracker_udp
#   scripts/fuzz.sh all SECONDS [libFuzzer flags...]      (names with _fuzz are accepted too)
#
# Builds build/fuzz (scripts/setup.sh fuzz), writes the seed corpus into fuzz-corpus/ with
# fuzz/make_corpus.py when a target's corpus is missing, then runs build/fuzz/fuzz/<target>
# on fuzz-corpus/<target>_fuzz (new inputs are added there). One process at a time (-jobs=1).
# Crashes land in build/fuzz/artifacts/<target>/, the full log in build/fuzz/logs/<target>.log.
# Exit status: 0 when every run ended without a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]" >&2
  exit 2
}
(($# >= 2)) || usage
what=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

all_targets=(bencode metainfo magnet wire tracker_http tracker_udp)
if [ "$what" = all ]; then
  targets=("${all_targets[@]}")
else
  targets=("${what%_fuzz}")
  if [ ! -f "fuzz/${targets[0]}_fuzz.cpp" ]; then
    echo "fuzz: no target '$what' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
fi

# Largest input each target is fed (bytes).
max_len_of() {
  case $1 in
    bencode | metainfo) echo 16384 ;;
    magnet) echo 4096 ;;
    wire) echo 36864 ;;
    tracker_http) echo 8192 ;;  # twice the harness's max_target, so over-long targets occur
    tracker_udp) echo 2560 ;;   # past max_request_size (2048) plus the 2 control bytes
    *) echo 4096 ;;
  esac
}

# The machine running this is usually busy; keep the build to two jobs unless told otherwise.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
if ! scripts/setup.sh fuzz; then
  # The fuzz targets need only protocol/ (and tracker/ for tracker_*): do not let a broken
  # build elsewhere stop them.
  echo "fuzz: the full fuzz build failed; building only the fuzz targets" >&2
  cmake --build build/fuzz --target "${targets[@]/%/_fuzz}"
fi

status=0
for target in "${targets[@]}"; do
  binary=$root/build/fuzz/fuzz/${target}_fuzz
  if [ ! -x "$binary" ]; then
    echo "fuzz: no such target '$target' ($binary not built)" >&2
    status=1
    continue
  fi
  corpus=$root/fuzz-corpus/${target}_fuzz
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    /usr/bin/python3 fuzz/make_corpus.py "$root/fuzz-corpus"
  fi
  artifacts=$root/build/fuzz/artifacts/$target
  logs=$root/build/fuzz/logs
  mkdir -p "$artifacts" "$logs"
  flags=(-max_total_time="$seconds" -max_len="$(max_len_of "$target")" -jobs=1 -timeout=25
    -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ -f "fuzz/$target.dict" ] && flags+=(-dict="$root/fuzz/$target.dict")
  log=$logs/$target.log
  echo "==== fuzz: $target for $seconds s ===="
  echo "$binary ${flags[*]} $* $corpus"
  # -jobs=1 runs the fuzzer in one child process whose output goes to fuzz-0.log in the
  # working directory; run it from build/fuzz so that file stays out of the source tree.
  run_status=0
  (cd "$root/build/fuzz" &&
    ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$binary" "${flags[@]}" "$@" "$corpus") >"$log" 2>&1 || run_status=$?

  # The summary: the last status line, the totals, and any sanitizer or libFuzzer report.
  grep -E '^#[0-9]+' "$log" | tail -n 1 || true
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|stat::new_units_added)' "$log" || true
  if grep -qE '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error:|fuzz check failed)|Test unit written to' "$log" ||
    ((run_status != 0)); then
    grep -E '==ERROR|SUMMARY: |runtime error:|fuzz check failed|Test unit written to|exited with exit code' "$log" || true
    echo "fuzz: $target FAILED (exit $run_status); full log: $log"
    status=1
  else
    execs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo '?')
    echo "fuzz: $target: $seconds s, $execs execs, no crash ($(date -u +%F)); full log: $log"
  fi
done
exit $status
