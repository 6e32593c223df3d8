#!/usr/bin/python3
"""A swarm of actorrent instances on loopback, peers from our tracker.

One libtorrent seeder (upload limited to 4 MiB/s, so the swarm has to share), three
partial seeders (copies from `actorrent split`, each holding about a third of the pieces,
running `actorrent download --seed` on them) and five actorrent leechers started at once,
all on one multi-file torrent (20 MiB, 12 files of uneven sizes, 32 KiB pieces) whose only
tracker is ours. Every leecher must exit 0 with data identical to the source; the partial
seeders must complete too, report uploading, and exit 0 on SIGTERM within a few seconds.
Usage: swarm_download_test.py PATH/TO/actorrent
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "swarm set"
TOTAL = 20 * 1024 * 1024 + 4321
PARTS = 3
LEECHERS = 5
SEEDER_LIMIT = 4 * 1024 * 1024  # bytes/s: alone it would need > 25 s to serve everyone
TIMEOUT = 60  # for all five leechers together; on loopback they need seconds


def main():
    su.require(libtorrent=True)
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        su.make_tree(os.path.join(src, NAME), su.uneven_files(12, TOTAL))
        tracker, http_port, _ = su.start_tracker(binary, tmp)
        procs = []
        ses, h = su.lt_session(), None
        try:
            torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "swarm.torrent"),
                                        [f"http://127.0.0.1:{http_port}/announce"], "32K")
            parts = os.path.join(tmp, "parts")
            res = subprocess.run([binary, "split", torrent, "--dir", src, "--parts", str(PARTS), "-o", parts],
                                 capture_output=True, text=True)
            counts = [tuple(map(int, m)) for m in re.findall(r"part-\d+: (\d+) of (\d+) pieces", res.stdout)]
            ok = res.returncode == 0 and len(counts) == PARTS and all(0 < have < n for have, n in counts)
            r.check(ok, f"actorrent split makes {PARTS} partial copies: "
                        + ", ".join(f"{have} of {n}" for have, n in counts) + " pieces",
                    res.stdout + res.stderr)
            if not ok:
                return r.finish()

            h = su.lt_seed(ses, torrent, src, upload_limit=SEEDER_LIMIT)
            r.check(h is not None and su.wait_for_tracker_reply(ses, h), "libtorrent seeder announced")
            if h is None:
                return r.finish()

            partial = []
            for i in range(1, PARTS + 1):
                d = su.Downloader(binary, torrent, os.path.join(parts, f"part-{i}"), tmp, f"partial-{i}",
                                  listen_port=su.free_port(), extra=["--seed"])
                procs.append(d)
                partial.append(d)
            ok = all(su.wait_for_state(d, ("downloading", "seeding"), 30) for d in partial)
            r.check(ok, f"{PARTS} partial seeders checked their copies and joined",
                    " | ".join(d.label + ": " + d.describe() for d in partial))
            if not ok:
                return r.finish()

            leechers = []
            for i in range(1, LEECHERS + 1):
                d = su.Downloader(binary, torrent, os.path.join(tmp, f"leecher-{i}"), tmp, f"leecher-{i}",
                                  listen_port=su.free_port())
                procs.append(d)
                leechers.append(d)
            for d, rc in zip(leechers, su.wait_all(leechers, TIMEOUT)):
                same = rc == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(tmp, d.label, NAME))
                fmt = su.progress_problems(*d.progress())
                on_disk = ""
                if rc != 0:
                    whole = su.same_tree(os.path.join(src, NAME), os.path.join(tmp, d.label, NAME))
                    on_disk = " (the data on disk is " + ("complete and identical)" if whole else "not complete)")
                r.check(same and not fmt, f"{d.label}: exit 0, data identical ({d.elapsed:.1f} s)",
                        ("data differs; " if rc == 0 and not same else "") + fmt + d.describe() + on_disk)
            # Endgame duplicates are the only bytes fetched twice; they must stay a small share.
            size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(src, NAME))
                       for f in fs)
            fetched = [(d.last() or {}).get("downloaded", 0) for d in leechers]
            r.check(all(f <= 1.25 * size for f in fetched),
                    "leechers fetched at most 1.25 x the torrent's size: " +
                    ", ".join(f"{f / size:.2f}" for f in fetched))

            seeding = [su.wait_for_state(d, ("seeding",), 20) for d in partial]
            lasts = [d.last() or {} for d in partial]
            stops = su.stop_all(partial, timeout=10)
            for d, ok, last, (rc, took) in zip(partial, seeding, lasts, stops):
                r.check(ok, f"{d.label}: completed its copy and seeds", d.describe())
                r.check(rc == 0 and took < 5, f"{d.label}: exit 0 on SIGTERM ({took:.1f} s)",
                        f"exit {rc} after {took:.1f} s; stderr: {d.stderr().strip()!r}")
                d.uploaded = last.get("uploaded", 0)
                if ok:
                    copy = os.path.join(parts, d.label.replace("partial", "part"), NAME)
                    r.check(su.same_tree(os.path.join(src, NAME), copy), f"{d.label}: data identical")
            up = sum(getattr(d, "uploaded", 0) for d in partial)
            lt_up = h.status().total_payload_upload
            # The leechers start empty and the libtorrent seeder sends at most 4 MiB/s: most of
            # the 100 MiB they take comes from the partial seeders (then from each other).
            r.check(up > 0, f"the partial seeders report uploading {up / 2**20:.1f} MiB "
                            f"(the libtorrent seeder uploaded {lt_up / 2**20:.1f} MiB)")
        finally:
            for d in procs:
                su.stop(d.proc)
            if h is not None:
                ses.remove_torrent(h)
            su.stop(tracker)
    print(f"swarm download: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
