#!/usr/bin/python3
"""Five actorrent clients that find each other by peer exchange (BEP 11, ut_pex).

Our tracker answers every announce with at most one peer (numwant_max 1) and never lets a
client announce again during the test (interval and min_interval 600 s): each client is told
of one other peer at most. One seeder (upload limited to 1 MiB/s, so the download lasts long
enough for PEX to matter and the leechers have to share) and four leechers started a second
apart, every one with its message log on. Checks:
  * every leecher completes with data identical to the source;
  * the tracker told each leecher of exactly one peer (from the logs' peers_discovered);
  * every leecher used PEX messages that named peers, and the clients dialed peers they had
    learnt only through PEX;
  * a PEX message was never sent on one connection sooner than a minute after the previous.
Then a private torrent (BEP 27), a seeder and two leechers told of every peer: none of them
may offer, send or use ut_pex.
Usage: pex_test.py PATH/TO/actorrent
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

SIZE = 12 * 1024 * 1024 + 777
SEEDER_LIMIT = 1024 * 1024  # bytes/s: alone, the seeder would need ~50 s for four leechers
TIMEOUT = 120


def discovered(lines, source_is_pex):
    """Addresses in peers_discovered messages, from PEX or from trackers."""
    out = set()
    for x in lines:
        if x.get("event") == "message" and x.get("type") == "peers_discovered":
            f = x.get("fields", {})
            if (f.get("source") == "pex") == source_is_pex:
                out.update(str(p) for p in f.get("peers", []))
    return out


def wire(lines, what, direction):
    return [x for x in lines if x.get("event") == "wire" and x.get("what") == what and x.get("dir") == direction]


def dialed(lines):
    """Addresses of the peer actors the torrent spawned (outgoing connections)."""
    return {x["actor"].get("peer") for x in lines
            if x.get("event") == "spawned" and x.get("actor", {}).get("kind") == "peer"
            and x.get("parent", {}).get("kind") == "torrent"}


def too_frequent(lines):
    """PEX messages sent on one connection less than 60 s after the previous one."""
    last, bad = {}, 0
    for x in sorted(wire(lines, "pex", "out"), key=lambda x: x["t"]):
        a = x["actor"].get("id")
        if a in last and x["t"] - last[a] < 60_000_000:
            bad += 1
        last[a] = x["t"]
    return bad


def swarm(binary, tmp, r, label, leechers, private):
    """Seeder + leechers on one torrent; returns the clients' message logs by label."""
    src = os.path.join(tmp, label, "src")
    su.make_tree(src, {"data.bin": SIZE})
    # A private torrent's clients are told of every peer: without PEX, a leecher told of one
    # that finishes and leaves would have nobody left to ask.
    one_peer = {} if private else {"numwant_default": 1, "numwant_max": 1}
    tracker, http_port, _ = su.start_tracker(binary, os.path.join(tmp, label), interval=600,
                                             extra={"min_interval": 600, **one_peer})
    procs = []
    try:
        torrent = os.path.join(tmp, label, "t.torrent")
        cmd = [binary, "create", os.path.join(src, "data.bin"), "-o", torrent, "-t",
               f"http://127.0.0.1:{http_port}/announce", "--piece-size", "32K"]
        if private:
            cmd.append("--private")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        logs = {}

        def log_args(name):
            logs[name] = os.path.join(tmp, label, name + ".msglog", "m.log")
            os.makedirs(os.path.dirname(logs[name]), exist_ok=True)
            # No DHT: the clients' nodes would learn of each other through PORT messages and
            # find peers there too; here peers come from the tracker and PEX alone.
            return ["--message-log", logs[name], "--state-dir", os.path.join(tmp, label, name + ".state"), "--no-dht"]

        seeder = su.start_seed(binary, torrent, src, os.path.join(tmp, label), "seeder", 0,
                               extra=["--upload-limit", str(SEEDER_LIMIT)] + log_args("seeder"))
        procs.append(seeder)
        if not r.check(su.wait_for_state(seeder, ("seeding",), 30), f"{label}: the seeder seeds",
                       seeder.describe()):
            return None
        downloaders = []
        for i in range(1, leechers + 1):
            name = f"leecher-{i}"
            d = su.Downloader(binary, torrent, os.path.join(tmp, label, name), os.path.join(tmp, label), name,
                              extra=log_args(name))
            procs.append(d)
            downloaders.append(d)
            time.sleep(1)
        for d, rc in zip(downloaders, su.wait_all(downloaders, TIMEOUT)):
            same = rc == 0 and su.same_tree(src, os.path.join(tmp, label, d.label))
            r.check(same, f"{label}: {d.label}: exit 0, data identical ({d.elapsed:.1f} s)", d.describe())
        su.stop_all([seeder])
        return {name: su.message_log_records(path) for name, path in logs.items()}
    finally:
        for p in procs:
            su.stop(p.proc)
        su.stop(tracker)


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        logs = swarm(binary, tmp, r, "public", 4, private=False)
        if logs:
            leechers = [n for n in logs if n.startswith("leecher")]
            answers = [len(x["fields"].get("peers", [])) for n in logs for x in logs[n]
                       if x.get("event") == "message" and x.get("type") == "peers_discovered"
                       and x.get("fields", {}).get("source") != "pex"]
            r.check(answers and max(answers) == 1,
                    f"public: every tracker answer named one peer at most ({len(answers)} answers)",
                    str(answers))
            for n in leechers:
                used = [x for x in wire(logs[n], "pex", "in")
                        if x["fields"].get("used") and x["fields"].get("added", 0) > 0]
                r.check(used, f"public: {n} used PEX messages naming peers ({len(used)})",
                        f"pex in: {[x['fields'] for x in wire(logs[n], 'pex', 'in')]}")
            via_pex = {n: (dialed(logs[n]) & discovered(logs[n], True)) - discovered(logs[n], False)
                       for n in logs}
            total = sum(len(v) for v in via_pex.values())
            r.check(total >= len(leechers), f"public: the clients dialed {total} peers learnt only through PEX",
                    str(via_pex))
            sent = sum(len(wire(logs[n], "pex", "out")) for n in logs)
            bad = sum(too_frequent(logs[n]) for n in logs)
            r.check(sent > 0 and bad == 0,
                    f"public: {sent} PEX messages sent, none sooner than a minute after the previous on "
                    "its connection", f"{bad} too soon")
        logs = swarm(binary, tmp, r, "private", 2, private=True)
        if logs:
            offered = [n for n in logs for x in wire(logs[n], "extension_handshake", "in")
                       if "ut_pex" in x["fields"].get("extensions", [])]
            pex_lines = [n for n in logs for d in ("in", "out") for _ in wire(logs[n], "pex", d)]
            r.check(not offered and not pex_lines and not any(discovered(logs[n], True) for n in logs),
                    "private: no client offered, sent or used ut_pex",
                    f"offered by peers of {offered}; pex lines in {pex_lines}")
    print(f"pex: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
