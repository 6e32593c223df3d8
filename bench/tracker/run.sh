#!/usr/bin/env bash
# Benchmark: announces per second our tracker server sustains on loopback over UDP (BEP 15)
# and over HTTP, against opentracker in the same run under the same load generator
# (bench/tracker/tracker_loadgen.cpp: one single-threaded asio process, a closed loop of
# CONCURRENCY requests in flight, 1000 whitelisted info-hashes, 50 000 distinct peers, events
# started / none / completed, numwant 50).
# Usage: bench/tracker/run.sh [DURATION_S] [RUNS] [CONCURRENCY]
#
# HTTP is measured as one request per TCP connection ("Connection: close", the answer read
# until the server closes) for both servers: opentracker closes every connection after its
# answer, so that is the only mode both support. Our server's keep-alive rate is printed
# too, for information. Both servers run with their defaults, one serving thread each.
# Runs alternate between the servers so that noise from the machine hits both alike; the
# server's CPU time per answered announce (from /proc/PID/stat) is printed beside the rate,
# as it varies far less than the rate on a shared machine.
# Targets (issue "bench/tracker"): ours >= 50 % of opentracker's rate over UDP and over
# HTTP, and not one valid request of ours failed, dropped (no answer within 1 s), malformed
# or lost to a transport error.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
runs=${2:-3}
concurrency=${3:-64}
swarms=1000
peers=50000
scripts/setup.sh release >/dev/null
cmake --build build/release --target tracker_loadgen >/dev/null
bin=$PWD/build/release/main/actorrent
gen=$PWD/build/release/bench/tracker_loadgen
command -v opentracker >/dev/null || { echo "bench/tracker: opentracker is not installed" >&2; exit 2; }

work=$(mktemp -d /tmp/actorrent-bench-tracker.XXXXXX)
chmod 755 "$work"
ours_pid=""
ot_pid=""
stop_pid() {  # by PID only: TERM, up to 5 s, then KILL
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$ours_pid"
  stop_pid "$ot_pid"
  rm -rf "$work"
}
trap cleanup EXIT

# The same info-hashes for both servers.
"$gen" --print-hashes --swarms $swarms > "$work/hashes.txt"
{
  printf '{"allow": ['
  awk 'NR > 1 {printf ","} {printf "\"%s\"", $1}' "$work/hashes.txt"
  printf ']}\n'
} > "$work/tracker.json"

# Our tracker: port 0 on both, the bound ports read from its stdout.
"$bin" tracker -c "$work/tracker.json" --http 127.0.0.1:0 --udp 127.0.0.1:0 > "$work/ours.out" 2>&1 &
ours_pid=$!
for ((i = 0; i < 100; i++)); do
  grep -q '^udp listening' "$work/ours.out" && grep -q '^http listening' "$work/ours.out" && break
  kill -0 "$ours_pid" 2>/dev/null || break
  sleep 0.1
done
ours_http=$(sed -n 's/^http listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/ours.out")
ours_udp=$(sed -n 's/^udp listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/ours.out")
if [ -z "$ours_http" ] || [ -z "$ours_udp" ]; then
  echo "bench/tracker: our tracker did not start:" >&2
  cat "$work/ours.out" >&2
  exit 2
fi

# opentracker: whitelist-only, chroots into its (world-readable) root dir and drops to
# nobody; the whitelist path is resolved inside the chroot. One port, free for TCP and UDP.
ot_port=""
for ((i = 0; i < 50; i++)); do
  p=$((20000 + RANDOM % 12000))
  if ! ss -Htuan | awk '{print $5}' | grep -q ":$p\$"; then ot_port=$p; break; fi
done
[ -n "$ot_port" ] || { echo "bench/tracker: no free port for opentracker" >&2; exit 2; }
mkdir -m 755 "$work/ot"
cp "$work/hashes.txt" "$work/ot/whitelist.txt"
chmod 644 "$work/ot/whitelist.txt"
printf 'tracker.rootdir %s\naccess.whitelist /whitelist.txt\n' "$work/ot" > "$work/ot/opentracker.conf"
chmod 644 "$work/ot/opentracker.conf"
opentracker -i 127.0.0.1 -p "$ot_port" -P "$ot_port" -f "$work/ot/opentracker.conf" \
  > "$work/ot.log" 2>&1 &
ot_pid=$!
for ((i = 0; i < 50; i++)); do
  ss -Hltn "sport = :$ot_port" | grep -q . && break
  kill -0 "$ot_pid" 2>/dev/null || break
  sleep 0.1
done
if ! ss -Hltn "sport = :$ot_port" | grep -q .; then
  echo "bench/tracker: opentracker did not start:" >&2
  cat "$work/ot.log" >&2
  exit 2
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# One load generator run: NAME PID PROTO PORT [EXTRA ARGS]. Appends the rate to rate_NAME,
# the server CPU µs per answered announce to cpu_NAME, and the problem count to bad_NAME.
declare -A rates cpus bads
one_run() {
  local name=$1 pid=$2 proto=$3 port=$4
  shift 4
  local before after line ok problems
  before=$(cpu_ticks "$pid")
  line=$("$gen" --proto "$proto" --port "$port" --duration "$duration" -c "$concurrency" \
    --swarms $swarms --peers $peers -q "$@")
  after=$(cpu_ticks "$pid")
  ok=$(field ok "$line")
  problems=$(($(field failed "$line") + $(field dropped "$line") + $(field malformed "$line") + $(field errors "$line")))
  rates[$name]+="$(field rate "$line") "
  cpus[$name]+="$(awk -v t=$((after - before)) -v n="$ok" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0)}') "
  bads[$name]=$((${bads[$name]:-0} + problems))
  printf '  %-26s %s\n' "$name" "${line#result }"
}

echo "bench/tracker: $duration s per run (+1 s warm-up), $concurrency in flight, $swarms swarms," \
  "$peers peers, numwant 50, $(nproc) cores, median of $runs runs"
echo "runs:"
for ((r = 0; r < runs; r++)); do
  one_run "ours udp" "$ours_pid" udp "$ours_udp"
  one_run "opentracker udp" "$ot_pid" udp "$ot_port"
  one_run "ours http" "$ours_pid" http "$ours_http"
  one_run "opentracker http" "$ot_pid" http "$ot_port"
  one_run "ours http keep-alive" "$ours_pid" http "$ours_http" --keepalive
done

med() { median ${rates[$1]}; }
medcpu() { median ${cpus[$1]}; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
u_o=$(med "ours udp"); u_t=$(med "opentracker udp"); h_o=$(med "ours http"); h_t=$(med "opentracker http")
k_o=$(med "ours http keep-alive")
row() {  # LABEL OURS THEIRS OURS_CPU THEIRS_CPU PROBLEMS
  printf '%-30s %11s %14s %6s %10s %10s %10s %14s\n' "$@"
}
echo
row "transport" "ours ann/s" "opentracker/s" "ratio" "ours us" "ot us" "cpu ratio" "problems o/ot"
row "udp (BEP 15)" "$u_o" "$u_t" "$(ratio "$u_o" "$u_t")" "$(medcpu "ours udp")" \
  "$(medcpu "opentracker udp")" "$(ratio "$(medcpu "opentracker udp")" "$(medcpu "ours udp")")" \
  "${bads[ours udp]}/${bads[opentracker udp]}"
row "http, 1 request per connection" "$h_o" "$h_t" "$(ratio "$h_o" "$h_t")" "$(medcpu "ours http")" \
  "$(medcpu "opentracker http")" "$(ratio "$(medcpu "opentracker http")" "$(medcpu "ours http")")" \
  "${bads[ours http]}/${bads[opentracker http]}"
row "http keep-alive (ours only)" "$k_o" "n/a" "-" "$(medcpu "ours http keep-alive")" "-" "-" \
  "${bads[ours http keep-alive]}/-"
echo "(us: server CPU time per answered announce, all threads; cpu ratio = ot us / ours us, the"
echo " rate ratio to expect when the servers are CPU-bound; problems: failed + dropped + malformed"
echo " + transport errors, summed over the runs; rates and CPU are medians)"

status=0
target() {  # NAME OURS THEIRS PROBLEMS
  if (($2 * 2 >= $3 && $4 == 0)); then
    echo "target: $1 >= 0.5 x opentracker, no failed or dropped request: met"
  else
    echo "target: $1 >= 0.5 x opentracker, no failed or dropped request: NOT met"
    status=1
  fi
}
target udp "$u_o" "$u_t" "${bads[ours udp]}"
target http "$h_o" "$h_t" "${bads[ours http]}"
exit $status
