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
import time

SKIP = 77


def require_tools():
    missing = [t for t in ("transmission-show", "aria2c") if shutil.which(t) is None]
    try:
        import libtorrent  # noqa: F401
    except ImportError:
        missing.append("python3-libtorrent")
    if missing:
        print("SKIPPED: not installed: " + ", ".join(missing) + " (scripts/setup.sh installs them)")
        sys.exit(SKIP)


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
    require_tools()
    import libtorrent as lt
    binary = sys.argv[1]
    passed = failed = 0

    def check(ok, label, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {label}")
        else:
            failed += 1
            print(f"FAIL {label}: {detail}")

    with tempfile.TemporaryDirectory() as tmp:
        single, tree = make_data(tmp)
        variants = [("single", single, []), ("single-private-64K", single, ["--private", "--piece-size", "64K"]),
                    ("multi", tree, []), ("multi-32K", tree, ["--piece-size", "32768", "--comment", "c"])]
        for label, src, extra in variants:
            out = os.path.join(tmp, label + ".torrent")
            r = subprocess.run([binary, "create", src, "-o", out, "-t", "http://127.0.0.1:6969/announce",
                                "-t", "udp://127.0.0.1:6969/announce"] + extra, capture_output=True, text=True)
            if r.returncode != 0:
                check(False, f"{label}: create", r.stderr)
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
        r = subprocess.run([binary, "verify", out, "--dir", tmp], capture_output=True, text=True)
        check(r.returncode == 0, "verify: intact data exits 0", r.stdout + r.stderr)
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
        r = subprocess.run([binary, "verify", out, "--dir", tmp], capture_output=True, text=True)
        line = next((l for l in r.stdout.splitlines() if "y/z/3.bin" in l), "")
        check(r.returncode == 1 and re.search(rf"corrupt pieces: {piece}\b", line) is not None,
              f"verify: flipped byte reported in tree/y/z/3.bin, piece {piece}", r.stdout + r.stderr)
        others = [l for l in r.stdout.splitlines() if "corrupt" in l and "y/z/3.bin" not in l]
        check(not others, "verify: no other file blamed", "\n".join(others))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
