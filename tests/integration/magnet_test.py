#!/usr/bin/python3
"""Magnet links and metadata exchange (BEP 9, BEP 10) with real peers.

  - serving: `actorrent seed` has a torrent (40 MiB, 7 files, 16 KiB pieces: 2561 hashes, so
    that its info dictionary spans four 16 KiB metadata pieces, the last one short);
    a libtorrent session given only a magnet link and our address fetches the info
    dictionary from us, checks it against the info-hash, and downloads the data, identical.
    Our message log shows the extension handshake both ways with libtorrent's client name.
Usage: magnet_test.py PATH/TO/actorrent
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "magnet set"
TOTAL = 40 * 1024 * 1024 + 4321
TIMEOUT = 60


def wire_events(path, what):
    """The message log's `wire` records of one kind."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("event") == "wire" and rec.get("what") == what:
                out.append(rec)
    return out


def libtorrent_fetches_our_metadata(binary, tmp, r):
    import libtorrent as lt
    src = os.path.join(tmp, "src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(7, TOTAL))
    torrent = os.path.join(tmp, "magnet.torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent, piece_size="16K")
    info_hash = su.info_hash(binary, torrent)
    log = os.path.join(tmp, "seed-messages.jsonl")
    port = su.free_port()
    seeder = su.start_seed(binary, torrent, src, tmp, "seed", port,
                           extra=["--message-log", log])
    try:
        if not su.wait_for_state(seeder, ("seeding",), 30):
            r.check(False, "actorrent seed reaches state seeding", seeder.describe())
            return
        ses = su.lt_session()
        params = lt.parse_magnet_uri(f"magnet:?xt=urn:btih:{info_hash}&dn=magnet+set")
        dst = os.path.join(tmp, "lt-magnet")
        params.save_path = dst
        h = ses.add_torrent(params)
        h.connect_peer(("127.0.0.1", port))
        t0 = time.time()
        got = su.wait_until(lambda: h.status().has_metadata, TIMEOUT)
        r.check(got, f"libtorrent got the metadata from actorrent over ut_metadata "
                     f"({time.time() - t0:.1f} s)",
                f"libtorrent status {h.status().state}; seeder: {seeder.describe()}")
        if not got:
            return
        ti = h.torrent_file()
        size = len(ti.info_section())
        r.check(str(ti.info_hash()) == info_hash and ti.num_files() == 7 and ti.total_size() == TOTAL
                and size > 3 * 16384,
                f"libtorrent's torrent from our metadata: same info-hash, 7 files, {TOTAL} bytes "
                f"(info dictionary {size} bytes, {(size + 16383) // 16384} metadata pieces)",
                f"{ti.info_hash()} / {ti.num_files()} files / {ti.total_size()} bytes")
        done = su.wait_until(lambda: h.status().is_seeding, TIMEOUT)
        r.check(done and su.same_tree(os.path.join(src, NAME), os.path.join(dst, NAME)),
                f"libtorrent downloaded the data from actorrent, identical ({time.time() - t0:.1f} s)",
                f"progress {h.status().progress:.3f}")
        ses.remove_torrent(h)
    finally:
        rc, took = seeder.stop(timeout=10)
        r.check(rc == 0, f"actorrent seed exits 0 on SIGTERM ({took:.1f} s)", seeder.stderr())
    events = wire_events(log, "extension_handshake")
    ours = [e for e in events if e.get("dir") == "out"]
    theirs = [e.get("fields", {}) for e in events if e.get("dir") == "in"]
    r.check(bool(ours) and any("ut_metadata" in f.get("extensions", []) and
                               "libtorrent" in f.get("client", "").lower() for f in theirs),
            "the message log has the extension handshake both ways; libtorrent's names ut_metadata "
            f"({theirs[0] if theirs else None})",
            f"out {ours[:1]}, in {theirs[:1]}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: magnet_test.py PATH/TO/actorrent")
    su.require(libtorrent=True)
    binary = os.path.abspath(sys.argv[1])
    r = su.results()
    with tempfile.TemporaryDirectory(prefix="actorrent-magnet-") as tmp:
        libtorrent_fetches_our_metadata(binary, tmp, r)
    sys.exit(r.finish())


if __name__ == "__main__":
    main()
