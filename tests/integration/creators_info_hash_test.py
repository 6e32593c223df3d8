#!/usr/bin/python3
"""`actorrent info` against torrents made by three real creators.

mktorrent, transmission-create and libtorrent (v1-only, and a v1+v2 hybrid whose v1 part
has BEP 47 pad files) each make single- and multi-file torrents of data generated here;
our info-hash, sizes, piece geometry and file list must equal libtorrent's reading of the
same file. Malformed torrents must give a one-line error with a byte offset and exit 2.
Exits 77 (skipped, reason printed) when a creator is not installed.
Usage: creators_info_hash_test.py PATH/TO/actorrent
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import swarm_util as su  # noqa: E402



def make_data(root):
    rnd = open("/dev/urandom", "rb")
    with open(os.path.join(root, "single.bin"), "wb") as f:
        f.write(rnd.read(1_300_001))
    tree = os.path.join(root, "multi dir")
    sizes = {"a.txt": 1000, "b/c.bin": 300_000, "b/d/e.bin": 77_777, "empty": 0,
             "z/last one.dat": 524_288, "ü-unicode.txt": 12_345}
    for i in range(8):
        sizes[f"many/f{i:02d}"] = 5_000 * (i + 1)
    for rel, size in sizes.items():
        path = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rnd.read(size))
    return os.path.join(root, "single.bin"), tree


def lt_create(src, out, flags):
    import libtorrent as lt
    fs = lt.file_storage()
    lt.add_files(fs, src)
    ct = lt.create_torrent(fs, 32768, flags=flags)
    ct.add_tracker("http://127.0.0.1:6969/announce", 0)
    ct.add_tracker("udp://127.0.0.1:6969/announce", 1)
    lt.set_piece_hashes(ct, os.path.dirname(src))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))


def creators(single, tree, out):
    import libtorrent as lt
    made = []
    for name, src in (("single", single), ("multi", tree)):
        t = os.path.join(out, f"mktorrent-{name}.torrent")
        subprocess.run(["mktorrent", "-l", "15", "-a", "http://127.0.0.1:6969/announce",
                        "-o", t, src], check=True, stdout=subprocess.DEVNULL)
        made.append(t)
        t = os.path.join(out, f"transmission-{name}.torrent")
        subprocess.run(["transmission-create", "-p", "-s", "64", "-t",
                        "http://127.0.0.1:6969/announce", "-o", t, src],
                       check=True, stdout=subprocess.DEVNULL)
        made.append(t)
        t = os.path.join(out, f"libtorrent-v1-{name}.torrent")
        lt_create(src, t, lt.create_torrent.v1_only)
        made.append(t)
        t = os.path.join(out, f"libtorrent-hybrid-{name}.torrent")
        lt_create(src, t, 0)
        made.append(t)
    return made


def actorrent_info(binary, torrent):
    r = subprocess.run([binary, "info", "--json", torrent], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def libtorrent_view(torrent):
    import libtorrent as lt
    ti = lt.torrent_info(torrent)
    fs = ti.files()
    files = []
    for i in range(fs.num_files()):
        files.append({"size": fs.file_size(i), "offset": fs.file_offset(i),
                      "pad": bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
                      "path": fs.file_path(i).replace(os.sep, "/")})
    return {"info_hash": str(ti.info_hashes().v1), "total_size": ti.total_size(),
            "piece_length": ti.piece_length(), "piece_count": ti.num_pieces(),
            "private": ti.priv(), "name": ti.name(), "files": files}


def compare(ours, theirs):
    problems = []
    for key in ("info_hash", "total_size", "piece_length", "piece_count", "private", "name"):
        if ours[key] != theirs[key]:
            problems.append(f"{key}: ours {ours[key]!r}, libtorrent {theirs[key]!r}")
    ours_files = [{"size": f["size"], "offset": f["offset"], "pad": f.get("pad", False),
                   "path": (ours["name"] + "/" + f["path"]) if ours["multi_file"] else f["path"]}
                  for f in ours["files"]]
    if ours_files != theirs["files"]:
        problems.append(f"files differ:\n  ours {ours_files}\n  libtorrent {theirs['files']}")
    return problems


def malformed_cases(good_torrent, out):
    data = open(good_torrent, "rb").read()
    cases = {"truncated": data[: len(data) // 2], "garbage": b"\x00\x01not bencode",
             "trailing": data + b"xx", "empty": b""}
    evil = data.replace(b"4:path", b"4:path", 1)
    cases["dotdot"] = evil.replace(b"5:a.txt", b"5:../ab", 1)
    paths = {}
    for name, blob in cases.items():
        p = os.path.join(out, f"bad-{name}.torrent")
        with open(p, "wb") as f:
            f.write(blob)
        paths[name] = p
    return paths


def main():
    su.require(tools=("mktorrent", "transmission-create"), libtorrent=True)
    binary = sys.argv[1]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        single, tree = make_data(tmp)
        for torrent in creators(single, tree, tmp):
            label = os.path.basename(torrent)
            try:
                problems = compare(actorrent_info(binary, torrent), libtorrent_view(torrent))
            except Exception as e:  # a crash or a refusal is a failure of this case
                problems = [str(e)]
            if problems:
                failed += 1
                print(f"FAIL {label}: " + "; ".join(problems))
            else:
                passed += 1
                print(f"ok   {label}: info-hash agrees with libtorrent")
        good = os.path.join(tmp, "mktorrent-multi.torrent")
        for name, path in malformed_cases(good, tmp).items():
            r = subprocess.run([binary, "info", path], capture_output=True, text=True)
            lines = r.stderr.strip().splitlines()
            if r.returncode == 2 and len(lines) == 1 and "at byte" in lines[0]:
                passed += 1
                print(f"ok   malformed {name}: {lines[0]}")
            else:
                failed += 1
                print(f"FAIL malformed {name}: exit {r.returncode}, stderr {r.stderr!r}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
