#!/usr/bin/env bash
# The main job, with no internet: install what is missing, build, then a whole swarm on
# loopback: generate data (a multi-file album, ~64 MiB, pieces spanning files), make a
# torrent of it with `actorrent create` naming our tracker, start `actorrent tracker`, seed
# with `actorrent seed`, download with a second instance (`actorrent download`), check the
# result with `actorrent verify` and byte for byte. Every process started here is stopped
# by its PID when the script exits. Prints "demo: OK" and the time the swarm took.
# ACTORRENT=path overrides the binary (default: the Release build); DEMO_DIR=dir works there
# and keeps it (default: a temporary directory, removed when the demo succeeds).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh release
bin=${ACTORRENT:-build/release/main/actorrent}
work=${DEMO_DIR:-$(mktemp -d /tmp/actorrent-demo.XXXXXX)}
echo "demo: working in $work"
# Resume data goes to the demo's own directory, not to ~/.local/state.
export XDG_STATE_HOME=$work/state
start=$(date +%s.%N)

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    # bounded: 10 s each, then SIGKILL
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
fail() {
  echo "demo: FAILED: $*"
  for f in "$work"/*.log; do [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  exit 1
}
# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local n=$(($1 * 5))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done
  return 1
}
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 1. Data: 64 MiB in 9 files of uneven sizes (none a multiple of a piece), one sub-directory.
data=$work/data/album
mkdir -p "$data/disc 2"
for i in 1 2 3 4 5 6; do head -c $((i * 2300000 + 12345)) /dev/urandom > "$data/track-$i.flac"; done
head -c 18000001 /dev/urandom > "$data/disc 2/bonus.flac"
head -c 3456789 /dev/urandom > "$data/disc 2/cover.png"
echo "liner notes" > "$data/notes.txt"
size=$(du -sh --apparent-size "$data" | cut -f1)
echo "demo: $size of data in $(find "$data" -type f | wc -l) files"

# 2. Our tracker on free loopback ports (port 0: it prints the ports it bound).
"$bin" tracker --http 127.0.0.1:0 --udp 127.0.0.1:0 > "$work/tracker.out" 2> "$work/tracker.log" &
pids+=($!)
wait_for 20 grep -q "udp listening" "$work/tracker.out" || fail "the tracker did not start"
http_port=$(sed -n 's/^http listening on .*:\([0-9]*\)$/\1/p' "$work/tracker.out" | head -1)
udp_port=$(sed -n 's/^udp listening on .*:\([0-9]*\)$/\1/p' "$work/tracker.out" | head -1)
[ -n "$http_port" ] && [ -n "$udp_port" ] || fail "no tracker ports in: $(cat "$work/tracker.out")"
echo "demo: tracker on http://127.0.0.1:$http_port/announce and udp://127.0.0.1:$udp_port/announce"

# 3. The torrent, read back by actorrent and cross-checked with libtorrent.
"$bin" create "$data" -o "$work/album.torrent" --comment "actorrent demo" \
  -t "http://127.0.0.1:$http_port/announce" -t "udp://127.0.0.1:$udp_port/announce"
echo
"$bin" info "$work/album.torrent"
ours=$("$bin" info --json "$work/album.torrent" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["info_hash"])')
theirs=$(/usr/bin/python3 -c 'import libtorrent as lt,sys; print(lt.torrent_info(sys.argv[1]).info_hashes().v1)' "$work/album.torrent")
echo
echo "info-hash (actorrent):  $ours"
echo "info-hash (libtorrent): $theirs"
[ "$ours" = "$theirs" ] || fail "info-hashes differ"

# 4. The seeder: checks the data, announces, seeds.
seed_port=$(free_port)
"$bin" seed "$work/album.torrent" --dir "$work/data" --listen-port "$seed_port" --json-progress \
  > "$work/seed.progress" 2> "$work/seed.log" &
pids+=($!)
seeding() { grep -q '"state": *"seeding"' "$work/seed.progress"; }
seeding_or_gone() { seeding || ! kill -0 "${pids[1]}" 2>/dev/null; }
wait_for 60 seeding_or_gone && seeding || fail "the seeder did not reach state seeding"
echo "demo: seeder pid ${pids[1]} seeding on port $seed_port"

# 5. The downloader: a second instance that finds the seeder through the tracker.
echo "demo: downloading into $work/out"
t0=$(date +%s.%N)
timeout -k 5 120 "$bin" download "$work/album.torrent" -o "$work/out" --listen-port "$(free_port)" \
  2> "$work/download.log" || fail "actorrent download failed (exit $?)"
t1=$(date +%s.%N)

# 6. The result, by actorrent's own check and byte for byte.
"$bin" verify "$work/album.torrent" --dir "$work/out" || fail "verify found bad or missing data"
diff -r "$data" "$work/out/album" || fail "the downloaded tree differs from the source"

cleanup
pids=()
awk -v a="$start" -v b="$(date +%s.%N)" -v d0="$t0" -v d1="$t1" -v size="$size" 'BEGIN {
  printf "demo: downloaded %s in %.1f s; the whole swarm (data, tracker, torrent, seed, download, verify) took %.1f s\n", size, d1 - d0, b - a }'
echo "demo: OK"
# A temporary directory of our own is removed once all went well (a failure keeps it, to look
# at); DEMO_DIR is the caller's.
if [ -z "${DEMO_DIR:-}" ]; then rm -rf "$work"; fi
