#!/usr/bin/env bash
# Benchmark: torrent creation and verification of one file (default 1 GiB), against
# mktorrent (with its thread option) and transmission-create on the same file in the same
# run, with OpenSSL's per-core SHA-1 speed as the limit. Data is in the page cache.
# Usage: bench/hashing/run.sh [SIZE_MIB] [RUNS]
# Targets (issue "Storage"): create at least as fast as the fastest of the two, and at
# least 75 % of cores x per-core SHA-1.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mib=${1:-1024}
runs=${2:-3}
scripts/setup.sh release >/dev/null
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
bin=$PWD/build/release/main/actorrent
work=$(mktemp -d /tmp/actorrent-bench-hashing.XXXXXX)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/data.bin"
cat "$work/data.bin" > /dev/null  # into the page cache
bytes=$(stat -c %s "$work/data.bin")

# SHA-1 bytes/s on one core, from `openssl speed` on 1 MiB blocks.
sha1_kbps=$(openssl speed -evp sha1 -seconds 2 -bytes 1048576 2>/dev/null | awk '/^sha1/ {print $2}' | tr -d k)
sha1_mbps=$(awk -v k="$sha1_kbps" 'BEGIN {printf "%.0f", k * 1000 / 1e6}')
limit_mbps=$((sha1_mbps * cores))

# Median wall time in seconds of `runs` runs of a command.
median_time() {
  local times=()
  for ((i = 0; i < runs; i++)); do
    rm -f "$work/out.torrent"
    /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>&1
    times+=("$(tail -1 "$work/time")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

piece_kib=1024
t_ours=$(median_time "$bin" create "$work/data.bin" -o "$work/out.torrent" --piece-size ${piece_kib}K)
t_mk=$(median_time mktorrent -t "$cores" -l 20 -o "$work/out.torrent" "$work/data.bin")
t_tr=$(median_time transmission-create -s $piece_kib -o "$work/out.torrent" "$work/data.bin")
"$bin" create "$work/data.bin" -o "$work/ours.torrent" --piece-size ${piece_kib}K >/dev/null
t_verify=$(median_time "$bin" verify "$work/ours.torrent" --dir "$work")

mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN {printf "%.0f", b / t / 1e6}'; }
m_ours=$(mbps "$t_ours"); m_mk=$(mbps "$t_mk"); m_tr=$(mbps "$t_tr"); m_verify=$(mbps "$t_verify")
best=$((m_mk > m_tr ? m_mk : m_tr))

echo "bench/hashing: $size_mib MiB, 1 MiB pieces, $cores cores, median of $runs runs"
printf '%-28s %8s %10s %12s\n' "tool" "seconds" "MB/s" "ours/theirs"
printf '%-28s %8s %10s %12s\n' "actorrent create" "$t_ours" "$m_ours" "-"
printf '%-28s %8s %10s %12s\n' "mktorrent -t $cores" "$t_mk" "$m_mk" "$(awk -v a="$m_ours" -v b="$m_mk" 'BEGIN {printf "%.2f", a / b}')"
printf '%-28s %8s %10s %12s\n' "transmission-create" "$t_tr" "$m_tr" "$(awk -v a="$m_ours" -v b="$m_tr" 'BEGIN {printf "%.2f", a / b}')"
printf '%-28s %8s %10s %12s\n' "actorrent verify" "$t_verify" "$m_verify" "-"
printf '%-28s %8s %10s %12s\n' "SHA-1 limit ($cores x $sha1_mbps)" "-" "$limit_mbps" "$(awk -v a="$m_ours" -v b="$limit_mbps" 'BEGIN {printf "%.2f", a / b}')"
status=0
if ((m_ours >= best)); then echo "target: create >= fastest other creator: met"; else echo "target: create >= fastest other creator: NOT met"; status=1; fi
if ((m_ours * 100 >= limit_mbps * 75)); then echo "target: create >= 75% of SHA-1 limit: met"; else echo "target: create >= 75% of SHA-1 limit: NOT met"; status=1; fi
exit $status
