#!/usr/bin/python3
"""Hostile peers and hostile torrents against actorrent, over real loopback sockets.

Part 1, the wire. Scripted peers (a small peer-wire implementation below) break the protocol
one way each, and for each of them: the bad peer's connection is closed (it sees EOF or a
reset), a log line names the violation and the peer's address, the peer is not called again
where a violation or a ban makes it pointless, and the good peers' work goes on.
  * against a seeder (`actorrent seed`, the scripted peer a leecher): a request for a piece
    out of range, past the end of a piece, of 1 MiB; a flood of requests while choked, and
    one while unchoked (capped: refused beyond the queue, then cut off); `have` out of range;
    a bitfield of the wrong length; a handshake never finished; a wrong info-hash;
  * against a downloader (`actorrent download`, the scripted peers seeders it is told of
    with --peer, plus two that connect to it): a wrong info-hash; a length prefix of 2^31;
    a bitfield of the wrong length, one with spare bits set; `have` out of range; a piece
    never requested; blocks that fail the hash (banned after `picker.max_hash_failures`); a
    peer that sends one byte a second (more often than the idle timeout, never a whole
    message); a handshake never finished, outgoing and incoming; a wrong info-hash incoming.
  Meanwhile the downloader fetches everything from the seeder, which was attacked first: the
  data must arrive complete and identical.
Part 2, the disk. Torrents whose paths try `..` or an absolute path are refused with an error
naming the field; a symlink planted in the download directory is not followed (the download
fails naming the path, nothing appears outside, and `verify` does not count data outside).

Timeouts are shortened by config (handshake 2 s, idle 3 s) so that the test takes seconds.
Usage: hostile_peer_test.py PATH/TO/actorrent
"""
import hashlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

PIECE = 32 * 1024
TOTAL = 4 * 1024 * 1024 + 12345  # 129 pieces: spare bits in the bitfield, a short last piece
BLOCK = 16 * 1024
SEED_RATE = 512 * 1024  # bytes/s: the download lasts long enough for the slow cases
HANDSHAKE_TIMEOUT_S = 2
IDLE_TIMEOUT_S = 3
MAX_HASH_FAILURES = 2
MAX_INCOMING_REQUESTS = 250  # the default, written out: the flood limits follow from it
CHOKED_FLOOD_LIMIT = 1000  # engine/request_guard: max(1000, max_incoming_requests)
DOWNLOAD_TIMEOUT = 60
PEER_TIMEOUT = 15  # the longest any scripted peer waits for anything

PSTR = b"\x13BitTorrent protocol"
CHOKE, UNCHOKE, INTERESTED, NOT_INTERESTED, HAVE, BITFIELD, REQUEST, PIECE_ID = range(8)
REJECT = 16
FAST_BIT = (7, 0x04)


# ---------------------------------------------------------------------------------------------
# The peer wire, scripted


def handshake_bytes(info_hash, fast=False, peer_id=None):
    reserved = bytearray(8)
    if fast:
        reserved[FAST_BIT[0]] |= FAST_BIT[1]
    return PSTR + bytes(reserved) + info_hash + (peer_id or b"-HP0001-" + os.urandom(12))


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


def have(index):
    return msg(HAVE, struct.pack(">I", index))


def request(index, begin, length):
    return msg(REQUEST, struct.pack(">III", index, begin, length))


def piece_msg(index, begin, data):
    return msg(PIECE_ID, struct.pack(">II", index, begin) + data)


def full_bitfield(pieces, spare=False):
    """Every piece; with spare=True the bits past the last piece are set too."""
    n = (pieces + 7) // 8
    bits = bytearray(b"\xff" * n)
    if not spare and pieces % 8:
        bits[-1] = (0xff << (8 - pieces % 8)) & 0xff
    return bytes(bits)


class Wire:
    """One scripted connection; every read is bounded by a deadline."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            return False
        self.sock.settimeout(min(left, 0.5))
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            return True
        except OSError:
            self.eof = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_exact(self, n, timeout=PEER_TIMEOUT):
        deadline = time.time() + timeout
        while len(self.buf) < n:
            if not self._fill(deadline):
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_message(self, timeout=PEER_TIMEOUT):
        """(id, payload), (None, b"") for a keep-alive, or None on EOF or timeout."""
        head = self.read_exact(4, timeout)
        if head is None:
            return None
        (length,) = struct.unpack(">I", head)
        body = self.read_exact(length, timeout) if length else b""
        if body is None:
            return None
        return (body[0], body[1:]) if length else (None, b"")

    def wait_for(self, mid, timeout=PEER_TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.read_message(deadline - time.time())
            if m is None:
                return None
            if m[0] == mid:
                return m
        return None

    def closed_within(self, timeout):
        """True when the other side closes (EOF or reset) within `timeout` s; data is dropped."""
        deadline = time.time() + timeout
        self.buf = b""
        while not self.eof and time.time() < deadline:
            self._fill(deadline)
            self.buf = b""
        return self.eof


def connect(port, timeout=PEER_TIMEOUT):
    deadline = time.time() + timeout
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


class Outcome:
    """What one scripted peer saw: whether it was cut off, after how long, its address as the
    other side sees it, and whatever else the case records."""

    def __init__(self, name):
        self.name = name
        self.closed = False
        self.seconds = None
        self.address = None
        self.connections = 0
        self.error = None
        self.notes = {}


def run_case(outcome, fn):
    try:
        fn(outcome)
    except Exception as e:  # a broken script is a failed check, not a crashed test
        outcome.error = f"{type(e).__name__}: {e}"


# ---------------------------------------------------------------------------------------------
# Leechers attacking the seeder (they connect to it)


def as_leecher(port, info_hash, outcome, fast=False):
    s = connect(port)
    outcome.address = "127.0.0.1:%d" % s.getsockname()[1]
    outcome.connections += 1
    w = Wire(s)
    w.send(handshake_bytes(info_hash, fast))
    theirs = w.read_exact(68)
    if theirs is None or theirs[28:48] != info_hash:
        raise RuntimeError("the seeder's handshake did not come")
    return w


def leecher_then(port, info_hash, attack, expect_close_s=5, interested=True):
    def case(o):
        w = as_leecher(port, info_hash, o)
        if interested:
            w.send(msg(INTERESTED))
        t0 = time.time()
        w.send(attack)
        o.closed = w.closed_within(expect_close_s)
        o.seconds = time.time() - t0
        w.sock.close()
    return case


def flood_while_unchoked(port, info_hash, count):
    def case(o):
        w = as_leecher(port, info_hash, o, fast=True)
        w.send(msg(INTERESTED))
        if w.wait_for(UNCHOKE, 10) is None:
            raise RuntimeError("never unchoked")
        reqs = b"".join(request(i % 64, (i // 64 % 2) * BLOCK, BLOCK) for i in range(count))
        t0 = time.time()
        sender = threading.Thread(target=w.send, args=(reqs,), daemon=True)
        sender.start()
        pieces = rejects = 0
        deadline = time.time() + PEER_TIMEOUT
        while time.time() < deadline:
            m = w.read_message(deadline - time.time())
            if m is None:
                break
            if m[0] == PIECE_ID:
                pieces += 1
            elif m[0] == REJECT:
                rejects += 1
            if pieces + rejects >= count:
                break
        o.closed = w.eof or w.closed_within(3)
        o.seconds = time.time() - t0
        o.notes.update(pieces=pieces, rejects=rejects)
        w.sock.close()
        sender.join(5)
    return case


def stall_handshake(port, info_hash):
    def case(o):
        s = connect(port)
        o.address = "127.0.0.1:%d" % s.getsockname()[1]
        o.connections += 1
        w = Wire(s)
        t0 = time.time()
        w.send(handshake_bytes(info_hash)[:20])  # the protocol string, then silence
        o.closed = w.closed_within(HANDSHAKE_TIMEOUT_S + 5)
        o.seconds = time.time() - t0
        s.close()
    return case


def wrong_info_hash_incoming(port):
    def case(o):
        s = connect(port)
        o.address = "127.0.0.1:%d" % s.getsockname()[1]
        o.connections += 1
        w = Wire(s)
        t0 = time.time()
        o.notes["info_hash"] = os.urandom(20)
        w.send(handshake_bytes(o.notes["info_hash"]))
        o.closed = w.closed_within(5)
        o.seconds = time.time() - t0
        s.close()
    return case


# ---------------------------------------------------------------------------------------------
# Seeders attacking the downloader (it connects to them)


class ScriptedSeeder:
    """Listens on a loopback port; every connection the downloader makes runs `behaviour`
    (after the handshake unless `raw`). Counts connections; records the first one's end."""

    def __init__(self, name, info_hash, pieces, behaviour, raw=False):
        self.outcome = Outcome(name)
        self.info_hash = info_hash
        self.pieces = pieces
        self.behaviour = behaviour
        self.raw = raw
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.outcome.address = "127.0.0.1:%d" % self.port
        self.stop = threading.Event()
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                s, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.outcome.connections += 1
            first = self.outcome.connections == 1
            t = threading.Thread(target=self._serve, args=(s, first), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, s, first):
        w = Wire(s)
        try:
            t0 = time.time()
            if not self.raw:
                theirs = w.read_exact(68)
                if theirs is None or theirs[28:48] != self.info_hash:
                    raise RuntimeError("the downloader's handshake did not come")
                w.send(handshake_bytes(self.info_hash))
                t0 = time.time()
            closed = self.behaviour(self, w)
            if first:
                self.outcome.closed = closed
                self.outcome.seconds = time.time() - t0
        except Exception as e:
            if first:
                self.outcome.error = f"{type(e).__name__}: {e}"
        finally:
            s.close()

    def close(self):
        self.stop.set()
        self.listener.close()
        self.acceptor.join(5)
        for t in self.threads:
            t.join(PEER_TIMEOUT + 5)


def send_then_wait(data_fn, timeout=5):
    def behaviour(peer, w):
        w.send(data_fn(peer))
        return w.closed_within(timeout)
    return behaviour


def wrong_info_hash_answer(peer, w):
    theirs = w.read_exact(68)
    if theirs is None:
        raise RuntimeError("the downloader's handshake did not come")
    w.send(handshake_bytes(os.urandom(20)))
    return w.closed_within(5)


def garbage_server(peer, w):
    """Has everything, unchokes, answers every request with random bytes."""
    w.send(msg(BITFIELD, full_bitfield(peer.pieces)) + msg(UNCHOKE))
    served = 0
    deadline = time.time() + PEER_TIMEOUT
    while time.time() < deadline:
        m = w.read_message(deadline - time.time())
        if m is None:
            break
        if m[0] == REQUEST:
            index, begin, length = struct.unpack(">III", m[1])
            w.send(piece_msg(index, begin, os.urandom(length)))
            served += 1
    peer.outcome.notes["blocks_served"] = served
    return w.eof


def trickler(peer, w):
    """A whole bitfield, then a piece message one byte a second: more often than the idle
    timeout, and never a whole message."""
    w.send(msg(BITFIELD, full_bitfield(peer.pieces)))
    frame = piece_msg(0, 0, os.urandom(BLOCK))
    sent = 0
    deadline = time.time() + IDLE_TIMEOUT_S * 2 + 5
    while time.time() < deadline and sent < len(frame):
        if w.closed_within(1.0):
            break
        if not w.send(frame[sent:sent + 1]):
            break
        sent += 1
    peer.outcome.notes["bytes_trickled"] = sent
    return w.eof or w.closed_within(1)


def half_handshake(peer, w):
    theirs = w.read_exact(68)
    if theirs is None:
        raise RuntimeError("the downloader's handshake did not come")
    w.send(handshake_bytes(peer.info_hash)[:30])
    return w.closed_within(HANDSHAKE_TIMEOUT_S + 5)


# ---------------------------------------------------------------------------------------------
# Checks on the logs


def lines_with(text, *needles):
    return [ln for ln in text.splitlines() if all(n in ln for n in needles)]


def check_cut_off(r, o, log_text, needles, label, within=None, reconnect=None):
    """The scripted peer saw its connection closed, and a log line names the violation and
    the peer's address; with reconnect=False the address was not called again."""
    if o.error:
        r.check(False, label, "the scripted peer failed: " + o.error)
        return
    ok = o.closed and (within is None or (o.seconds is not None and o.seconds <= within))
    found = lines_with(log_text, o.address, *needles)
    detail = (f"closed={o.closed} after {o.seconds and round(o.seconds, 2)} s; "
              f"no log line with {o.address} and {needles!r}" if not found else "")
    extra = ""
    if reconnect is False and o.connections != 1:
        ok = False
        extra = f"; called again: {o.connections} connections"
    r.check(ok and bool(found), label + (f" ({found[0].strip()[-160:]})" if found else ""),
            detail + extra + f" closed={o.closed} seconds={o.seconds}")


# ---------------------------------------------------------------------------------------------
# Part 2: torrents made by hand


def bencode(x):
    if isinstance(x, int):
        return b"i%de" % x
    if isinstance(x, str):
        x = x.encode()
    if isinstance(x, bytes):
        return b"%d:%s" % (len(x), x)
    if isinstance(x, list):
        return b"l" + b"".join(bencode(i) for i in x) + b"e"
    if isinstance(x, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in x.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(type(x))


def multi_file_torrent(name, files, piece=16384):
    """files: [(path components, content bytes)]; returns the .torrent's bytes."""
    data = b"".join(c for _, c in files)
    pieces = b"".join(hashlib.sha1(data[i:i + piece]).digest() for i in range(0, len(data), piece))
    info = {"name": name, "piece length": piece, "pieces": pieces,
            "files": [{"length": len(c), "path": p} for p, c in files]}
    return bencode({"info": info})


def tree_listing(root):
    out = []
    for dirpath, dirs, names in os.walk(root):
        for n in dirs + names:
            out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def path_cases(r, binary, tmp):
    """`..` and absolute paths: refused before anything is written, with the field named."""
    base = os.path.join(tmp, "paths")
    outside = os.path.join(base, "outside")
    os.makedirs(outside)
    content = os.urandom(20000)
    cases = [
        ("a path component '..'", "t", [["..", "..", "outside", "escaped.bin"]], "\"..\""),
        ("a name '..'", "..", [["escaped.bin"]], "\"..\""),
        ("an absolute path as one component", "t", [[os.path.join(outside, "abs.bin")]], "'/'"),
        ("an absolute path split in components", "t", [["", outside.lstrip("/"), "abs.bin"]],
         "empty path component"),
    ]
    for i, (what, name, paths, needle) in enumerate(cases):
        tor = os.path.join(base, f"bad-{i}.torrent")
        with open(tor, "wb") as f:
            f.write(multi_file_torrent(name, [(p, content) for p in paths]))
        dl_dir = os.path.join(base, f"dl-{i}", "deep")
        os.makedirs(dl_dir)
        res = subprocess.run([binary, "download", tor, "-o", dl_dir, "--quiet", "--listen-port", "0"],
                             capture_output=True, text=True, timeout=30)
        err = res.stderr.strip()
        ok = (res.returncode == 2 and needle in err and "path" in err and tor in err
              and tree_listing(outside) == [] and tree_listing(os.path.dirname(dl_dir)) == ["deep"])
        r.check(ok, f"download refuses a torrent with {what}: exit 2, \"{err[-150:]}\"",
                f"exit {res.returncode}, stderr {err[-300:]!r}, outside {tree_listing(outside)}, "
                f"download dir {tree_listing(os.path.dirname(dl_dir))}")


def write_json(d, name, obj):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        json.dump(obj, f)
    return p


def symlink_case(r, binary, tmp):
    """DIR/t/evil -> OUTSIDE and DIR/t/ok.bin -> VICTIM planted before the download of a torrent
    with t/evil/x and t/ok.bin: the download must not write through them (nor verify read)."""
    base = os.path.join(tmp, "symlink")
    src = os.path.join(base, "src")
    su.make_tree(os.path.join(src, "t"), {"evil/x": 100000, "ok.bin": 50000})
    tor = su.create_torrent(binary, os.path.join(src, "t"), os.path.join(base, "t.torrent"),
                            piece_size="16K")
    outside = os.path.join(base, "outside")
    os.makedirs(outside)
    dl = os.path.join(base, "dl")
    os.makedirs(os.path.join(dl, "t"))
    os.symlink(outside, os.path.join(dl, "t", "evil"))
    # And one at a file: a victim outside that the torrent's ok.bin would overwrite.
    victim = os.path.join(base, "victim")
    with open(victim, "wb") as f:
        f.write(b"not yours")
    os.symlink(victim, os.path.join(dl, "t", "ok.bin"))

    # verify: the right bytes outside, reachable only through the symlink, do not count.
    with open(os.path.join(src, "t", "evil", "x"), "rb") as f:
        good = f.read()
    with open(os.path.join(outside, "x"), "wb") as f:
        f.write(good)
    res = subprocess.run([binary, "verify", tor, "--dir", dl], capture_output=True, text=True,
                         timeout=30)
    out = res.stdout + res.stderr
    named = (lines_with(out, "symbolic link") or [""])[0].strip()
    r.check(res.returncode == 1 and "symbolic link" in out and "evil" in out,
            f"verify does not read through a planted symlink: exit 1 (\"{named[-120:]}\")",
            f"exit {res.returncode}: {out[-400:]!r}")
    os.unlink(os.path.join(outside, "x"))

    port = su.free_port()
    seeder = su.start_seed(binary, tor, src, base, "symlink-seed", port,
                           extra=["--log-level", "info", "-c", write_json(base, "s.json", {})])
    dlr = None
    try:
        if not su.wait_for_state(seeder, ("seeding",), 30):
            r.check(False, "seeder for the symlink case started", seeder.describe())
            return
        dlr = su.Downloader(binary, tor, dl, base, "symlink-dl", peers=[f"127.0.0.1:{port}"],
                            listen_port=su.free_port(),
                            extra=["--log-level", "info", "-c", write_json(base, "d.json", {})])
        rc = dlr.wait(30)
        err = dlr.stderr(3000)
        evil = os.path.join(dl, "t", "evil")
        ok = rc == 1 and "symbolic link" in err and evil in err and tree_listing(outside) == []
        named = (lines_with(err, "symbolic link") or [""])[0].strip()
        r.check(ok, f"download fails on a planted symlink: exit 1, nothing written outside "
                    f"(\"{named[-160:]}\")", f"{dlr.describe()}; outside holds {tree_listing(outside)}")
        with open(victim, "rb") as f:
            untouched = f.read() == b"not yours"
        r.check(untouched, "a file symlinked to a victim outside is neither written nor replaced")
        r.check(os.path.islink(evil) and os.path.islink(os.path.join(dl, "t", "ok.bin")),
                "the planted symlinks are left as they were")
    finally:
        if dlr:
            dlr.stop()
        seeder.stop()


# ---------------------------------------------------------------------------------------------


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t_start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        su.make_tree(src, {"payload.bin": TOTAL})
        torrent = su.create_torrent(binary, os.path.join(src, "payload.bin"),
                                    os.path.join(tmp, "payload.torrent"), piece_size=str(PIECE))
        info = json.loads(subprocess.run([binary, "info", "--json", torrent], capture_output=True,
                                         text=True, check=True).stdout)
        ih = bytes.fromhex(info["info_hash"])
        pieces = info["piece_count"]
        last_size = TOTAL - (pieces - 1) * PIECE
        assert pieces % 8 and last_size < BLOCK, "the torrent's shape is what the cases need"

        timeouts = {"handshake_timeout_ms": HANDSHAKE_TIMEOUT_S * 1000,
                    "idle_timeout_s": IDLE_TIMEOUT_S, "keep_alive_interval_s": 1}
        seed_cfg = write_json(tmp, "seed.json", {"connection": timeouts,
                                                 "limits": {"max_incoming_requests":
                                                            MAX_INCOMING_REQUESTS}})
        # PEX off: the downloader would tell the seeder of the scripted peers, and the seeder's
        # own calls to them would count as the downloader calling them again.
        dl_cfg = write_json(tmp, "download.json", {
            "connection": timeouts,
            "picker": {"max_hash_failures": MAX_HASH_FAILURES, "ban_sole_contributor": False},
            "supervision": {"initial_delay_ms": 500}, "pex": {"enabled": False}})

        seed_port = su.free_port()
        seeder = su.start_seed(binary, torrent, src, tmp, "seeder", seed_port,
                               extra=["-c", seed_cfg, "--log-level", "info",
                                      "--upload-limit", str(SEED_RATE)])
        scripted, downloader = [], None
        try:
            if not su.wait_for_state(seeder, ("seeding",), 30):
                r.check(False, "the seeder checked its data and seeds", seeder.describe())
                return r.finish()

            # ---- the seeder, attacked by leechers (all at once) ----
            n = pieces
            leech_cases = [
                ("request for a piece out of range",
                 leecher_then(seed_port, ih, request(n + 3, 0, BLOCK)),
                 ["protocol violation", f"piece index {n + 3} is out of range", "cut off"]),
                ("request past the end of the last piece",
                 leecher_then(seed_port, ih, request(n - 1, 0, BLOCK)),
                 ["protocol violation", f"end past piece {n - 1} ({last_size} bytes)"]),
                ("request of 1 MiB",
                 leecher_then(seed_port, ih, request(0, 0, 1 << 20)),
                 ["protocol violation", "length 1048576 is more than the 16384-byte block limit"]),
                ("flood of requests while choked",
                 leecher_then(seed_port, ih,
                              b"".join(request(i % (n - 1), 0, BLOCK) for i in range(5000)),
                              interested=False),
                 ["protocol violation",
                  f"request flood: {CHOKED_FLOOD_LIMIT + 1} requests while choked"]),
                ("flood of requests while unchoked", flood_while_unchoked(seed_port, ih, 30000),
                 ["protocol violation", "request flood:", "refused in a row"]),
                ("have out of range", leecher_then(seed_port, ih, have(n)),
                 ["protocol violation", f"HAVE {n} out of range ({n} pieces)"]),
                ("bitfield of the wrong length",
                 leecher_then(seed_port, ih, msg(BITFIELD, full_bitfield(n) + b"\xff")),
                 ["protocol violation", "bad BITFIELD", "expected"]),
                ("handshake never finished", stall_handshake(seed_port, ih),
                 ["incoming peer", "handshake timed out after 2 s"]),
                ("wrong info-hash", wrong_info_hash_incoming(seed_port),
                 ["incoming peer", "unwanted: no torrent for the peer's info-hash"]),
            ]
            outcomes = []
            threads = []
            for name, fn, _ in leech_cases:
                o = Outcome(name)
                outcomes.append(o)
                t = threading.Thread(target=run_case, args=(o, fn), daemon=True)
                t.start()
                threads.append(t)
            for t in threads:
                t.join(PEER_TIMEOUT * 2 + 10)
            time.sleep(0.5)  # the seeder's log line follows the close
            seed_log = seeder.stderr(1 << 20)
            for (name, _, needles), o in zip(leech_cases, outcomes):
                within = HANDSHAKE_TIMEOUT_S + 3 if "handshake" in name else 5
                check_cut_off(r, o, seed_log, needles, "seeder cuts off a leecher sending a " + name
                              if "never" not in name else "seeder cuts off a leecher whose " + name,
                              within=within)
            unchoked = outcomes[4]
            got = unchoked.notes.get("pieces", -1)
            r.check(0 <= got <= MAX_INCOMING_REQUESTS + 200 and unchoked.notes.get("rejects", 0) > 0,
                    f"the unchoked flood was capped: {got} blocks served and "
                    f"{unchoked.notes.get('rejects')} requests rejected of 30000",
                    json.dumps(unchoked.notes))

            # ---- the downloader, attacked by seeders, fetching from the attacked seeder ----
            def seeder_case(name, behaviour, raw=False):
                p = ScriptedSeeder(name, ih, n, behaviour, raw)
                scripted.append(p)
                return p

            wrong_hash = seeder_case("wrong info-hash", wrong_info_hash_answer, raw=True)
            huge = seeder_case("length prefix 2^31", send_then_wait(lambda p: b"\x80\x00\x00\x00"))
            bf_len = seeder_case("bitfield of the wrong length", send_then_wait(
                lambda p: msg(BITFIELD, full_bitfield(p.pieces)[:-1])))
            bf_spare = seeder_case("bitfield with spare bits set", send_then_wait(
                lambda p: msg(BITFIELD, full_bitfield(p.pieces, spare=True))))
            have_range = seeder_case("have out of range", send_then_wait(
                lambda p: msg(BITFIELD, full_bitfield(p.pieces)) + have(p.pieces + 1000)))
            unrequested = seeder_case("piece never requested", send_then_wait(
                lambda p: msg(BITFIELD, full_bitfield(p.pieces)) + piece_msg(1, 0, os.urandom(BLOCK))))
            garbage = seeder_case("blocks that fail the hash", garbage_server)
            slow = seeder_case("one byte a second", trickler)
            stall = seeder_case("handshake never finished", half_handshake, raw=True)

            out = os.path.join(tmp, "out")
            listen_port = su.free_port()
            downloader = su.Downloader(
                binary, torrent, out, tmp, "downloader",
                peers=[f"127.0.0.1:{seed_port}"] + [p.outcome.address for p in scripted],
                listen_port=listen_port, extra=["-c", dl_cfg, "--log-level", "info"])
            incoming = [Outcome("handshake never finished (incoming)"),
                        Outcome("wrong info-hash (incoming)")]
            in_threads = [threading.Thread(target=run_case, args=(incoming[0], stall_handshake(
                              listen_port, ih)), daemon=True),
                          threading.Thread(target=run_case, args=(incoming[1], wrong_info_hash_incoming(
                              listen_port)), daemon=True)]
            for t in in_threads:
                t.start()
            rc = downloader.wait(DOWNLOAD_TIMEOUT)
            for t in in_threads:
                t.join(PEER_TIMEOUT + 10)
            took = downloader.elapsed
            r.check(rc == 0, f"the download completes from the attacked seeder ({took:.1f} s)",
                    downloader.describe())
            r.check(rc == 0 and su.same_tree(src, out), "the downloaded data is identical")
            log = downloader.stderr(1 << 20)

            check_cut_off(r, wrong_hash.outcome, log, ["unwanted: wrong info-hash", "not reconnected"],
                          "downloader drops a seeder answering a wrong info-hash", within=5,
                          reconnect=False)
            check_cut_off(r, huge.outcome, log,
                          ["protocol violation: framing error: frame length 2147483648 exceeds",
                           "not reconnected"],
                          "downloader cuts off a length prefix of 2^31", within=5, reconnect=False)
            check_cut_off(r, bf_len.outcome, log, ["protocol violation: bad BITFIELD", "expected"],
                          "downloader cuts off a bitfield of the wrong length", within=5,
                          reconnect=False)
            check_cut_off(r, bf_spare.outcome, log, ["protocol violation: bad BITFIELD", "spare bit"],
                          "downloader cuts off a bitfield with spare bits set", within=5,
                          reconnect=False)
            check_cut_off(r, have_range.outcome, log,
                          ["protocol violation", f"HAVE {n + 1000} out of range"],
                          "downloader cuts off a have out of range", within=5, reconnect=False)
            check_cut_off(r, unrequested.outcome, log,
                          ["protocol violation", "piece 1 offset 0 length 16384, which was never requested"],
                          "downloader cuts off a piece never requested", within=5, reconnect=False)
            check_cut_off(r, garbage.outcome, log,
                          ["banned: sent data that failed the hash of piece", "not reconnected"],
                          "downloader bans a peer whose blocks fail the hash", reconnect=False)
            failures = [ln for ln in log.splitlines() if "failed its hash" in ln]
            ban_at = next((i for i, ln in enumerate(failures) if "1 banned" in ln), None)
            r.check(ban_at is not None and ban_at + 1 >= MAX_HASH_FAILURES,
                    f"the ban came at the threshold: hash failure #{ban_at and ban_at + 1} of "
                    f"{len(failures)} (max_hash_failures {MAX_HASH_FAILURES}, "
                    f"{garbage.outcome.notes.get('blocks_served')} garbage blocks served)",
                    "\n".join(failures[:10]))
            print("\n".join("     " + ln[-120:] for ln in failures))
            check_cut_off(r, slow.outcome, log,
                          ["protocol violation: slow peer: no whole message for over "
                           f"{IDLE_TIMEOUT_S} s", "bytes of a frame trickled in"],
                          "downloader cuts off a peer sending one byte a second",
                          within=IDLE_TIMEOUT_S * 1.5 + 3, reconnect=False)
            r.check(slow.outcome.notes.get("bytes_trickled", 0) >= IDLE_TIMEOUT_S,
                    f"the slow peer kept sending bytes ({slow.outcome.notes.get('bytes_trickled')}) "
                    f"past the idle timeout of {IDLE_TIMEOUT_S} s")
            check_cut_off(r, stall.outcome, log, ["handshake timed out after 2 s", "reconnecting"],
                          "downloader cuts off a seeder whose handshake never finishes",
                          within=HANDSHAKE_TIMEOUT_S + 3)
            check_cut_off(r, incoming[0], log, ["incoming peer", "handshake timed out after 2 s"],
                          "downloader cuts off an incoming peer whose handshake never finishes",
                          within=HANDSHAKE_TIMEOUT_S + 3)
            check_cut_off(r, incoming[1], log, ["incoming peer", "unwanted: no torrent for the peer's "
                                                "info-hash " + incoming[1].notes.get("info_hash",
                                                                                     b"").hex()],
                          "downloader cuts off an incoming peer with a wrong info-hash", within=5)
            rc, secs = seeder.stop()
            r.check(rc == 0, f"the attacked seeder exits 0 on SIGTERM ({secs:.1f} s)", seeder.describe())
        finally:
            if downloader:
                downloader.stop()
            for p in scripted:
                p.close()
            seeder.stop()

        # ---- part 2 ----
        path_cases(r, binary, tmp)
        symlink_case(r, binary, tmp)

    print(f"wall time {time.time() - t_start:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
