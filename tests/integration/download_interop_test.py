#!/usr/bin/python3
"""`actorrent download` against real seeders and real trackers.

One multi-file torrent (22 MiB, 12 files of uneven sizes, one of a single byte, some in
sub-directories, 64 KiB pieces that span files; made with `actorrent create`) is downloaded
by actorrent, each time into a fresh directory, from:
  - a libtorrent seeder (given with --peer),
  - an aria2c seeder (--peer),
  - a transmission-cli seeder (--peer: transmission drops 127.x peers it hears of from a
    tracker, so actorrent must connect to it),
  - a libtorrent seeder found through our tracker over HTTP, then over UDP (no --peer),
  - a libtorrent seeder found through opentracker (no --peer; opentracker serves only
    whitelisted info-hashes and tells the seeder to come back in 30 minutes, so actorrent
    must connect out).
Each case: `actorrent download ... --json-progress` must exit 0 within its timeout, every
stdout line must be a progress object with the documented keys, and the tree must match the
source byte for byte.
Usage: download_interop_test.py PATH/TO/actorrent
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "interop set"
TOTAL = 22 * 1024 * 1024 + 12345  # the last piece is short
TIMEOUT = 45  # per download: seconds on loopback; transmission-cli unchokes after ~11 s


def download_case(binary, tmp, r, label, torrent, src, peers=(), timeout=TIMEOUT):
    out = os.path.join(tmp, "out-" + label)
    dl = su.Downloader(binary, torrent, out, tmp, "download-" + label, peers=peers, listen_port=su.free_port())
    rc = dl.wait(timeout)
    objs, bad = dl.progress()
    problems = []
    if rc != 0:
        problems.append("download did not succeed" + (
            " (the data on disk is complete and identical)"
            if su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME)) else ""))
    elif not su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME)):
        problems.append("downloaded tree differs from the source")
    fmt = su.progress_problems(objs, bad)
    if fmt:
        problems.append(fmt)
    r.check(not problems, f"{label}: actorrent downloads, data identical ({dl.elapsed:.1f} s)",
            "; ".join(problems) + " — " + dl.describe())


def from_libtorrent(binary, tmp, r, label, torrent, src, direct, tracker_note=None):
    ses = su.lt_session()
    h = su.lt_seed(ses, torrent, src)
    if h is None:
        r.check(False, f"{label}: libtorrent seeder ready", "libtorrent never reached seeding")
        return
    try:
        if not direct:
            ok = su.wait_for_tracker_reply(ses, h)
            r.check(ok, f"{label}: libtorrent seeder announced to {tracker_note}")
            if not ok:
                return
        peers = [f"127.0.0.1:{ses.listen_port()}"] if direct else []
        download_case(binary, tmp, r, label, torrent, src, peers)
    finally:
        ses.remove_torrent(h)


def from_aria2(binary, tmp, r, torrent, src):
    port = su.free_port()
    log = os.path.join(tmp, "aria2-seeder.log")
    seeder = su.start_aria2_seeder(torrent, src, port, log)
    try:
        ready = su.wait_until(lambda: su.file_contains(log, "SEED(") or seeder.poll() is not None, 30, step=0.2)
        if not (ready and seeder.poll() is None):
            r.check(False, "aria2c: seeder ready", su.tail(log))
            return
        download_case(binary, tmp, r, "aria2c seeder", torrent, src, [f"127.0.0.1:{port}"])
    finally:
        su.stop(seeder)


def from_transmission(binary, tmp, r, torrent, src):
    port = su.free_port()
    cfg = su.transmission_config_dir(os.path.join(tmp, "transmission-seeder"))
    log = os.path.join(tmp, "transmission-seeder.log")
    seeder = su.start_transmission(torrent, src, cfg, port, log)
    try:
        ready = su.wait_until(lambda: su.file_contains(log, "Seeding") or seeder.poll() is not None, 30,
                              step=0.2)
        if not (ready and seeder.poll() is None):
            r.check(False, "transmission: seeder ready", su.tail(log))
            return
        download_case(binary, tmp, r, "transmission-cli seeder", torrent, src, [f"127.0.0.1:{port}"])
    finally:
        su.stop(seeder)


def main():
    su.require(tools=("aria2c", "transmission-cli", "opentracker"), libtorrent=True)
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src, plain = su.multi_file_torrent(binary, tmp, NAME, TOTAL)
        ih = su.info_hash(binary, plain)
        tracker, http_port, udp_port = su.start_tracker(binary, tmp)
        ot = None
        try:
            ot, ot_port = su.start_opentracker(tmp, [ih])
            http = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "http.torrent"),
                                     [f"http://127.0.0.1:{http_port}/announce"], "64K")
            udp = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "udp.torrent"),
                                    [f"udp://127.0.0.1:{udp_port}/announce"], "64K")
            otr = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "opentracker.torrent"),
                                    [f"http://127.0.0.1:{ot_port}/announce"], "64K")
            hashes = {su.info_hash(binary, t) for t in (http, udp, otr)}
            if hashes != {ih}:
                r.check(False, "the torrents share one info-hash", str(hashes | {ih}))
                return r.finish()

            from_libtorrent(binary, tmp, r, "libtorrent seeder", plain, src, direct=True)
            from_aria2(binary, tmp, r, plain, src)
            from_transmission(binary, tmp, r, plain, src)
            from_libtorrent(binary, tmp, r, "our tracker (HTTP)", http, src, False, "our tracker over HTTP")
            from_libtorrent(binary, tmp, r, "our tracker (UDP)", udp, src, False, "our tracker over UDP")
            from_libtorrent(binary, tmp, r, "opentracker", otr, src, False, "opentracker")
        finally:
            su.stop(ot)
            su.stop(tracker)
    print(f"download interop: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
