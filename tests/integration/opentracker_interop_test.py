#!/usr/bin/python3
"""Our tracker client against a real tracker: opentracker (Debian's build).

libtorrent announces a torrent to opentracker; `actorrent announce` then asks opentracker
over HTTP and over UDP and must receive libtorrent's address, and a scrape must count it.
opentracker's traps (REAL-PEERS.md): it serves only whitelisted info-hashes, chroots into
its root directory (which must be world-readable) and resolves the whitelist path there.
Usage: opentracker_interop_test.py PATH/TO/actorrent
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import swarm_util as su  # noqa: E402


def main():
    su.require(tools=("opentracker",), libtorrent=True)
    import libtorrent as lt
    binary = sys.argv[1]
    r = su.results()
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        root = os.path.join(tmp, "ot")
        os.makedirs(root)
        os.chmod(root, 0o755)
        port = su.free_port()
        src = os.path.join(tmp, "src")
        su.make_tree(os.path.join(src, "data"), {"x.bin": 500_000})
        torrent = os.path.join(tmp, "t.torrent")
        subprocess.run([binary, "create", os.path.join(src, "data"), "-o", torrent,
                        "-t", f"http://127.0.0.1:{port}/announce"], check=True, stdout=subprocess.DEVNULL)
        info_hash = json.loads(subprocess.run([binary, "info", "--json", torrent], capture_output=True,
                                              text=True, check=True).stdout)["info_hash"]
        with open(os.path.join(root, "whitelist.txt"), "w") as f:
            f.write(info_hash + "\n")
        os.chmod(os.path.join(root, "whitelist.txt"), 0o644)
        conf = os.path.join(root, "opentracker.conf")
        with open(conf, "w") as f:
            f.write(f"tracker.rootdir {root}\naccess.whitelist /whitelist.txt\n")
        os.chmod(conf, 0o644)
        log = open(os.path.join(tmp, "opentracker.log"), "w")
        ot = subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(port), "-P", str(port), "-f", conf],
                              stdout=log, stderr=subprocess.STDOUT)
        ses = None
        try:
            ses = su.lt_session()
            h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": src})
            r.check(su.wait_for_tracker_reply(ses, h), "libtorrent announced to opentracker")
            lt_port = ses.listen_port()
            expected = f"127.0.0.1:{lt_port}"
            for scheme in ("http", "udp"):
                url = f"{scheme}://127.0.0.1:{port}/announce"
                res = subprocess.run([binary, "announce", url, "--torrent", torrent, "--port", "40000",
                                      "--left", "500000", "--json", "--timeout", "10"],
                                     capture_output=True, text=True)
                peers = json.loads(res.stdout)["peers"] if res.returncode == 0 else []
                r.check(expected in peers, f"{scheme}: our client receives libtorrent's peer {expected} from opentracker",
                        f"exit {res.returncode}, peers {peers}, stderr {res.stderr.strip()}")
            res = subprocess.run([binary, "announce", f"udp://127.0.0.1:{port}/announce", "--torrent", torrent,
                                  "--scrape"], capture_output=True, text=True)
            r.check(res.returncode == 0 and "1 seeders" in res.stdout, "udp scrape counts libtorrent's seed",
                    res.stdout + res.stderr)
            # An info-hash opentracker does not allow: a failure reason, said as such.
            res = subprocess.run([binary, "announce", f"http://127.0.0.1:{port}/announce", "--info-hash",
                                  "11" * 20, "--timeout", "10"], capture_output=True, text=True)
            r.check(res.returncode == 1 and res.stderr.strip() != "", "refused info-hash gives a clear error",
                    res.stdout + res.stderr)
            ses.remove_torrent(h)
        finally:
            su.stop(ot)
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
