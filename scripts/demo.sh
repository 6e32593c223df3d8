#!/usr/bin/env bash
# The main job, with no internet: install what is missing, build, generate data, make a
# torrent of it with `actorrent create`, and show what `actorrent info` reads back, checked
# against libtorrent's reading of the same file. (The actor pipeline turns this into a full
# local swarm: tracker, seeder, downloader, verify.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh release
bin=build/release/main/actorrent
work=${DEMO_DIR:-$(mktemp -d /tmp/actorrent-demo.XXXXXX)}
mkdir -p "$work/data/album/disc 2"
echo "demo: working in $work"

# A multi-file tree whose pieces span files.
for i in 1 2 3 4 5; do head -c $((i * 700000 + 12345)) /dev/urandom > "$work/data/album/track-$i.flac"; done
head -c 3000000 /dev/urandom > "$work/data/album/disc 2/bonus.flac"
echo "liner notes" > "$work/data/album/notes.txt"

"$bin" create "$work/data/album" -o "$work/album.torrent" \
  -t http://127.0.0.1:6969/announce -t udp://127.0.0.1:6969/announce --comment "actorrent demo"
echo
"$bin" info "$work/album.torrent"

ours=$("$bin" info --json "$work/album.torrent" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["info_hash"])')
theirs=$(/usr/bin/python3 -c 'import libtorrent as lt,sys; print(lt.torrent_info(sys.argv[1]).info_hashes().v1)' "$work/album.torrent")
echo
echo "info-hash (actorrent):  $ours"
echo "info-hash (libtorrent): $theirs"
[ "$ours" = "$theirs" ] || { echo "demo: FAILED: info-hashes differ"; exit 1; }

"$bin" verify "$work/album.torrent" --dir "$work/data"
echo "demo: OK"
