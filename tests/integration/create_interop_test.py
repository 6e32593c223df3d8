#!/usr/bin/python3
"""`actorrent create` output, read by three real clients.

For a single file and a multi-file tree (pieces spanning files, an empty file, nested
directories), with and without --private and --piece-size: libtorrent must give the same
info-hash as ours and, checking the real data with that torrent, find every piece valid;
transmission-show and aria2c must accept it and print the same info-hash. Then
`actorrent verify` must name the file and piece of a single flipped byte.
Exits 77 (skipped, reason printed) when a client is not installed.
Usage: create_interop_test.py PATH/TO/actorrent
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import swarm_util as su  # noqa: E402
import time



def make_data(root):
    rnd = open("/dev/urandom", "rb")
    single = os.path.join(root, "movie.mkv")
    with open(single, "wb") as f:
        f.write(rnd.read(3_000_017))
    tree = os.path.join(root, "tree")
    for rel, size in {"x/1.bin": 123_457, "x/2.bin": 1, "y/z/3.bin": 2_000_000, "0.txt": 0,
                      "4.bin": 65_536, "5 five.bin": 77}.items():
        p = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(rnd.read(size))
    return single, tree


def libtorrent_checks_all_pieces(torrent, save_path):
    """Adds the torrent to a libtorrent session over the data and waits for its check."""
    import libtorrent as lt
    ses = lt.session({"enable_dht": False, "enable_lsd": False, "enable_upnp": False,
                      "enable_natpmp": False, "listen_interfaces": "127.0.0.1:0",
                      "alert_mask": 0})
    ti = lt.torrent_info(torrent)
    h = ses.add_torrent({"ti": ti, "save_path": save_path})
    deadline = time.time() + 60
    while time.time() < deadline:
        s = h.status()
        if s.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) \
                and s.num_pieces == ti.num_pieces():
            break
        time.sleep(0.05)
    have = h.status().num_pieces
    ses.remove_torrent(h)
    return have, ti.num_pieces()


def main():
    su.require(tools=("transmission-show", "aria2c"), libtorrent=True)
    import libtorrent as lt
    binary = sys.argv[1]
    r = su.results()
    check = r.check

    with tempfile.TemporaryDirectory() as tmp:
        single, tree = make_data(tmp)
        variants = [("single", single, []), ("single-private-64K", single, ["--private", "--piece-size", "64K"]),
                    ("multi", tree, []), ("multi-32K", tree, ["--piece-size", "32768", "--comment", "c"])]
        for label, src, extra in variants:
            out = os.path.join(tmp, label + ".torrent")
            res = subprocess.run([binary, "create", src, "-o", out, "-t", "http://127.0.0.1:6969/announce",
                                "-t", "udp://127.0.0.1:6969/announce"] + extra, capture_output=True, text=True)
            if res.returncode != 0:
                check(False, f"{label}: create", res.stderr)
                continue
            ours = json.loads(subprocess.run([binary, "info", "--json", out], capture_output=True,
                                             text=True, check=True).stdout)["info_hash"]
            theirs = str(lt.torrent_info(out).info_hashes().v1)
            check(ours == theirs, f"{label}: libtorrent info-hash {theirs}", f"ours {ours}")
            have, total = libtorrent_checks_all_pieces(out, tmp)
            check(have == total, f"{label}: libtorrent finds {have}/{total} pieces valid", "")
            show = subprocess.run(["transmission-show", out], capture_output=True, text=True)
            check(show.returncode == 0 and f"Hash: {ours}" in show.stdout,
                  f"{label}: transmission-show accepts it", show.stdout + show.stderr)
            aria = subprocess.run(["aria2c", "-S", out], capture_output=True, text=True)
            check(aria.returncode == 0 and f"Info Hash: {ours}" in aria.stdout,
                  f"{label}: aria2c accepts it", aria.stdout[-500:] + aria.stderr)

        # verify names the file and the piece of one flipped byte (multi, 16 KiB pieces:
        # torrent order is 0.txt, 4.bin, 5 five.bin, x/1.bin, x/2.bin, y/z/3.bin).
        out = os.path.join(tmp, "multi.torrent")
        v = subprocess.run([binary, "verify", out, "--dir", tmp], capture_output=True, text=True)
        check(v.returncode == 0, "verify: intact data exits 0", v.stdout + v.stderr)
        target = os.path.join(tree, "y", "z", "3.bin")
        offset_in_file = 1_000_000
        with open(target, "r+b") as f:
            f.seek(offset_in_file)
            b = f.read(1)
            f.seek(offset_in_file)
            f.write(bytes([b[0] ^ 0x80]))
        torrent_offset = 65_536 + 77 + 123_457 + 1 + offset_in_file
        ti = lt.torrent_info(out)
        piece = torrent_offset // ti.piece_length()
        v = subprocess.run([binary, "verify", out, "--dir", tmp], capture_output=True, text=True)
        line = next((l for l in v.stdout.splitlines() if "y/z/3.bin" in l), "")
        check(v.returncode == 1 and re.search(rf"corrupt pieces: {piece}\b", line) is not None,
              f"verify: flipped byte reported in tree/y/z/3.bin, piece {piece}", v.stdout + v.stderr)
        others = [l for l in v.stdout.splitlines() if "corrupt" in l and "y/z/3.bin" not in l]
        check(not others, "verify: no other file blamed", "\n".join(others))
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
