#!/usr/bin/python3
"""Magnet links and metadata exchange (BEP 9, BEP 10) with real peers.

  - serving: `actorrent seed` has a torrent (40 MiB, 7 files, 16 KiB pieces: 2561 hashes, so
    that its info dictionary spans four 16 KiB metadata pieces, the last one short);
    a libtorrent session given only a magnet link and our address fetches the info
    dictionary from us, checks it against the info-hash, and downloads the data, identical.
    Our message log shows the extension handshake both ways with libtorrent's client name.
  - fetching: `actorrent download 'magnet:?xt=urn:btih:…'` from a libtorrent seeder given
    only as x.pe, then only through a tracker (ours; tr=): the metadata is fetched and
    verified, kept as STATE_DIR/<info-hash>.torrent (identical info-hash by `actorrent info`),
    the data is identical; a second download of the same link starts from the kept file.
  - hostile metadata: fake peers listed before an honest libtorrent seeder in x.pe — one
    announcing a wrong size and sending garbage, one announcing the right size and sending
    a piece that fails the hash, one announcing a 1 GiB dictionary: the download completes
    with the honest peer's metadata, identical data, and the log names what was refused.
Usage: magnet_test.py PATH/TO/actorrent
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "magnet set"
TOTAL = 40 * 1024 * 1024 + 4321
TIMEOUT = 60


def wire_events(path, what):
    """The message log's `wire` records of one kind."""
    return [rec for rec in su.message_log_records(path)
            if rec.get("event") == "wire" and rec.get("what") == what]


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
        r.check(done and su.lt_same_tree(os.path.join(src, NAME), os.path.join(dst, NAME)),
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


def make_source(binary, tmp, name, trackers=()):
    """A 40 MiB, 7-file torrent of random data (four metadata pieces); returns (src, torrent, hash)."""
    src = os.path.join(tmp, name + "-src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(7, TOTAL))
    torrent = os.path.join(tmp, name + ".torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent, trackers=trackers, piece_size="16K")
    return src, torrent, su.info_hash(binary, torrent)


def magnet_download(binary, tmp, r, label, link, src, info_hash, meanwhile=None):
    """`actorrent download LINK`; checks completion, data and the kept .torrent; returns the log.
    `meanwhile` runs while the download does."""
    out = os.path.join(tmp, label + "-out")
    state = os.path.join(tmp, label + "-state")
    t0 = time.time()
    proc = subprocess.Popen([binary, "download", link, "-o", out, "--state-dir", state,
                             "--listen-port", "0", "--quiet", "--log-level", "info"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if meanwhile:
        meanwhile()
    try:
        _, text = proc.communicate(timeout=TIMEOUT + 30)
    except subprocess.TimeoutExpired:
        su.stop(proc)
        _, text = proc.communicate()
    res = proc
    took = time.time() - t0
    r.check(res.returncode == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME)),
            f"{label}: the magnet download completes, data identical ({took:.1f} s)",
            f"exit {res.returncode}: {su.tail(text)}")
    kept = os.path.join(state, info_hash + ".torrent")
    ok = os.path.exists(kept) and su.info_hash(binary, kept) == info_hash
    r.check(ok, f"{label}: the metadata is kept as STATE_DIR/{info_hash[:8]}….torrent with the same info-hash",
            f"{kept} exists: {os.path.exists(kept)}")
    return out, state, text


def fetch_from_libtorrent(binary, tmp, r):
    import libtorrent as lt
    src, torrent, info_hash = make_source(binary, tmp, "xpe")
    ses = su.lt_session()
    h = su.lt_seed(ses, torrent, src)
    if h is None:
        r.check(False, "x.pe: libtorrent seeds the torrent")
        return
    port = ses.listen_port()
    link = f"magnet:?xt=urn:btih:{info_hash}&dn=magnet+set&x.pe=127.0.0.1:{port}"
    out, state, text = magnet_download(binary, tmp, r, "x.pe", link, src, info_hash)
    r.check("metadata verified" in text, "x.pe: the log says the metadata was verified",
            su.tail(text))
    # Again, with the kept .torrent: no fetch (the log would say so), same result.
    import shutil
    shutil.rmtree(out, ignore_errors=True)
    res = subprocess.run([binary, "download", link, "-o", out, "--state-dir", state,
                          "--listen-port", "0", "--quiet"], capture_output=True, text=True,
                         timeout=TIMEOUT + 30)
    r.check(res.returncode == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME))
            and "fetching the metadata" not in res.stdout + res.stderr,
            "x.pe: a second download of the link starts from the kept .torrent",
            f"exit {res.returncode}: {(res.stdout + res.stderr)[-600:]}")
    ses.remove_torrent(h)
    del lt


def fetch_via_tracker(binary, tmp, r):
    tracker, http_port, _ = su.start_tracker(binary, tmp, interval=2)
    try:
        url = f"http://127.0.0.1:{http_port}/announce"
        src, torrent, info_hash = make_source(binary, tmp, "tr", trackers=[url])
        ses = su.lt_session()
        h = su.lt_seed(ses, torrent, src)
        if h is None:
            r.check(False, "tr: libtorrent seeds the torrent")
            return
        su.wait_for_tracker_reply(ses, h)
        link = f"magnet:?xt=urn:btih:{info_hash}&tr={url}"
        magnet_download(binary, tmp, r, "tr", link, src, info_hash)
        ses.remove_torrent(h)
    finally:
        su.stop(tracker)


class FakePeer:
    """A BitTorrent peer that only does the handshakes and answers ut_metadata requests
    badly, in one of three ways (`mode`): "size" announces the right size + 1000 and sends
    garbage; "bad" announces the right size and sends garbage; "huge" announces 1 GiB."""

    def __init__(self, info_hash, size, mode):
        self.info_hash = bytes.fromhex(info_hash)
        self.size = size
        self.mode = mode
        self.requests = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped = True
        self.thread.join(5)
        self.sock.close()

    def serve(self):
        deadline = time.time() + 120
        while not self.stopped and time.time() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    @staticmethod
    def read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def talk(self, conn):
        conn.settimeout(30)
        try:
            self.read(conn, 68)
            reserved = bytearray(8)
            reserved[5] |= 0x10
            conn.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + self.info_hash + b"-FK0001-fakefakefake")
            size = {"size": self.size + 1000, "bad": self.size, "huge": 1 << 30}[self.mode]
            hs = b"d1:md11:ut_metadatai3ee13:metadata_sizei%de1:v4:fakee" % size
            conn.sendall(struct.pack(">IBB", len(hs) + 2, 20, 0) + hs)
            ours = None  # our ut_metadata id, from our handshake
            while not self.stopped:
                (length,) = struct.unpack(">I", self.read(conn, 4))
                body = self.read(conn, length) if length else b""
                if not body or body[0] != 20:
                    continue
                if body[1] == 0:
                    i = body.find(b"11:ut_metadatai")
                    if i >= 0:
                        ours = int(body[i + 15:body.index(b"e", i + 15)])
                    continue
                if body[1] == 3 and ours is not None:
                    i = body.find(b"5:piecei")
                    piece = int(body[i + 8:body.index(b"e", i + 8)])
                    self.requests += 1
                    total = self.size + 1000 if self.mode == "size" else self.size
                    n = min(16384, total - piece * 16384)
                    payload = b"d8:msg_typei1e5:piecei%de10:total_sizei%dee" % (piece, total) + b"\xab" * n
                    conn.sendall(struct.pack(">IBB", len(payload) + 2, 20, ours) + payload)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            conn.close()


def hostile_metadata(binary, tmp, r):
    """The honest seeder's session listens from the start but has the torrent only once both
    fake peers have been asked for pieces: until then a connection to it is refused, and the
    fetcher tries it again later."""
    import libtorrent as lt
    src, torrent, info_hash = make_source(binary, tmp, "hostile")
    size = len(lt.torrent_info(torrent).info_section())
    ses = su.lt_session()
    fakes = [FakePeer(info_hash, size, mode) for mode in ("size", "bad", "huge")]
    handles = []

    def honest_later():
        su.wait_until(lambda: fakes[0].requests > 0 and fakes[1].requests > 0, 20)
        h = su.lt_seed(ses, torrent, src)
        r.check(h is not None, "hostile: libtorrent seeds the torrent once the fakes were asked")
        handles.append(h)

    try:
        pe = "".join(f"&x.pe=127.0.0.1:{f.port}" for f in fakes)
        link = f"magnet:?xt=urn:btih:{info_hash}{pe}&x.pe=127.0.0.1:{ses.listen_port()}"
        _, _, text = magnet_download(binary, tmp, r, "hostile", link, src, info_hash,
                                     meanwhile=honest_later)
        r.check(fakes[0].requests > 0 and fakes[1].requests > 0,
                f"hostile: the fake peers were asked for pieces (wrong size: {fakes[0].requests}, "
                f"bad data: {fakes[1].requests})")
        banned = [f"127.0.0.1:{f.port}: banned" for f in fakes[:2]]
        r.check("does not match the info-hash" in text and all(b in text for b in banned),
                "hostile: metadata that did not match the info-hash was refused, and both fake "
                "peers that sent it were banned (named in the log)", su.tail(text, 2000))
        r.check("metadata_size" in text or "bad extension handshake" in text,
                "hostile: the peer announcing 1 GiB was cut off, named in the log", su.tail(text))
    finally:
        for f in fakes:
            f.stop()
        for h in handles:
            if h is not None:
                ses.remove_torrent(h)


def run_config_waits_for_no_magnet(binary, tmp, r):
    """`run -c`: a magnet whose only peer never answers does not hold up a .torrent beside it."""
    src, torrent, info_hash = make_source(binary, tmp, "cfg")
    port = su.free_port()
    seeder = su.start_seed(binary, torrent, src, tmp, "cfg-seed", port, extra=["--no-dht"])
    dead = su.free_port()  # nothing listens there
    stuck = "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=never&x.pe=127.0.0.1:" + str(dead)
    out = os.path.join(tmp, "cfg-out")
    config = os.path.join(tmp, "cfg.json")
    with open(config, "w") as f:
        json.dump({"download_dir": out, "state_dir": os.path.join(tmp, "cfg-state"),
                   "listen": {"address": "127.0.0.1", "port": 0}, "dht": {"enabled": False},
                   "torrents": [{"source": stuck, "seed": False},
                                {"source": torrent, "peers": [f"127.0.0.1:{port}"], "seed": False}]}, f)
    proc = None
    try:
        if not r.check(su.wait_for_state(seeder, ("seeding",), 60), "run -c: the seeder seeds", seeder.describe()):
            return
        proc = subprocess.Popen([binary, "run", "-c", config, "--quiet"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        t0 = time.time()
        done = su.wait_until(lambda: su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME)), TIMEOUT)
        r.check(done and proc.poll() is None,
                f"run -c: the .torrent downloads ({time.time() - t0:.1f} s) while the magnet beside it still waits for its metadata",
                f"running: {proc.poll() is None}")
    finally:
        if proc:
            su.stop(proc)
        su.stop(seeder.proc)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: magnet_test.py PATH/TO/actorrent")
    su.require(libtorrent=True)
    binary = os.path.abspath(sys.argv[1])
    r = su.results()
    with tempfile.TemporaryDirectory(prefix="actorrent-magnet-") as tmp:
        libtorrent_fetches_our_metadata(binary, tmp, r)
        fetch_from_libtorrent(binary, tmp, r)
        fetch_via_tracker(binary, tmp, r)
        hostile_metadata(binary, tmp, r)
        run_config_waits_for_no_magnet(binary, tmp, r)
    sys.exit(r.finish())


if __name__ == "__main__":
    main()
