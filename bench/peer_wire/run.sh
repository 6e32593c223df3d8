#!/usr/bin/env bash
# Benchmark: loopback throughput of the peer-wire transport (actors/peer_connection.hpp).
# Two connections in one process: one sends SIZE_MIB of 16 KiB blocks with send_block, the
# other receives them with on_block and returns the credit at once, or after SHA-1 on another
# thread (256 KiB pieces), as the pipeline will. Each configuration runs RUNS times; every
# run's MiB/s, CPU seconds and peak RSS are printed. Compare with CAF-NOTES.md: asio I/O
# thread -> SHA-1 actor with credit flow 1810-1860 MiB/s at 20 MiB RSS; hand-written epoll
# receiver without hashing 4200-5300 MiB/s.
# Usage: bench/peer_wire/run.sh [SIZE_MIB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-2048}
runs=${2:-3}
dir=build/release
[ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$dir" --target peer_wire_bench >/dev/null
bin=$dir/bench/peer_wire/peer_wire_bench

echo "bench/peer_wire: $size_mib MiB per run, $runs runs per configuration, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
# --io-threads 2 puts the sender on its own thread, which is closest to CAF-NOTES' runs (a
# separate sending process); "per GiB" then gives each thread's CPU seconds, which on a busy
# machine say more than MiB/s do.
for config in "--io-threads 1" "--io-threads 2" "--io-threads 1 --hash" "--io-threads 2 --hash" \
  "--io-threads 2 --hash --credit-kib 4096"; do
  for ((i = 0; i < runs; i++)); do
    # shellcheck disable=SC2086
    "$bin" --mib "$size_mib" $config | grep -v -e "rx bytes" -e "CAF-NOTES"
  done
done
