"""`actorrent run -c CONFIG`: a session with every torrent of a config file.

Two torrents in one `run` session seeding from one config (its own state dir, its limits),
each downloaded by a separate `actorrent download`; then the config's errors: an unknown key
and a wrong type are refused with the key named and exit status 2, before any network use.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import swarm_util as su

TIMEOUT = 60


def main():
    binary = os.path.abspath(sys.argv[1])
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="actorrent-run-") as tmp:
        env_state = os.path.join(tmp, "state")
        torrents = []
        for name, total in (("alpha", 3_000_000), ("beta", 5_000_000)):
            src = os.path.join(tmp, "data", name)
            su.make_tree(src, su.uneven_files(6, total))
            t = su.create_torrent(binary, src, os.path.join(tmp, name + ".torrent"))
            torrents.append((name, t, src))

        port = su.free_port()
        config = {
            "listen": {"address": "127.0.0.1", "port": port},
            "download_dir": os.path.join(tmp, "data"),
            "state_dir": env_state,
            "limits": {"max_connections": 20},
            "torrents": [{"source": t, "seed": True} for _, t, _ in torrents],
        }
        cfg = os.path.join(tmp, "session.json")
        with open(cfg, "w") as f:
            json.dump(config, f)
        session = su.ClientProcess([binary, "run", "-c", cfg, "--json-progress"], tmp, "run")
        try:
            def both_seeding():
                objs, _ = session.progress()
                states = {}
                for o in objs:
                    if "name" in o:
                        states[o["name"]] = o.get("state")
                return len(states) == 2 and all(s == "seeding" for s in states.values())

            ok = su.wait_until(lambda: both_seeding() or session.proc.poll() is not None, TIMEOUT)
            ok = ok and session.proc.poll() is None
            r.check(ok, "run -c: both torrents of the config checked and seeding", session.describe())
            if ok:
                for name, t, src in torrents:
                    out = os.path.join(tmp, "out-" + name)
                    d = su.Downloader(binary, t, out, tmp, "get-" + name, peers=[f"127.0.0.1:{port}"],
                                      extra=["--state-dir", os.path.join(tmp, "state-" + name)])
                    rc = d.wait(TIMEOUT)
                    same = rc == 0 and su.same_tree(src, os.path.join(out, name))
                    r.check(same, f"download {name} from the run session: exit 0, data identical",
                            d.describe())
            rc, took = session.stop()
            r.check(rc == 0 and took < 5, f"run session exits 0 on SIGTERM ({took:.1f} s)",
                    f"exit {rc}; {session.stderr()}")
            saved = sorted(os.listdir(env_state)) if os.path.isdir(env_state) else []
            r.check(len([s for s in saved if s.endswith(".resume")]) == 2,
                    "the config's state_dir holds both torrents' resume data", str(saved))
        finally:
            su.stop(session.proc)

        for text, key in (('{"limits": {"uplod": 5}}', "limits.uplod"),
                          ('{"choker": {"upload_slots": "four"}}', "choker.upload_slots")):
            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w") as f:
                f.write(text)
            res = subprocess.run([binary, "run", "-c", bad], capture_output=True, text=True, timeout=20)
            r.check(res.returncode == 2 and key in res.stderr,
                    f"run -c refuses {text}: exit 2 naming {key}",
                    f"exit {res.returncode}; stderr {res.stderr.strip()!r}")
    print(f"run command: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
