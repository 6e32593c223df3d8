#!/usr/bin/python3
"""The DHT (BEP 5) with a real node: libtorrent 2.0's, on loopback. No tracker, no x.pe, no
--peer anywhere: every peer is found through the DHT.

  - fetching: a libtorrent session seeds a torrent with its DHT on, knowing no node;
    `actorrent download 'magnet:?xt=urn:btih:HASH' --dht-bootstrap 127.0.0.1:PORT` joins
    the DHT through it; libtorrent announces to our node, we pass its address on, fetch the
    metadata and the data, byte-identical. Our routing table is saved in the state directory
    on exit (our id and libtorrent's node).
  - seeding: `actorrent seed` with its DHT on its listen port; a libtorrent session
    bootstrapped to our node, given only the magnet link, finds us (we announce to it once it
    is in our table) and downloads the data, identical.
  - BEP 27: a private torrent is never handed to the DHT (the message log has no dht_track
    for it), a public one is.
  - hostile datagrams at our node (garbage, truncated bencode, oversized, wrong types, an
    answer to nothing we asked): the node answers a malformed query with error 203 under its
    transaction id, still answers ping, and the log names each bad datagram's sender.
Usage: dht_test.py PATH/TO/actorrent
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "dht set"
TOTAL = 3 * 1024 * 1024 + 777
TIMEOUT = 60  # per direction; the whole test stays under 90 s when both work


def lt_dht_session(port, bootstrap=""):
    """A libtorrent session whose DHT works on loopback: by default it refuses several nodes
    on one IP (dht_restrict_routing_ips / _search_ips), ignores private ranges for searches
    (dht_ignore_dark_internet), and re-announces only every 15 minutes."""
    import libtorrent as lt
    return lt.session({
        "listen_interfaces": f"127.0.0.1:{port}",
        "enable_dht": True, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False, "dht_enforce_node_id": False,
        "dht_bootstrap_nodes": bootstrap,
        "dht_announce_interval": 3,
        "alert_mask": lt.alert.category_t.error_notification,
    })


def bdecode_file(path):
    import libtorrent as lt
    with open(path, "rb") as f:
        return lt.bdecode(f.read())


def fetch_via_dht(binary, tmp, r):
    import libtorrent as lt
    src = os.path.join(tmp, "fetch-src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(5, TOTAL))
    torrent = os.path.join(tmp, "fetch.torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent, piece_size="32K")
    info_hash = su.info_hash(binary, torrent)
    lt_port = su.free_port()
    ses = lt_dht_session(lt_port)
    h = su.lt_seed(ses, torrent, src)
    if not r.check(h is not None, "fetch: libtorrent seeds the torrent"):
        return
    out = os.path.join(tmp, "fetch-out")
    state = os.path.join(tmp, "fetch-state")
    link = f"magnet:?xt=urn:btih:{info_hash}"
    t0 = time.time()
    proc = subprocess.Popen([binary, "download", link, "-o", out, "--state-dir", state,
                             "--listen-port", "0", "--quiet", "--log-level", "info",
                             "--dht-bootstrap", f"127.0.0.1:{lt_port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # libtorrent announces to the nodes it knows on its own timer (3 s here); asking it again
    # each few seconds only shortens the wait, bounded by the download's own timeout.
    deadline = time.time() + TIMEOUT
    while proc.poll() is None and time.time() < deadline:
        h.force_dht_announce()
        time.sleep(2)
    if proc.poll() is None:
        su.stop(proc)
    _, text = proc.communicate()
    took = time.time() - t0
    r.check(proc.returncode == 0 and su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME)),
            f"fetch: a magnet link with neither tracker nor x.pe downloads through the DHT, "
            f"data identical ({took:.1f} s)", f"exit {proc.returncode}: {su.tail(text)}")
    r.check("metadata verified" in text and f"dht: {info_hash}: " in text,
            "fetch: the log shows the DHT searching for the info-hash and the metadata verified",
            su.tail(text))
    saved = os.path.join(state, "dht.dat")
    ok = False
    detail = f"{saved} missing"
    if os.path.exists(saved):
        table = bdecode_file(saved)
        nodes = table.get(b"nodes", b"")
        ports = [int.from_bytes(nodes[i + 24:i + 26], "big") for i in range(0, len(nodes), 26)]
        ok = len(table.get(b"id", b"")) == 20 and lt_port in ports
        detail = f"id {len(table.get(b'id', b''))} bytes, node ports {ports}, libtorrent's {lt_port}"
    r.check(ok, "fetch: the routing table is saved on exit with our id and libtorrent's node", detail)
    ses.remove_torrent(h)


def seed_via_dht(binary, tmp, r):
    import libtorrent as lt
    src = os.path.join(tmp, "seed-src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(4, TOTAL))
    torrent = os.path.join(tmp, "seed.torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent, piece_size="32K")
    info_hash = su.info_hash(binary, torrent)
    port = su.free_port()
    seeder = su.start_seed(binary, torrent, src, tmp, "dht-seed", port,
                           extra=["--state-dir", os.path.join(tmp, "seed-state"),
                                  "--log-level", "info"])
    try:
        if not r.check(su.wait_for_state(seeder, ("seeding",), 30),
                       "seed: actorrent seed reaches state seeding", seeder.describe()):
            return
        ses = lt_dht_session(su.free_port(), f"127.0.0.1:{port}")
        params = lt.parse_magnet_uri(f"magnet:?xt=urn:btih:{info_hash}")
        dst = os.path.join(tmp, "seed-lt")
        params.save_path = dst
        h = ses.add_torrent(params)
        t0 = time.time()
        deadline = t0 + TIMEOUT
        while not h.status().is_seeding and time.time() < deadline and seeder.proc.poll() is None:
            h.force_dht_announce()
            time.sleep(1)
        done = h.status().is_seeding
        r.check(done and su.lt_same_tree(os.path.join(src, NAME), os.path.join(dst, NAME)),
                f"seed: libtorrent, bootstrapped to our node and given only the magnet link, "
                f"finds us through the DHT and downloads, data identical ({time.time() - t0:.1f} s)",
                f"libtorrent state {h.status().state}; "
                f"seeder: {seeder.describe()}")
        ses.remove_torrent(h)
    finally:
        rc, _ = seeder.stop()
        r.check(rc == 0, "seed: actorrent seed exits 0 on SIGTERM", seeder.stderr())


def krpc_exchange(sock, port, packet, timeout=2.0):
    """Sends one datagram to our node, returns the answer (None when there is none)."""
    sock.sendto(packet, ("127.0.0.1", port))
    sock.settimeout(timeout)
    try:
        data, _ = sock.recvfrom(4096)
        return data
    except socket.timeout:
        return None


def hostile_datagrams(binary, tmp, r):
    src = os.path.join(tmp, "hostile-src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(2, 100000))
    torrent = os.path.join(tmp, "hostile.torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent)
    port = su.free_port()
    seeder = su.start_seed(binary, torrent, src, tmp, "dht-hostile", port,
                           extra=["--state-dir", os.path.join(tmp, "hostile-state")])
    try:
        if not r.check(su.wait_for_state(seeder, ("seeding",), 30),
                       "hostile: actorrent seed reaches state seeding", seeder.describe()):
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            me = s.getsockname()[1]
            bad = [
                b"\x00\xff garbage, not bencode at all",
                b"d1:ad2:id20:0123456789",  # truncated
                b"d1:t2:xx1:y1:q1:q4:ping1:ad2:id20:" + b"A" * 20 + b"e" + b"4:pad" + b"x" * 3000 + b"e",
                b"d1:t2:aa1:y1:q1:q4:ping1:ai42ee",  # "a" is an integer
                b"d1:ad2:id5:shorte1:q4:ping1:t2:bb1:y1:qe",  # a 5-byte node id
                b"d1:rd2:id20:" + b"B" * 20 + b"e1:t2:zz1:y1:re",  # answers nothing we asked
            ]
            answers = [krpc_exchange(s, port, p, timeout=0.5) for p in bad]
            r.check(answers[3] is not None and b"1:eli203e" in answers[3] and b"1:t2:aa" in answers[3],
                    "hostile: a query with arguments of the wrong type gets error 203 under its "
                    "transaction id", repr(answers[3]))
            r.check(answers[5] is None, "hostile: an answer to nothing we asked gets no reply",
                    repr(answers[5]))
            ping = b"d1:ad2:id20:" + b"C" * 20 + b"e1:q4:ping1:t2:pp1:y1:qe"
            pong = krpc_exchange(s, port, ping)
            r.check(pong is not None and b"1:t2:pp" in pong and b"1:y1:r" in pong,
                    "hostile: after them, the node still answers ping", repr(pong))
        time.sleep(0.3)
        log = seeder.stderr(20000)
        sender = f"127.0.0.1:{me}"
        lines = [line for line in log.splitlines() if "dht: " + sender in line]
        r.check(sum("malformed KRPC" in line for line in lines) >= 5,
                f"hostile: the log names each malformed datagram with its sender {sender}",
                "\n".join(lines) or su.tail(log))
    finally:
        rc, _ = seeder.stop()
        r.check(rc == 0, "hostile: actorrent seed exits 0 on SIGTERM after the hostile datagrams",
                seeder.stderr())


def message_types(path):
    """(type, info_hash field or None) of every message the log recorded."""
    return [(rec.get("type"), rec.get("fields", {}).get("info_hash"))
            for rec in su.message_log_records(path) if rec.get("event") == "message"]


def private_stays_off_the_dht(binary, tmp, r):
    """BEP 27: a private torrent is never tracked (so never searched for nor announced) on the
    DHT; a public one is, as soon as its data is checked."""
    for private in (True, False):
        label = "private" if private else "public"
        src = os.path.join(tmp, label + "-src")
        su.make_tree(os.path.join(src, NAME), su.uneven_files(2, 50000))
        torrent = os.path.join(tmp, label + ".torrent")
        cmd = [binary, "create", os.path.join(src, NAME), "-o", torrent]
        subprocess.run(cmd + (["--private"] if private else []), check=True,
                       stdout=subprocess.DEVNULL)
        info_hash = su.info_hash(binary, torrent)
        log = os.path.join(tmp, label + "-messages.jsonl")
        seeder = su.start_seed(binary, torrent, src, tmp, "dht-" + label, su.free_port(),
                               extra=["--state-dir", os.path.join(tmp, label + "-state"),
                                      "--message-log", log])
        try:
            seeding = su.wait_for_state(seeder, ("seeding",), 30)
        finally:
            seeder.stop()
        tracked = [h for t, h in message_types(log) if t == "dht_track"]
        if private:
            r.check(seeding and not tracked and any(t == "tick" for t, _ in message_types(log)),
                    "private: a private torrent (BEP 27) is never handed to the DHT",
                    f"seeding {seeding}, dht_track messages {tracked}")
        else:
            r.check(seeding and len(tracked) == 1,
                    "public: a public torrent is handed to the DHT once (dht_track)",
                    f"seeding {seeding}, dht_track messages {tracked} (info-hash {info_hash})")


def no_dht(binary, tmp, r):
    """--no-dht: no UDP port, nothing answers a ping there."""
    src = os.path.join(tmp, "nodht-src")
    su.make_tree(os.path.join(src, NAME), su.uneven_files(1, 20000))
    torrent = os.path.join(tmp, "nodht.torrent")
    su.create_torrent(binary, os.path.join(src, NAME), torrent)
    port = su.free_port()
    seeder = su.start_seed(binary, torrent, src, tmp, "nodht", port,
                           extra=["--state-dir", os.path.join(tmp, "nodht-state"), "--no-dht"])
    try:
        seeding = su.wait_for_state(seeder, ("seeding",), 30)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            ping = b"d1:ad2:id20:" + b"C" * 20 + b"e1:q4:ping1:t2:pp1:y1:qe"
            pong = krpc_exchange(s, port, ping, timeout=1.0)
        r.check(seeding and pong is None, "--no-dht: nothing answers KRPC on the listen port's number",
                f"seeding {seeding}, answer {pong!r}")
    finally:
        seeder.stop()
    r.check(not os.path.exists(os.path.join(tmp, "nodht-state", "dht.dat")),
            "--no-dht: no routing table is written")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: dht_test.py PATH/TO/actorrent")
    su.require(libtorrent=True)
    binary = os.path.abspath(sys.argv[1])
    r = su.results()
    with tempfile.TemporaryDirectory(prefix="actorrent-dht-") as tmp:
        hostile_datagrams(binary, tmp, r)
        private_stays_off_the_dht(binary, tmp, r)
        no_dht(binary, tmp, r)
        fetch_via_dht(binary, tmp, r)
        seed_via_dht(binary, tmp, r)
    sys.exit(r.finish())


if __name__ == "__main__":
    main()
