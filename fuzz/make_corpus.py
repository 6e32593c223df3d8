#!/usr/bin/python3
"""Writes the seed corpus for the libFuzzer targets in fuzz/.

Usage: fuzz/make_corpus.py OUTDIR   (scripts/fuzz.sh uses OUTDIR = fuzz-corpus)

Creates OUTDIR/<target>/ for bencode_fuzz, metainfo_fuzz, magnet_fuzz, wire_fuzz,
tracker_http_fuzz and tracker_udp_fuzz, one file per seed, named after what it shows. Every
seed is built here from first principles (a small bencoder, hand-written magnets,
hand-framed peer wire streams, tracker requests as clients send them), so the corpus needs
no network and no torrent client; it is deterministic, so re-running it changes nothing.
"""

import hashlib
import os
import struct
import sys


# --- bencode ---------------------------------------------------------------------------

def benc(value):
    """Canonical bencoding (keys sorted as raw bytes)."""
    if isinstance(value, bool):
        raise TypeError("bool is not a bencode type")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(benc(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(benc(k) + benc(v) for k, v in items) + b"e"
    raise TypeError(type(value))


def pieces_for(total, piece_length, seed):
    count = (total + piece_length - 1) // piece_length
    return b"".join(hashlib.sha1(b"%s-%d" % (seed, i)).digest() for i in range(count))


def info_single(name, length, piece_length, **extra):
    info = {"name": name, "length": length, "piece length": piece_length,
            "pieces": pieces_for(length, piece_length, name.encode())}
    info.update(extra)
    return info


def info_multi(name, files, piece_length, **extra):
    """files: (path components, length, attr or None)."""
    entries = []
    for path, length, attr in files:
        entry = {"path": path, "length": length}
        if attr:
            entry["attr"] = attr
        entries.append(entry)
    total = sum(length for _, length, _ in files)
    info = {"name": name, "files": entries, "piece length": piece_length,
            "pieces": pieces_for(total, piece_length, name.encode())}
    info.update(extra)
    return info


def torrents():
    """(seed name, torrent dict or raw bytes)."""
    out = []
    out.append(("single", {"announce": "http://tracker.example/announce",
                           "info": info_single("file.bin", 100000, 16384)}))
    out.append(("single-exact-pieces", {"announce": "udp://t.example:6969",
                                        "info": info_single("exact", 32768, 16384)}))
    out.append(("single-one-byte", {"info": info_single("a", 1, 16384)}))
    out.append(("multi", {
        "announce": "http://tracker.example/announce",
        "comment": "two directories",
        "created by": "make_corpus.py",
        "creation date": 1700000000,
        "info": info_multi("album", [(["cd1", "01.flac"], 40000, None),
                                     (["cd1", "02.flac"], 25000, None),
                                     (["cd2", "01.flac"], 7, "x"),
                                     ([".hidden"], 3, "h"),
                                     (["empty.txt"], 0, None)], 32768)}))
    out.append(("multi-pad", {
        "announce": "http://tracker.example/announce",
        "info": info_multi("padded", [(["a.bin"], 10000, None),
                                      ([".pad", "6384"], 6384, "p"),
                                      (["b.bin"], 16384, None),
                                      ([".pad", "0"], 0, "p"),
                                      (["c.bin"], 5, None)], 16384)}))
    out.append(("announce-list", {
        "announce": "http://primary.example/announce",
        "announce-list": [["http://a.example/announce", "udp://b.example:80"],
                          ["http://c.example/announce"], [], ["", 7]],
        "url-list": ["http://seed.example/files/", "", 3],
        "info": info_single("tiers.iso", 70000, 32768, private=1)}))
    out.append(("url-list-string", {
        "url-list": "http://seed.example/file",
        "info": info_single("web", 5000, 16384)}))
    out.append(("deep-paths", {
        "info": info_multi("deep", [(["a", "b", "c", "d", "e"], 1, None),
                                    (["a", "b", "f"], 2, None),
                                    (["a", "g"], 3, None)], 16384)}))
    # Rejected on purpose: unsafe paths, collisions, inconsistent pieces, both length and files.
    out.append(("bad-dotdot", {"info": info_multi("x", [(["..", "etc"], 1, None)], 16384)}))
    out.append(("bad-collision", {"info": info_multi("x", [(["a"], 1, None),
                                                           (["a", "b"], 1, None)], 16384)}))
    bad = info_single("short", 100000, 16384)
    bad["pieces"] = bad["pieces"][:-20]
    out.append(("bad-piece-count", {"info": bad}))
    both = info_single("both", 10, 16384)
    both["files"] = [{"path": ["a"], "length": 10}]
    out.append(("bad-both", {"info": both}))
    # Unsorted keys: tolerated with a warning (not canonical, so built by hand).
    info = info_single("unsorted", 10, 16384)
    raw_info = benc(info)
    out.append(("unsorted-keys", b"d4:info" + raw_info + b"8:announce15:http://x.test/ae"))
    return out


def bencode_samples():
    samples = {
        "int-zero": b"i0e", "int-neg": b"i-42e", "int-max": b"i9223372036854775807e",
        "int-min": b"i-9223372036854775808e", "int-overflow": b"i9223372036854775808e",
        "int-leading-zero": b"i03e", "int-neg-zero": b"i-0e", "int-empty": b"ie",
        "str-empty": b"0:", "str": b"4:spam", "str-binary": b"5:\x00\xff\x01e:",
        "str-short": b"10:abc", "list-empty": b"le", "dict-empty": b"de",
        "bep3-example": b"d3:cow3:moo4:spaml1:a1:bee",
        "nested": b"lld1:ali1ei2eeed1:bl0:eeee",
        "dict-of-dicts": b"d1:ad1:bd1:cdeee1:dlee",
        "unsorted": b"d1:bi1e1:ai2ee", "duplicate": b"d1:ai1e1:ai2ee",
        "duplicate-unsorted": b"d1:ai1e1:bi2e1:ai3ee", "non-string-key": b"di1ei2ee",
        "missing-value": b"d1:ae", "trailing": b"i1ei2e", "unterminated": b"l4:spam",
        "deep": b"l" * 100 + b"e" * 100, "too-deep": b"l" * 101 + b"e" * 101,
        "many": b"l" + b"i1e" * 500 + b"e",
    }
    for name, torrent in torrents():
        samples["torrent-" + name] = torrent if isinstance(torrent, bytes) else benc(torrent)
    return samples


# --- magnets -----------------------------------------------------------------------------

HASH_HEX = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
HASH_B32 = "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK"


def magnet_samples():
    return {
        "minimal": "magnet:?xt=urn:btih:" + HASH_HEX,
        "base32": "magnet:?xt=urn:btih:" + HASH_B32,
        "full": ("magnet:?xt=urn:btih:" + HASH_HEX + "&dn=Some+Name%20%C3%A9"
                 "&tr=http%3A%2F%2Ftracker.example%2Fannounce%3Fpasskey%3Da%2Bb"
                 "&tr=udp://t.example:6969&x.pe=10.0.0.1:6881&x.pe=[2001:db8::1]:51413"
                 "&x.pe=peer.example:1&so=0,2,4-6"),
        "numbered-xt": ("magnet:?xt.1=urn:btih:" + HASH_HEX + "&xt.2=urn:btmh:1220" + "ab" * 32 +
                        "&dn.1=first&dn.2=second"),
        "btmh-only": "magnet:?xt=urn:btmh:1220" + "cd" * 32,
        "other-xt": "magnet:?xt=urn:ed2k:31d6cfe0d16ae931b73c59d7e0c089c0&xt=urn:btih:" + HASH_HEX,
        "fragment": "MAGNET:?XT=URN:BTIH:" + HASH_HEX.upper() + "&ws=http://w.example/#frag&tr=x",
        "so-overlap": "magnet:?xt=urn:btih:" + HASH_HEX + "&so=5-9,0,7&so=1-2",
        "bad-percent": "magnet:?xt=urn:btih:" + HASH_HEX + "&dn=%4",
        "bad-nul": "magnet:?xt=urn:btih:" + HASH_HEX + "&tr=a%00b",
        "bad-peer": "magnet:?xt=urn:btih:" + HASH_HEX + "&x.pe=::1:80",
        "bad-so": "magnet:?xt=urn:btih:" + HASH_HEX + "&so=9-1",
        "conflicting": "magnet:?xt=urn:btih:" + HASH_HEX + "&xt=urn:btih:" + "0" * 40,
        "empty-params": "magnet:?&&xt=urn:btih:" + HASH_HEX + "&&kt=a+b&",
    }


# --- peer wire ---------------------------------------------------------------------------
# wire_fuzz inputs start with a 4-byte control header (see wire_fuzz.cpp): byte 0 selects
# the framer's start state and maximum frame length, bytes 1-3 the chunk sizes the stream
# is fed in. The rest is the byte stream exactly as a peer sends it.

def msg(msg_id=None, body=b""):
    if msg_id is None:
        return struct.pack(">I", 0)  # keep-alive
    return struct.pack(">IB", 1 + len(body), msg_id) + body


def handshake(reserved=b"\x00\x00\x00\x00\x00\x10\x00\x05"):
    return (b"\x13BitTorrent protocol" + reserved + hashlib.sha1(b"info").digest() +
            b"-AR0001-" + b"123456789012")


def wire_samples():
    u32 = lambda *v: struct.pack(">" + "I" * len(v), *v)
    block = bytes(range(256)) * 4
    every = b"".join([
        msg(), msg(0), msg(1), msg(2), msg(3), msg(4, u32(7)), msg(5, b"\xff\xfe\x80"),
        msg(6, u32(1, 0, 16384)), msg(7, u32(1, 0) + block), msg(8, u32(1, 0, 16384)),
        msg(9, struct.pack(">H", 6881)), msg(13, u32(3)), msg(14), msg(15),
        msg(16, u32(2, 16384, 16384)), msg(17, u32(9)),
        msg(20, b"\x00" + benc({"m": {"ut_metadata": 2}, "v": "actorrent"})),
        msg(20, b"\x02" + benc({"msg_type": 1, "piece": 0, "total_size": 5}) + b"hello"),
        msg(99, b"unknown id"),
    ])
    return {
        # (control header, stream)
        "messages-whole": (b"\x00\x00\x00\x00", every),
        "messages-bytewise": (b"\x00\x01\x01\x01", every),
        "messages-odd-chunks": (b"\x00\x07\x03\x0d", every),
        "handshake-then-messages": (b"\x01\x05\x20\x02", handshake() + msg(14) + msg(2) +
                                     msg(6, u32(0, 0, 16384))),
        "handshake-split": (b"\x01\x01\x02\x03", handshake(b"\x00" * 8) + msg()),
        "handshake-bad-protocol": (b"\x01\x00\x00\x00", b"\x13BitTorrent protocoX" + b"\x00" * 48),
        "keepalives": (b"\x00\x02\x00\x00", msg() * 8),
        "frame-too-long": (b"\x02\x00\x00\x00", u32(1 << 24) + b"\x07"),
        "bad-lengths": (b"\x00\x03\x00\x00", msg(0, b"x") + msg(4) + msg(6, u32(1)) +
                        msg(9, b"\x00")),
        "partial-tail": (b"\x00\x09\x00\x00", msg(1) + u32(20) + b"\x07\x00\x00"),
        "backpressure": (b"\x08\x40\x00\x00", every),
        "backpressure-handshake": (b"\x11\x10\xf1\x03", handshake() + every),
        "max-block": (b"\x02\xf0\x01\x00", msg(7, u32(0, 0) + b"\xab" * 16384) +
                      msg(7, u32(0, 16384) + b"\xcd" * 16390)),
        "max-zero": (b"\x06\x01\x00\x00", msg() * 3 + msg(0)),
    }


# --- tracker server ------------------------------------------------------------------------
# tracker_http_fuzz and tracker_udp_fuzz inputs start with 2 control bytes (see the targets'
# sources): byte 0 selects the request form, method, store, clock advance (and for UDP the
# connection-id splice), byte 1 the remote address.

def pct(raw):
    """Percent-encodes every byte outside RFC 3986's unreserved set, as clients do."""
    keep = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    return "".join(chr(b) if b in keep else "%%%02X" % b for b in raw)


SWARM_A = hashlib.sha1(b"tracker seed a").digest()
SWARM_B = hashlib.sha1(b"tracker seed b").digest()
PEER_1 = b"-AR0001-123456789012"
PEER_2 = b"\x00\xff%&=+ #?" + b"x" * 11


def announce_query(info_hash=SWARM_A, peer_id=PEER_1, port=6881, **extra):
    q = "info_hash=%s&peer_id=%s&port=%d" % (pct(info_hash), pct(peer_id), port)
    for k, v in extra.items():
        q += "&%s=%s" % (k, v)
    return q


def tracker_http_samples():
    """(name, control byte, remote byte, payload)."""
    ann = "/announce?" + announce_query(uploaded=0, downloaded=0, left=1000, event="started",
                                        compact=1, numwant=50, key="1a2b3c4d")
    q_seed = announce_query(left=0, event="completed")
    scrape_two = "info_hash=%s&info_hash=%s" % (pct(SWARM_A), pct(SWARM_B))
    s = [
        # Mode 0: the payload is the whole request target.
        ("raw-announce", 0x00, 0x08, ann),
        ("raw-announce-v6", 0x10, 0x09, ann.replace("port=6881", "port=51413")),
        ("raw-announce-absolute", 0x00, 0x10, "http://tracker.example:6969" + ann),
        ("raw-announce-https", 0x00, 0x10, "https://tracker.example" + ann),
        ("raw-announce-fragment", 0x00, 0x10, ann + "#frag"),
        ("raw-scrape", 0x00, 0x08, "/scrape?" + scrape_two),
        ("raw-scrape-all", 0x00, 0x08, "/scrape"),
        ("raw-stats", 0x00, 0x08, "/stats"),
        ("raw-stats-post", 0x04, 0x08, "/stats"),
        ("raw-not-found", 0x00, 0x08, "/favicon.ico"),
        ("raw-empty", 0x00, 0x00, ""),
        ("raw-announce-no-query", 0x00, 0x08, "/announce"),
        ("raw-post-announce", 0x04, 0x08, ann),
        # Mode 1: "/announce?" + payload.
        ("announce-seeder", 0x01, 0x18, q_seed),
        ("announce-stopped", 0x21, 0x18, announce_query(event="stopped")),
        ("announce-not-compact", 0x01, 0x20, announce_query(compact=0, no_peer_id=0)),
        ("announce-no-peer-id", 0x01, 0x21, announce_query(compact=0, no_peer_id=1)),
        ("announce-ip-loopback", 0x01, 0x02, announce_query(ip="10.1.2.3")),
        ("announce-ip6-loopback", 0x01, 0x03, announce_query(ip="2001:db8::7")),
        ("announce-ip-bad", 0x01, 0x02, announce_query(ip="tracker.example")),
        ("announce-ip-ignored", 0x01, 0x28, announce_query(ip="10.1.2.3")),
        ("announce-v4-mapped", 0x01, 0x37, announce_query(peer_id=PEER_2)),
        ("announce-key-other-ip", 0x01, 0x30, announce_query(key="1a2b3c4d", left=5)),
        ("announce-key-text", 0x01, 0x40, announce_query(key="not+hex%20text")),
        ("announce-events", 0x01, 0x48, announce_query(event="paused") + "&supportcrypto=1"),
        ("announce-event-empty", 0x01, 0x48, announce_query(event="")),
        ("announce-numwant-0", 0x01, 0x50, announce_query(numwant=0)),
        ("announce-numwant-huge", 0x01, 0x50, announce_query(numwant="99999999999999999")),
        ("announce-plus", 0x01, 0x58, announce_query(peer_id=b"-AR0001-+++++++++++%")),
        ("announce-missing-hash", 0x01, 0x08, "peer_id=%s&port=1" % pct(PEER_1)),
        ("announce-short-hash", 0x01, 0x08, "info_hash=%41%42&peer_id=x&port=1"),
        ("announce-bad-port", 0x01, 0x08, announce_query(port=0)),
        ("announce-port-huge", 0x01, 0x08, announce_query(port=65536)),
        ("announce-duplicate", 0x01, 0x08, announce_query() + "&port=2"),
        ("announce-bad-left", 0x01, 0x08, announce_query(left="-1")),
        ("announce-bad-compact", 0x01, 0x08, announce_query(compact=2)),
        ("announce-bad-event", 0x01, 0x08, announce_query(event="begin")),
        ("announce-bad-percent", 0x01, 0x08, announce_query() + "&x=%4"),
        ("announce-bad-percent-hex", 0x01, 0x08, "info_hash=%zz"),
        ("announce-raw-space", 0x01, 0x08, announce_query() + "&x=a b"),
        ("announce-empty-parts", 0x01, 0x08, "&&" + announce_query() + "&&flag&=&"),
        ("announce-too-many", 0x01, 0x08, announce_query() + "&x=1" * 70),
        ("announce-long-key", 0x01, 0x08, announce_query(key="k" * 65)),
        ("announce-post", 0x05, 0x08, announce_query()),
        ("announce-allowlist", 0x09, 0x08, announce_query()),
        ("announce-later", 0xf1, 0x08, announce_query()),
        # Mode 2: "/scrape?" + payload.
        ("scrape-two", 0x02, 0x08, scrape_two),
        ("scrape-all", 0x02, 0x08, ""),
        ("scrape-other-params", 0x02, 0x08, "passkey=abc&" + scrape_two),
        ("scrape-short-hash", 0x02, 0x08, "info_hash=abc"),
        ("scrape-too-many", 0x02, 0x08, "&".join(["info_hash=" + "A" * 20] * 101)),
        ("scrape-allowlist", 0x0a, 0x08, scrape_two),
        # Mode 3: built announces (b0 hash, b1 peer, b2 flags, b3 key, b4 ip, b5 left,
        # b6 numwant, b7-b8 port, b9 uploaded/downloaded), then raw query text.
        ("built-started", 0x03, 0x08, "\x00\x00\x11\x2a\x00\x00\x32\x1a\xe1\x03"),
        ("built-seeder", 0x13, 0x10, "\x00\x01\x42\x00\x00\x00\xff\x1a\xe2\x00"),
        ("built-completed", 0x23, 0x18, "\x00\x02\x92\x00\x00\x00\x10\x1a\xe3\x00"),
        ("built-stopped", 0x33, 0x08, "\x00\x00\x13\x2a\x00\x00\x32\x1a\xe1\x00"),
        ("built-not-compact", 0x03, 0x09, "\x01\x03\x05\x00\x00\x00\xff\x1a\xe4\x00"),
        ("built-dict-no-id", 0x03, 0x11, "\x01\x04\x0c\x00\x00\x00\xff\x1a\xe5\x00"),
        ("built-ip-loopback", 0x03, 0x02, "\x02\x05\x21\x00\x04\x00\xff\x1a\xe6\x00"),
        ("built-ip6-loopback", 0x03, 0x03, "\x02\x06\x21\x00\x05\x00\xff\x1a\xe7\x00"),
        ("built-ip-bad", 0x03, 0x02, "\x02\x07\x21\x00\x02\x00\xff\x1a\xe8\x00"),
        ("built-key-move", 0x03, 0x28, "\x00\x00\x10\x2a\x00\x00\x32\x1a\xe1\x00"),
        ("built-port-zero", 0x03, 0x08, "\x00\x00\x00\x00\x00\x00\xff\x00\x00\x00"),
        ("built-allowlist", 0x0b, 0x08, "\x01\x00\x01\x00\x00\x00\xff\x1a\xe1\x00"),
        ("built-allowlist-refused", 0x0b, 0x08, "\x05\x00\x01\x00\x00\x00\xff\x1a\xe1\x00"),
        ("built-extra", 0x03, 0x08, "\x03\x08\x01\x00\x00\x00\x05\x1a\xe1\x03"
                                    "supportcrypto=1&corrupt=0"),
        ("built-duplicate", 0x03, 0x08, "\x03\x08\x01\x00\x00\x00\x05\x1a\xe1\x03port=1"),
        ("built-expiry", 0xf3, 0x08, "\x00\x09\x01\x00\x00\x00\xff\x1a\xe1\x00"),
    ]
    return s


def udp_connect(tid=0x01020304, magic=0x41727101980):
    return struct.pack(">QII", magic, 0, tid)


def udp_announce(conn=0, tid=0x0a0b0c0d, info_hash=SWARM_A, peer_id=PEER_1, downloaded=0,
                 left=1000, uploaded=0, event=2, ip=0, key=0x1a2b3c4d, numwant=-1, port=6881,
                 options=b""):
    return (struct.pack(">QII", conn, 1, tid) + info_hash + peer_id +
            struct.pack(">qqqIIIiH", downloaded, left, uploaded, event, ip, key, numwant, port) +
            options)


def udp_scrape(hashes, conn=0, tid=0x11223344):
    return struct.pack(">QII", conn, 2, tid) + b"".join(hashes)


def tracker_udp_samples():
    """(name, control byte, source byte, datagram). Control bit 0 splices a valid
    connection id over bytes 0-7, bit 2 maps hashes onto the target's fixed swarms."""
    url_data = b"\x02\x0c/announce?a=" + b"\x01" + b"\x02\x05&b=cd" + b"\x00"
    s = [
        ("connect", 0x00, 0x08, udp_connect()),
        ("connect-v6", 0x10, 0x09, udp_connect(0xffffffff)),
        ("connect-bad-magic", 0x00, 0x08, udp_connect(magic=0x41727101981)),
        ("connect-trailing", 0x00, 0x08, udp_connect() + b"\x00" * 4),
        ("announce-no-id", 0x00, 0x08, udp_announce(conn=0x1234)),
        ("announce-started", 0x01, 0x08, udp_announce()),
        ("announce-started-v6", 0x01, 0x09, udp_announce(peer_id=PEER_2)),
        ("announce-v4-mapped", 0x01, 0x37, udp_announce(event=0)),
        ("announce-seeder", 0x11, 0x10, udp_announce(left=0, event=1, numwant=200)),
        ("announce-stopped", 0x21, 0x08, udp_announce(event=3)),
        ("announce-numwant-0", 0x01, 0x18, udp_announce(numwant=0)),
        ("announce-left-negative", 0x01, 0x18, udp_announce(left=-5)),
        ("announce-port-zero", 0x01, 0x08, udp_announce(port=0)),
        ("announce-bad-event", 0x01, 0x08, udp_announce(event=4)),
        ("announce-short", 0x01, 0x08, udp_announce()[:97]),
        ("announce-ip-loopback", 0x01, 0x02, udp_announce(ip=0x0a010203)),
        ("announce-ip6-loopback", 0x01, 0x03, udp_announce(ip=0x0a010203)),
        ("announce-ip-ignored", 0x01, 0x20, udp_announce(ip=0x0a010203)),
        ("announce-url-data", 0x01, 0x08, udp_announce(options=url_data)),
        ("announce-bad-option", 0x01, 0x08, udp_announce(options=b"\x07\x03abc\x02\xff")),
        ("announce-old-id", 0x03, 0x08, udp_announce()),
        ("announce-canonical", 0x05, 0x08, udp_announce()),
        ("announce-canonical-b", 0x15, 0x28, udp_announce(info_hash=b"\x01" * 20,
                                                            peer_id=b"\x05" * 20, left=0)),
        ("announce-canonical-key", 0x05, 0x30, udp_announce(key=0)),
        ("announce-allowlist", 0x0d, 0x08, udp_announce(info_hash=b"\x00" * 20)),
        ("announce-allowlist-refused", 0x0d, 0x08, udp_announce(info_hash=b"\x07" * 20)),
        ("announce-later", 0xf5, 0x08, udp_announce()),
        ("scrape-one", 0x01, 0x08, udp_scrape([SWARM_A])),
        ("scrape-two", 0x05, 0x08, udp_scrape([SWARM_A, b"\x01" * 20])),
        ("scrape-no-id", 0x00, 0x08, udp_scrape([SWARM_A])),
        ("scrape-max", 0x05, 0x09, udp_scrape([bytes([i]) * 20 for i in range(74)])),
        ("scrape-too-many", 0x01, 0x08, udp_scrape([SWARM_A] * 75)),
        ("scrape-none", 0x01, 0x08, udp_scrape([])),
        ("scrape-ragged", 0x01, 0x08, udp_scrape([SWARM_A]) + b"\x00"),
        ("scrape-allowlist", 0x0d, 0x08, udp_scrape([b"\x00" * 20, b"\x01" * 20])),
        ("unknown-action", 0x01, 0x08, struct.pack(">QII", 0, 3, 1) + b"error"),
        ("too-short", 0x00, 0x08, b"\x00" * 15),
    ]
    return s


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py OUTDIR")
    out = sys.argv[1]
    for name, data in bencode_samples().items():
        write(os.path.join(out, "bencode_fuzz"), name, data)
    for name, torrent in torrents():
        data = torrent if isinstance(torrent, bytes) else benc(torrent)
        write(os.path.join(out, "metainfo_fuzz"), name + ".torrent", data)
        if isinstance(torrent, dict):
            write(os.path.join(out, "metainfo_fuzz"), name + ".info", benc(torrent["info"]))
    for name, uri in magnet_samples().items():
        write(os.path.join(out, "magnet_fuzz"), name, uri.encode())
    for name, (control, stream) in wire_samples().items():
        write(os.path.join(out, "wire_fuzz"), name, control + stream)
    for name, control, remote, payload in tracker_http_samples():
        data = payload.encode("latin-1") if isinstance(payload, str) else payload
        write(os.path.join(out, "tracker_http_fuzz"), name, bytes([control, remote]) + data)
    for name, control, source, datagram in tracker_udp_samples():
        write(os.path.join(out, "tracker_udp_fuzz"), name, bytes([control, source]) + datagram)
    counts = {t: len(os.listdir(os.path.join(out, t)))
              for t in ("bencode_fuzz", "metainfo_fuzz", "magnet_fuzz", "wire_fuzz",
                        "tracker_http_fuzz", "tracker_udp_fuzz")}
    print("make_corpus: " + ", ".join("%s %d seeds" % kv for kv in counts.items()) +
          " in " + out)


if __name__ == "__main__":
    main()
