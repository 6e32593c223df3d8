#!/usr/bin/python3
"""Supervision and faults with real processes: the download goes on and loses nothing.

1. Peer actors killed every 0.5 s (fault injection, `faults.kill_peer_every_ms`): a 64 MiB
   download from three `actorrent seed` processes, rate-limited so that it lasts seconds,
   completes with identical data, and its --json-progress shows the restarts ("supervision":
   per actor kind, restarts and last failure). The seeders together uploaded at most 1.25 ×
   the torrent: killed peers' requests went back to the piece manager, not fetched twice.
2. Disk full: the download directory is a 24 MiB tmpfs for a 32 MiB torrent. The torrent
   pauses with a "disk full" reason; nothing verified is lost (pieces_have never goes down);
   once the tmpfs is grown (space freed), the download resumes and completes identical.
   Skipped, with the reason, where a tmpfs cannot be mounted (not root, no mount namespace).
Usage: supervision_test.py PATH/TO/actorrent
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

MiB = 1024 * 1024


def write_random(path, size, seed):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    import random
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, MiB)
            f.write(rng.randbytes(n))
            left -= n


def write_config(path, config):
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def seeders(binary, torrent, src, tmp, count):
    out = []
    for i in range(count):
        port = su.free_port()
        out.append((su.start_seed(binary, torrent, src, tmp, f"seed-{i}", port,
                                  extra=["--state-dir", os.path.join(tmp, f"seed-state-{i}")]), port))
    return out


def uploaded_total(seeds):
    return sum((s.last() or {}).get("uploaded", 0) for s, _ in seeds)


def killed_peers_case(binary, tmp, r):
    size = 64 * MiB
    src = os.path.join(tmp, "src")
    write_random(os.path.join(src, "big.bin"), size, 1)
    torrent = su.create_torrent(binary, os.path.join(src, "big.bin"), os.path.join(tmp, "big.torrent"),
                                piece_size="256K")
    seeds = seeders(binary, torrent, src, tmp, 3)
    dl = None
    try:
        ok = all(su.wait_for_state(s, ("seeding",), 30) for s, _ in seeds)
        r.check(ok, "three actorrent seeders seed the 64 MiB torrent",
                "; ".join(s.describe() for s, _ in seeds))
        if not ok:
            return
        cfg = write_config(os.path.join(tmp, "kill.json"), {
            "faults": {"kill_peer_every_ms": 500, "seed": 7},
            "supervision": {"initial_delay_ms": 50, "max_delay_ms": 400, "max_restarts": 100000,
                            "window_s": 60},
        })
        out = os.path.join(tmp, "out-kill")
        dl = su.Downloader(binary, torrent, out, tmp, "kill-dl", peers=[f"127.0.0.1:{p}" for _, p in seeds],
                           extra=["-c", cfg, "--state-dir", os.path.join(tmp, "kill-state"),
                                  "--download-limit", str(8 * MiB), "--log-level", "info"])
        rc = dl.wait(90)
        r.check(rc == 0, "with a peer actor killed every 0.5 s, the download completes", dl.describe())
        same = rc == 0 and filecmp.cmp(os.path.join(src, "big.bin"), os.path.join(out, "big.bin"), shallow=False)
        r.check(same, "the data is identical")
        last = dl.last() or {}
        peer = (last.get("supervision") or {}).get("peer") or {}
        r.check(peer.get("restarts", 0) >= 5 and "fault injection" in peer.get("last_failure", ""),
                f"the stats show the restarts: {peer.get('restarts', 0)} peer restarts, last failure "
                f"{peer.get('last_failure', '')!r}; {last.get('restarts')} in all", json.dumps(last)[:600])
        log = su.tail(dl.err_path, 200000)
        kills = log.count("fault injection: killing the peer actor")
        r.check(kills >= 5, f"the log names each injected kill ({kills})", su.tail(log, 600))
        # The seeders' counters are reported once a second: give them a moment.
        time.sleep(1.5)
        up = uploaded_total(seeds)
        r.check(size <= up <= 1.25 * size,
                f"the seeders uploaded {up / size:.3f} x the torrent (at most 1.25: requests of a "
                f"killed peer go back to the picker, verified pieces are never fetched twice)")
    finally:
        if dl:
            dl.stop()
        for s, _ in seeds:
            s.stop()


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                         capture_output=True, text=True)
    return res.returncode == 0, res.stderr.strip()


def disk_full_case(binary, tmp, r):
    mnt = os.path.join(tmp, "small-disk")
    mounted, why = mount_tmpfs(mnt, "24m")
    if not mounted:
        print(f"SKIP disk full: cannot mount a tmpfs ({why or 'mount failed'}); needs root")
        return
    seeds, dl = [], None
    try:
        size = 32 * MiB
        src = os.path.join(tmp, "src-full")
        write_random(os.path.join(src, "full.bin"), size, 2)
        torrent = su.create_torrent(binary, os.path.join(src, "full.bin"), os.path.join(tmp, "full.torrent"),
                                    piece_size="256K")
        seeds = seeders(binary, torrent, src, tmp, 1)
        if not su.wait_for_state(seeds[0][0], ("seeding",), 30):
            r.check(False, "the seeder seeds", seeds[0][0].describe())
            return
        cfg = write_config(os.path.join(tmp, "full.json"), {"disk": {"full_retry_s": 1}})
        dl = su.Downloader(binary, torrent, mnt, tmp, "full-dl", peers=[f"127.0.0.1:{seeds[0][1]}"],
                           extra=["-c", cfg, "--state-dir", os.path.join(tmp, "full-state"),
                                  "--download-limit", str(16 * MiB)])
        paused = su.wait_until(lambda: dl.state() == "paused" or dl.proc.poll() is not None, 60, step=0.2)
        last = dl.last() or {}
        r.check(paused and dl.state() == "paused" and "disk full" in last.get("error", ""),
                f"the torrent pauses with a disk-full reason: {last.get('error', '')!r}", dl.describe())
        if dl.state() != "paused":
            return
        have_at_pause = last.get("pieces_have", 0)
        r.check(have_at_pause > 0, f"{have_at_pause} pieces verified before the disk filled up")
        time.sleep(2.5)  # two retries find the disk still full
        r.check(dl.state() == "paused" and dl.proc.poll() is None,
                "while the disk stays full the torrent stays paused and the process runs", dl.describe())
        subprocess.run(["mount", "-o", "remount,size=64m", mnt], check=True)
        rc = dl.wait(60)
        r.check(rc == 0, "after space is freed, the download resumes and completes", dl.describe())
        r.check(rc == 0 and filecmp.cmp(os.path.join(src, "full.bin"), os.path.join(mnt, "full.bin"), shallow=False),
                "the data is identical")
        haves = [o.get("pieces_have", 0) for o in dl.progress()[0]]
        r.check(all(b >= a for a, b in zip(haves, haves[1:])),
                "pieces_have never went down: nothing verified was lost")
        time.sleep(1.5)
        up = uploaded_total(seeds)
        r.check(up <= 1.15 * size, f"the seeder uploaded {up / size:.3f} x the torrent (at most 1.15: "
                                   f"blocks in flight when the disk filled up, nothing verified twice)")
    finally:
        if dl:
            dl.stop()
        for s, _ in seeds:
            s.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True)


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="actorrent-supervision-") as tmp:
        killed_peers_case(binary, tmp, r)
        disk_full_case(binary, tmp, r)
    print(f"wall time {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
