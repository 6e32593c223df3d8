#!/usr/bin/python3
"""`actorrent download` when trackers are down or answer garbage (issue 6, point 6).

One torrent (6 MiB, several files, 64 KiB pieces) seeded by `actorrent seed`; all on loopback:
  1. Its announce-list holds only trackers that fail: a tier with a closed HTTP port and a
     closed UDP port, a tier with an HTTP server answering junk bencode, a tier with a UDP
     socket answering junk to each request. The download gets its seeder from --peer only:
     it must complete with identical data, and its log (--log-level info) must name every
     tracker's failure (refused, unparsable answer).
  2. First tier a dead tracker, second tier our tracker (`actorrent tracker`), where the
     seeder has announced; no --peer. Over HTTP, then over UDP: the download completes with
     peers from the second tier, and the log names the dead tracker's failure.
  3. Our tracker only, with faults.tracker_corrupt_every=1 (count 1) in a config file: its
     first answer is garbled before parsing; the log names the parse problem and says the
     fault was injected, and the download completes via --peer.
The download rate is capped (--download-limit) so that each download outlasts its tracker
round by far: the log check does not race the download's end.
Usage: tracker_failure_test.py PATH/TO/actorrent
"""
import json
import os
import socket
import socketserver
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "tracker failure set"
TOTAL = 6 * 1024 * 1024 + 777
LIMIT = 4 * 1024 * 1024  # bytes/s: each download takes about 1.5 s
TIMEOUT = 25  # per download
JUNK_BENCODE = b"d8:intervali1800e5:peers5:junk!e"  # compact peers not a multiple of 6


class JunkHTTPHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(JUNK_BENCODE)))
        self.end_headers()
        self.wfile.write(JUNK_BENCODE)

    def log_message(self, *args):
        pass


class JunkHTTPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    requests = 0


def start_junk_http():
    server = JunkHTTPServer(("127.0.0.1", 0), JunkHTTPHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server


class JunkUDP:
    """Answers each datagram with its action and transaction id (bytes 8..15 of a BEP 15
    request) and five junk bytes: the client takes it for the answer and cannot parse it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            self.requests += 1
            if len(data) >= 16:
                self.sock.sendto(data[8:16] + b"junk!", peer)

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def closed_port(kind):
    """A loopback port with nothing listening: connections are refused at once."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tracker_peers(http_port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/stats", timeout=2) as r:
            return json.loads(r.read().decode())["peers"]
    except (OSError, ValueError, KeyError):
        return 0


def log_lines(dl, url):
    """Lines of a download's log naming `url` as a failed tracker."""
    with open(dl.err_path, errors="replace") as f:
        return [line for line in f if f": tracker {url}: " in line]


def download(binary, tmp, label, torrent, src, peers=(), extra=()):
    out = os.path.join(tmp, "out-" + label)
    dl = su.Downloader(binary, torrent, out, tmp, "download-" + label, peers=peers, listen_port=su.free_port(),
                       extra=["--log-level", "info", "--download-limit", str(LIMIT),
                              "--state-dir", os.path.join(tmp, "state-" + label), *extra])
    rc = dl.wait(TIMEOUT)
    same = su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME))
    return dl, rc == 0 and same, f"exit {rc}, data {'identical' if same else 'differs'}; " + dl.describe()


def check_logged(r, label, dl, url, what):
    lines = log_lines(dl, url)
    ok = any(what in line for line in lines)
    r.check(ok, f"{label}: the log names {url}'s failure ({what})",
            f"lines naming it: {lines!r}; stderr: {dl.stderr(1500)!r}")


def only_failing_trackers(binary, tmp, r, src, seed_port):
    dead_http = f"http://127.0.0.1:{closed_port(socket.SOCK_STREAM)}/announce"
    dead_udp = f"udp://127.0.0.1:{closed_port(socket.SOCK_DGRAM)}/announce"
    junk_http = start_junk_http()
    junk_udp = JunkUDP()
    try:
        junk_http_url = f"http://127.0.0.1:{junk_http.server_address[1]}/announce"
        junk_udp_url = f"udp://127.0.0.1:{junk_udp.port}/announce"
        torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "failing.torrent"),
                                    [f"{dead_http},{dead_udp}", junk_http_url, junk_udp_url], "64K")
        label = "dead and junk trackers only"
        dl, ok, detail = download(binary, tmp, "failing", torrent, src, peers=[f"127.0.0.1:{seed_port}"])
        r.check(ok, f"{label}: download via --peer completes, data identical ({dl.elapsed:.1f} s)", detail)
        r.check(junk_http.requests >= 1 and junk_udp.requests >= 1,
                f"{label}: the junk trackers were asked", f"HTTP {junk_http.requests}, UDP {junk_udp.requests}")
        check_logged(r, label, dl, dead_http, "Couldn't connect to server")
        check_logged(r, label, dl, dead_udp, "connection refused")
        check_logged(r, label, dl, junk_http_url, "'peers' is 5 bytes, not a multiple of 6")
        check_logged(r, label, dl, junk_udp_url, "connect response needs at least 16 bytes, got 13")
    finally:
        junk_http.shutdown()
        junk_http.server_close()
        junk_udp.close()


def second_tier_works(binary, tmp, r, src, http_port, udp_port):
    for scheme, port, kind in (("http", http_port, socket.SOCK_STREAM), ("udp", udp_port, socket.SOCK_DGRAM)):
        dead = f"{scheme}://127.0.0.1:{closed_port(kind)}/announce"
        ours = f"{scheme}://127.0.0.1:{port}/announce"
        torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, f"tiers-{scheme}.torrent"),
                                    [dead, ours], "64K")
        label = f"dead first tier, our tracker second ({scheme.upper()})"
        dl, ok, detail = download(binary, tmp, "tiers-" + scheme, torrent, src)
        r.check(ok, f"{label}: download with peers from the second tier, data identical ({dl.elapsed:.1f} s)",
                detail)
        check_logged(r, label, dl, dead, "Couldn't connect to server" if scheme == "http" else "connection refused")


def injected_corruption(binary, tmp, r, src, http_port, seed_port):
    """faults.tracker_corrupt (config file): our tracker's first answer is garbled before it is
    parsed; the log names the parse problem and the injection, and --peer still serves."""
    ours = f"http://127.0.0.1:{http_port}/announce"
    torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "ours.torrent"), [ours], "64K")
    cfg = os.path.join(tmp, "corrupt.json")
    with open(cfg, "w") as f:
        json.dump({"faults": {"tracker_corrupt_every": 1, "tracker_corrupt_count": 1}}, f)
    label = "faults.tracker_corrupt_every=1"
    dl, ok, detail = download(binary, tmp, "corrupt", torrent, src, peers=[f"127.0.0.1:{seed_port}"],
                              extra=["-c", cfg])
    r.check(ok, f"{label}: download via --peer completes, data identical ({dl.elapsed:.1f} s)", detail)
    check_logged(r, label, dl, ours, "answer is not bencode")
    check_logged(r, label, dl, ours, "[fault injection: answer garbled]")


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        su.make_tree(os.path.join(src, NAME), su.uneven_files(5, TOTAL))
        tracker, http_port, udp_port = su.start_tracker(binary, tmp)
        seeder = None
        try:
            # The seeder's torrent: a dead first tier, then our tracker over HTTP. Every torrent
            # of this test has the same info dictionary, so the same info-hash and swarm.
            dead = f"http://127.0.0.1:{closed_port(socket.SOCK_STREAM)}/announce"
            seed_torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "seed.torrent"),
                                             [dead, f"http://127.0.0.1:{http_port}/announce"], "64K")
            seed_port = su.free_port()
            seeder = su.start_seed(binary, seed_torrent, src, tmp, "seeder", seed_port,
                                   extra=["--state-dir", os.path.join(tmp, "state-seeder")])
            up = su.wait_until(lambda: tracker_peers(http_port) >= 1 or seeder.proc.poll() is not None, 15, 0.2)
            r.check(up and seeder.proc.poll() is None,
                    "seeder announced to our tracker through its second tier", seeder.describe())
            if not r.failed:
                only_failing_trackers(binary, tmp, r, src, seed_port)
                second_tier_works(binary, tmp, r, src, http_port, udp_port)
                injected_corruption(binary, tmp, r, src, http_port, seed_port)
        finally:
            if seeder is not None:
                rc, took = seeder.stop()
                r.check(rc == 0, f"seeder exits 0 on SIGTERM ({took:.1f} s)", seeder.describe())
            su.stop(tracker)
    print(f"tracker failure: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
