#!/usr/bin/python3
"""Our tracker server, used by real clients for every peer they find.

Two libtorrent sessions complete a transfer with peers only from `actorrent tracker`, once
over HTTP and once over UDP; then a transmission-cli seeder and an aria2c downloader do
the same, over HTTP and over UDP (transmission drops 127.x peers that trackers give it but
accepts incoming connections, so it seeds). The data must arrive identical.
Usage: tracker_swarm_test.py PATH/TO/actorrent
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import swarm_util as su  # noqa: E402


def libtorrent_transfer(binary, tmp, tracker_url, label, r):
    import libtorrent as lt
    src = os.path.join(tmp, f"src-{label}")
    su.make_tree(os.path.join(src, "payload"), {"a.bin": 3_000_000, "sub/b.bin": 1_234_567, "c.txt": 999})
    torrent = os.path.join(tmp, f"{label}.torrent")
    subprocess.run([binary, "create", os.path.join(src, "payload"), "-o", torrent, "-t", tracker_url,
                    "--piece-size", "64K"], check=True, stdout=subprocess.DEVNULL)
    seeder, leecher = su.lt_session(), su.lt_session()
    ti = lt.torrent_info(torrent)
    hs = seeder.add_torrent({"ti": ti, "save_path": src})
    r.check(su.wait_for_tracker_reply(seeder, hs), f"{label}: libtorrent seeder announced to our tracker")
    dst = os.path.join(tmp, f"dst-{label}")
    hl = leecher.add_torrent({"ti": lt.torrent_info(torrent), "save_path": dst})
    done = su.wait_until(lambda: hl.status().is_seeding, 60)
    r.check(done, f"{label}: libtorrent leecher completed with peers from our tracker",
            f"progress {hl.status().progress:.2f}, peers {hl.status().num_peers}")
    r.check(done and su.lt_same_tree(os.path.join(src, "payload"), os.path.join(dst, "payload")),
            f"{label}: data identical")
    for s, h in ((seeder, hs), (leecher, hl)):
        s.remove_torrent(h)


def transmission_to_aria2(binary, tmp, tracker_url, label, r):
    src = os.path.join(tmp, f"src-tr-{label}")
    su.make_tree(os.path.join(src, "album"), {"1.flac": 2_500_000, "2.flac": 1_500_001})
    torrent = os.path.join(tmp, f"tr-{label}.torrent")
    subprocess.run([binary, "create", os.path.join(src, "album"), "-o", torrent, "-t", tracker_url,
                    "--piece-size", "32K"], check=True, stdout=subprocess.DEVNULL)
    cfg = os.path.join(tmp, f"transmission-config-{label}")
    os.makedirs(cfg)
    with open(os.path.join(cfg, "settings.json"), "w") as f:
        json.dump({"dht-enabled": False, "lpd-enabled": False, "utp-enabled": False,
                   "pex-enabled": False, "port-forwarding-enabled": False,
                   "peer-port-random-on-start": False, "encryption": 1}, f)
    seeder = subprocess.Popen(["transmission-cli", "-g", cfg, "-w", src, "-p", str(su.free_port()), torrent],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dst = os.path.join(tmp, f"dst-aria2-{label}")
    try:
        time.sleep(3)  # transmission verifies the data, then announces "started"
        # aria2c speaks to UDP trackers only through its IPv4 DHT socket (its manual: "UDP
        # tracker support is enabled when IPv4 DHT is enabled"). With no entry points and a
        # fresh DHT file it knows no nodes, so nothing leaves loopback.
        dht = ["--enable-dht=true", f"--dht-listen-port={su.free_port(socket.SOCK_DGRAM)}",
               f"--dht-file-path={os.path.join(tmp, 'dht-' + label + '.dat')}"] \
            if label == "udp" else ["--enable-dht=false"]
        leech = subprocess.run(["aria2c", *dht, "--enable-dht6=false",
                                "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                                "--seed-time=0", "--bt-stop-timeout=90", f"--listen-port={su.free_port()}",
                                "--console-log-level=warn", "--summary-interval=0",
                                "-d", dst, torrent], capture_output=True, text=True, timeout=150)
        ok = leech.returncode == 0 and su.same_tree(os.path.join(src, "album"), os.path.join(dst, "album"))
        r.check(ok, f"{label}: transmission-cli seeds to aria2c with peers from our tracker, data identical",
                leech.stdout[-800:] + leech.stderr[-800:])
    finally:
        su.stop(seeder)


def main():
    su.require(tools=("aria2c", "transmission-cli"), libtorrent=True)
    binary = sys.argv[1]
    r = su.results()
    with tempfile.TemporaryDirectory() as tmp:
        tracker, http_port, udp_port = su.start_tracker(binary, tmp)
        try:
            libtorrent_transfer(binary, tmp, f"http://127.0.0.1:{http_port}/announce", "http", r)
            libtorrent_transfer(binary, tmp, f"udp://127.0.0.1:{udp_port}/announce", "udp", r)
            transmission_to_aria2(binary, tmp, f"http://127.0.0.1:{http_port}/announce", "http", r)
            transmission_to_aria2(binary, tmp, f"udp://127.0.0.1:{udp_port}/announce", "udp", r)
        finally:
            su.stop(tracker)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
