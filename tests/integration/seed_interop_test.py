#!/usr/bin/python3
"""`actorrent seed` to real downloaders.

actorrent seeds a multi-file torrent (22 MiB, 12 files of uneven sizes, 64 KiB pieces that
span files; made with `actorrent create`) with `actorrent seed TORRENT --dir SRC`, a fresh
seeder process per case, to:
  - a libtorrent downloader that finds it through our tracker (HTTP, then UDP),
  - a libtorrent downloader told our port (connect_peer),
  - an aria2c downloader that finds it through our tracker (HTTP),
  - an aria2c downloader reached directly: aria2c cannot be given a peer, so actorrent is
    (`actorrent seed --peer` aria2c's port),
  - a libtorrent and an aria2c downloader that find it through opentracker (HTTP).
In the tracker cases the downloader starts only once a scrape counts actorrent as a seeder.
Each downloaded tree must equal the source byte for byte, the seeder's --json-progress must
count what it uploaded (it was the only source), and it must exit 0 on SIGTERM within a few
seconds.
Usage: seed_interop_test.py PATH/TO/actorrent
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "seeded set"
TOTAL = 22 * 1024 * 1024 + 54321
TIMEOUT = 60


def start_seeder(binary, tmp, r, label, torrent, src, peers=()):
    """actorrent seed, waited on until its progress says "seeding"; None (and a failure) if not."""
    seeder = su.start_seed(binary, torrent, src, tmp, "seed-" + label.replace(" ", "-"), su.free_port(),
                           peers=peers)
    if not su.wait_for_state(seeder, ("seeding",), 30):
        r.check(False, f"{label}: actorrent seed reaches state seeding", seeder.describe())
        su.stop(seeder.proc)
        return None
    return seeder


def stop_seeder(seeder, r, label):
    rc, took = seeder.stop(timeout=10)
    r.check(rc == 0 and took < 5, f"{label}: actorrent seed exits 0 on SIGTERM ({took:.1f} s)",
            f"exit {rc} after {took:.1f} s; stderr: {seeder.stderr().strip()!r}")


def check_upload_counted(seeder, r, label):
    """The downloader took everything from actorrent alone, so within a few progress lines the
    seeder's `uploaded` must count at least the torrent's size."""
    def counted():
        return (seeder.last() or {}).get("uploaded", 0) >= TOTAL
    ok = su.wait_until(counted, 5, step=0.2)
    r.check(ok, f"{label}: --json-progress counts the upload",
            f"uploaded {(seeder.last() or {}).get('uploaded')} < {TOTAL} bytes sent")


def wait_announced(binary, tracker_url, torrent, timeout=20):
    """Until a scrape of the tracker counts a seeder for the torrent."""
    def counted():
        res = subprocess.run([binary, "announce", tracker_url, "--torrent", torrent, "--scrape"],
                             capture_output=True, text=True, timeout=15)
        return res.returncode == 0 and " 0 seeders" not in " " + res.stdout and "seeders" in res.stdout
    return su.wait_until(counted, timeout, step=0.5)


def lt_download(tmp, label, torrent, src, connect=None):
    """A libtorrent downloader; returns (ok, detail)."""
    import libtorrent as lt
    ses = su.lt_session()
    dst = os.path.join(tmp, "lt-" + label.replace(" ", "-"))
    h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": dst})
    if connect:
        h.connect_peer(("127.0.0.1", connect))
    t0 = time.time()
    done = su.wait_until(lambda: h.status().is_seeding, TIMEOUT)
    st = h.status()
    detail = f"progress {st.progress:.3f}, peers {st.num_peers}, {time.time() - t0:.1f} s"
    # Compared before the torrent is removed: removing it may drop writes still pending.
    ok = done and su.lt_same_tree(os.path.join(src, NAME), os.path.join(dst, NAME))
    ses.remove_torrent(h)
    return ok, detail if done else "not complete: " + detail


def aria2_download(tmp, label, torrent, src, port=None):
    dst = os.path.join(tmp, "aria2-" + label.replace(" ", "-"))
    res = subprocess.run(["aria2c", *su.aria2_args(port or su.free_port()), "--seed-time=0",
                          "--bt-stop-timeout=60", "--summary-interval=0", "-d", dst, torrent],
                         capture_output=True, text=True, timeout=TIMEOUT + 30)
    ok = res.returncode == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(dst, NAME))
    return ok, f"aria2c exit {res.returncode}: {(res.stdout + res.stderr)[-600:]}"


def via_tracker(binary, tmp, r, label, torrent, tracker_url, src, downloader):
    seeder = start_seeder(binary, tmp, r, label, torrent, src)
    if seeder is None:
        return
    try:
        announced = wait_announced(binary, tracker_url, torrent)
        r.check(announced, f"{label}: the tracker counts actorrent as a seeder", seeder.describe())
        if announced:
            t0 = time.time()
            ok, detail = downloader(tmp, label, torrent, src)
            r.check(ok, f"{label}: downloaded from actorrent, data identical ({time.time() - t0:.1f} s)",
                    detail + " — seeder: " + seeder.describe())
            if ok:
                check_upload_counted(seeder, r, label)
    finally:
        stop_seeder(seeder, r, label)


def lt_direct(binary, tmp, r, torrent, src):
    label = "libtorrent direct"
    seeder = start_seeder(binary, tmp, r, label, torrent, src)
    if seeder is None:
        return
    try:
        port = int(seeder.cmd[seeder.cmd.index("--listen-port") + 1])
        t0 = time.time()
        ok, detail = lt_download(tmp, label, torrent, src, connect=port)
        r.check(ok, f"{label}: downloaded from actorrent, data identical ({time.time() - t0:.1f} s)",
                detail + " — seeder: " + seeder.describe())
        if ok:
            check_upload_counted(seeder, r, label)
    finally:
        stop_seeder(seeder, r, label)


def aria2_direct(binary, tmp, r, torrent, src):
    """aria2c listens; actorrent seed connects to it (--peer)."""
    label = "aria2c direct"
    port = su.free_port()
    dst = os.path.join(tmp, "aria2-direct")
    log = os.path.join(tmp, "aria2-direct.log")
    t0 = time.time()
    leech = subprocess.Popen(["aria2c", *su.aria2_args(port), "--seed-time=0", "--bt-stop-timeout=60",
                              "--summary-interval=0", "-d", dst, torrent],
                             stdout=open(log, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seeder = None
    try:
        if not su.wait_until(lambda: su.port_open(port) or leech.poll() is not None, 15):
            r.check(False, f"{label}: aria2c listens", su.tail(log))
            return
        seeder = start_seeder(binary, tmp, r, label, torrent, src, peers=[f"127.0.0.1:{port}"])
        if seeder is None:
            return
        try:
            rc = leech.wait(timeout=TIMEOUT + 30)
        except subprocess.TimeoutExpired:
            rc = None
        ok = rc == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(dst, NAME))
        r.check(ok, f"{label}: actorrent connects to aria2c and seeds it, data identical ({time.time() - t0:.1f} s)",
                f"aria2c exit {rc}: {su.tail(log, 600)} — seeder: {seeder.describe()}")
        if ok:
            check_upload_counted(seeder, r, label)
    finally:
        su.stop(leech)
        if seeder is not None:
            stop_seeder(seeder, r, label)


def main():
    su.require(tools=("aria2c", "opentracker"), libtorrent=True)
    binary = su.our_binary("seed")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src, plain = su.multi_file_torrent(binary, tmp, NAME, TOTAL)
        tracker, http_port, udp_port = su.start_tracker(binary, tmp)
        ot = None
        try:
            http_url = f"http://127.0.0.1:{http_port}/announce"
            udp_url = f"udp://127.0.0.1:{udp_port}/announce"
            http = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "http.torrent"),
                                     [http_url], "64K")
            udp = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "udp.torrent"),
                                    [udp_url], "64K")
            via_tracker(binary, tmp, r, "libtorrent via our tracker (HTTP)", http, http_url, src, lt_download)
            via_tracker(binary, tmp, r, "libtorrent via our tracker (UDP)", udp, udp_url, src, lt_download)
            lt_direct(binary, tmp, r, plain, src)
            via_tracker(binary, tmp, r, "aria2c via our tracker (HTTP)", http, http_url, src, aria2_download)
            aria2_direct(binary, tmp, r, plain, src)
            # The announce URL is outside the info dictionary: every torrent here has one
            # info-hash, which opentracker must have in its whitelist.
            ot, ot_port = su.start_opentracker(tmp, [su.info_hash(binary, plain)])
            ot_url = f"http://127.0.0.1:{ot_port}/announce"
            ott = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "ot.torrent"),
                                    [ot_url], "64K")
            via_tracker(binary, tmp, r, "libtorrent via opentracker", ott, ot_url, src, lt_download)
            via_tracker(binary, tmp, r, "aria2c via opentracker", ott, ot_url, src, aria2_download)
        finally:
            su.stop(tracker)
            su.stop(ot)
    print(f"seed interop: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
