#!/usr/bin/python3
"""Local Service Discovery (BEP 14) between two actorrent clients, with no tracker and no
--peer: they find each other only through multicast announces.

Multicast must not leave the machine, so the test makes its own network namespace (lo up,
multicast on) and runs there; it is skipped, saying why, where namespaces cannot be made
(not root, no `ip`). Checks:
  * a seeder and a leecher of a public torrent, LSD on (interface 127.0.0.1): the leecher
    completes with identical data, and its message log shows the seeder found by LSD;
  * a private torrent (BEP 27) is never announced: a leecher with LSD on finds nobody in
    10 s (several announce rounds of the public case) and no LSD peer reaches its torrent;
  * with libtorrent (its LSD on, in the same namespace): our leecher finds a libtorrent seeder
    by its announces, and a libtorrent leecher hears ours (lsd_peer_alert) and completes.
Usage: lsd_test.py PATH/TO/actorrent
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

SIZE = 6 * 1024 * 1024 + 99
TIMEOUT = 60
INSIDE = "--inside-namespace"
GROUP, PORT = "239.192.152.143", 6771


def lsd_config(path, state):
    with open(path, "w") as f:
        json.dump({"lsd": {"enabled": True, "interface": "127.0.0.1"}, "state_dir": state}, f)
    return path


def lsd_peers(log_path):
    """Addresses the LSD actor handed to torrents, from a message log."""
    found = set()
    for x in su.message_log_records(log_path):
        if x.get("type") == "peers_discovered" and x.get("fields", {}).get("source") == "lsd":
            found.update(str(p) for p in x["fields"].get("peers", []))
    return found


def hostile(r, label, seeder):
    """Garbage on the group: the seeder logs each (debug) with the sender and goes on."""
    junk = [b"\x00" * 100, b"BT-SEARCH * HTTP/1.1\r\nPort: 99999\r\nInfohash: 12\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n", os.urandom(9000)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        for j in junk:
            s.sendto(j, (GROUP, PORT))
    logged = su.wait_until(lambda: su.file_contains(seeder.err_path, "Port: expected 1..65535"), 5)
    r.check(logged and seeder.proc.poll() is None,
            f"{label}: bad announces on the group are logged with their sender, the seeder goes on",
            seeder.stderr())


def swarm(binary, tmp, r, label, private):
    work = os.path.join(tmp, label)
    src = os.path.join(work, "src")
    su.make_tree(src, {"data.bin": SIZE})
    torrent = os.path.join(work, "t.torrent")
    cmd = [binary, "create", os.path.join(src, "data.bin"), "-o", torrent, "--piece-size", "32K"]
    subprocess.run(cmd + (["--private"] if private else []), check=True, stdout=subprocess.DEVNULL)
    seed_cfg = lsd_config(os.path.join(work, "seed.json"), os.path.join(work, "seed.state"))
    leech_cfg = lsd_config(os.path.join(work, "leech.json"), os.path.join(work, "leech.state"))
    leech_log = os.path.join(work, "leech.msglog")
    seed_log = os.path.join(work, "seed.msglog")
    seeder = su.start_seed(binary, torrent, src, work, "seeder", 0,
                           extra=["-c", seed_cfg, "--message-log", seed_log, "--log-level", "debug"])
    leecher = None
    try:
        if not r.check(su.wait_for_state(seeder, ("seeding",), 30), f"{label}: the seeder seeds",
                       seeder.describe()):
            return
        if not private:
            hostile(r, label, seeder)
        leecher = su.Downloader(binary, torrent, os.path.join(work, "out"), work, "leecher",
                                extra=["-c", leech_cfg, "--message-log", leech_log])
        if not private:
            rc = leecher.wait(TIMEOUT)
            same = rc == 0 and su.same_tree(src, os.path.join(work, "out"))
            r.check(same, f"{label}: the leecher found the seeder by LSD and completed, data identical "
                          f"({leecher.elapsed:.1f} s)", leecher.describe())
            # The seeder announced before the leecher listened; the leecher's announce at its
            # start is what the seeder hears, and it dials the leecher.
            found = lsd_peers(seed_log) | lsd_peers(leech_log)
            r.check(found, f"{label}: the message logs show the peer found by LSD: {sorted(found)}")
        else:
            time.sleep(10)
            last = leecher.last() or {}
            found = lsd_peers(seed_log) | lsd_peers(leech_log)
            r.check(leecher.proc.poll() is None and last.get("peers") == 0 and last.get("pieces_have") == 0
                    and not found,
                    f"{label}: nobody found in 10 s, no LSD peer given to the torrent",
                    f"lsd peers {sorted(found)}; " + leecher.describe())
    finally:
        for p in (leecher, seeder):
            if p is not None:
                p.stop()


def lt_lsd_session():
    import libtorrent as lt
    return lt.session({
        "listen_interfaces": "127.0.0.1:0", "enable_lsd": True,
        "enable_dht": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.all_categories,
    })


def with_libtorrent(binary, tmp, r):
    import libtorrent as lt
    work = os.path.join(tmp, "libtorrent")
    src = os.path.join(work, "src")
    su.make_tree(src, {"data.bin": SIZE})
    torrent = os.path.join(work, "t.torrent")
    subprocess.run([binary, "create", os.path.join(src, "data.bin"), "-o", torrent, "--piece-size", "32K"],
                   check=True, stdout=subprocess.DEVNULL)
    ti = lt.torrent_info(torrent)

    # libtorrent seeds; our leecher starts after its first announce and must hear a later one
    # (libtorrent repeats its first announces quickly) or be heard and dialed.
    ses = lt_lsd_session()
    h = ses.add_torrent({"ti": ti, "save_path": src})
    leecher = None
    try:
        r.check(su.wait_until(lambda: h.status().is_seeding, 20), "libtorrent seeds with LSD on")
        cfg = lsd_config(os.path.join(work, "leech.json"), os.path.join(work, "leech.state"))
        leecher = su.Downloader(binary, torrent, os.path.join(work, "out"), work, "leecher", extra=["-c", cfg])
        rc = leecher.wait(TIMEOUT)
        r.check(rc == 0 and su.same_tree(src, os.path.join(work, "out")),
                f"our leecher found the libtorrent seeder by LSD, data identical ({leecher.elapsed:.1f} s)",
                leecher.describe())
    finally:
        if leecher is not None:
            leecher.stop()
        ses.remove_torrent(h)
        del ses

    # A libtorrent leecher first; our seeder's announce at its start must reach it.
    ses = lt_lsd_session()
    out = os.path.join(work, "lt-out")
    os.makedirs(out, exist_ok=True)
    h = ses.add_torrent({"ti": ti, "save_path": out})
    seeder = None
    heard, lsd_lines = [], []

    def watch():
        for a in ses.pop_alerts():
            m = a.message()
            if "LSD" in m:
                lsd_lines.append(m)
            if a.what() == "lsd_peer":  # the python binding has no class for it
                heard.append(m)
    try:
        # Our seeder announces once at its start (then every 5 minutes): libtorrent must be
        # listening by then. Its own first announce says its LSD socket is up (on a loaded
        # machine that took more than the 2 s this test once waited blindly).
        up = su.wait_until(lambda: watch() or any("==> LSD" in m for m in lsd_lines), 20, step=0.1)
        r.check(up, "libtorrent's LSD is up (it announced)", "; ".join(lsd_lines[-5:]))
        cfg = lsd_config(os.path.join(work, "seed.json"), os.path.join(work, "seed.state"))
        seeder = su.start_seed(binary, torrent, src, work, "seeder", 0, extra=["-c", cfg])

        def done():
            watch()
            return h.status().is_seeding and heard
        # Our seeder may dial libtorrent first (it hears libtorrent's repeated announces) and
        # finish it before its own announce goes out: wait for both.
        su.wait_until(done, TIMEOUT, step=0.2)
        ok = h.status().is_seeding
        r.check(heard, f"libtorrent heard our seeder's LSD announce: {heard}",
                "libtorrent's LSD log: " + "; ".join(lsd_lines[-8:]))
        r.check(ok and su.lt_same_tree(src, out), "the libtorrent leecher completed, data identical",
                f"progress {h.status().progress:.2f}; " + seeder.describe())
    finally:
        if seeder is not None:
            seeder.stop()
        ses.remove_torrent(h)


def inside(binary):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "link", "set", "lo", "multicast", "on"], check=True)
    r = su.results()
    with tempfile.TemporaryDirectory() as tmp:
        swarm(binary, tmp, r, "public", private=False)
        swarm(binary, tmp, r, "private", private=True)
        try:
            import libtorrent  # noqa: F401
            with_libtorrent(binary, tmp, r)
        except ImportError:
            print("SKIPPED the libtorrent part: python3-libtorrent is not installed")
    return r.finish()


def main():
    if len(sys.argv) > 2 and sys.argv[2] == INSIDE:
        return inside(os.path.abspath(sys.argv[1]))
    binary = su.our_binary("download")
    if binary is None:
        return 1
    if os.geteuid() != 0 or shutil.which("ip") is None:
        su.skip("a network namespace is needed (multicast must not leave the machine): "
                + ("not root" if os.geteuid() != 0 else "no `ip` command (iproute2)"))
    ns = f"actorrent-lsd-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
    if made.returncode != 0:
        su.skip(f"cannot create a network namespace: {made.stderr.strip()}")
    t0 = time.time()
    try:
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), binary, INSIDE],
                            timeout=240).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])
    print(f"lsd: {time.time() - t0:.1f} s")
    return rc


if __name__ == "__main__":
    sys.exit(main())
