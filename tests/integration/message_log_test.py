#!/usr/bin/python3
"""The actor message log, read from the file alone after a real download.

A 16 MiB download from an `actorrent seed` process, rate-limited to last ~2 s, with a peer
actor killed every 0.4 s (fault injection) and `--message-log`:
1. Every line is one JSON object with `t` and `event`; the actors are named (kind, id,
   torrent, peer); no block payload is written (a buffer is {"bytes": N}).
2. One piece's story, in time order: the piece manager's `picked` to a peer naming a block of
   piece P (the request) → the peer's `blocks_arrived` with it (the block) → the piece
   manager's `block_writes` to a disk writer → `piece_checked` P passed (written and hashed,
   sent by the disk thread the writer's work runs on) → `have_verified` P to the peers (HAVE) and `piece_verified` to the
   torrent.
3. One supervised restart: a peer actor `terminated` with the injected fault as its reason,
   then a `restarted` line whose `replaces` is that actor's id, for the same address, and the
   new actor's `spawned` line under the same torrent.
4. Wire summaries: the handshake and the seeder's bitfield (or have_all) of each connection.
5. The default sampling: a second download with the config's defaults writes one `picked` in
   16 (the lines say "sampled": 16) and still every `piece_checked`.
The data is identical in both.
Usage: message_log_test.py PATH/TO/actorrent
"""
import filecmp
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

MiB = 1024 * 1024


def write_random(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        for _ in range(size // MiB):
            f.write(rng.randbytes(MiB))


def read_log(path):
    """Every record of the log at `path`, and the lines that were not JSON objects."""
    records, bad = [], []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
                obj = json.loads(line)
                if not isinstance(obj, dict) or "t" not in obj or "event" not in obj:
                    raise ValueError("no t or event")
                records.append(obj)
            except ValueError as e:  # UnicodeDecodeError too
                bad.append(f"line {n}: {e}: {raw[:300]!r}")
    return records, bad


def messages(records, type_, frm=None, to=None):
    return [m for m in records if m["event"] == "message" and m["type"] == type_
            and (frm is None or m["from"]["kind"] == frm) and (to is None or m["to"]["kind"] == to)]


def pieces_of(blocks, nested):
    return {(b["block"] if nested else b)["piece"] for b in blocks}


def first_time(msgs, piece, pieces):
    ts = [m["t"] for m in msgs if piece in pieces(m)]
    return min(ts) if ts else None


def piece_story(records):
    """The first piece whose five steps are all in the log, in time order, with their times."""
    picked = messages(records, "picked", "piece_manager", "peer")
    arrived = messages(records, "blocks_arrived", "peer", "piece_manager")
    writes = messages(records, "block_writes", "piece_manager", "disk_writer")
    # Written and hashed on a disk thread, on the disk writer's behalf: it sends the result.
    checked = messages(records, "piece_checked", None, "piece_manager")
    have = messages(records, "have_verified", "piece_manager", "peer")
    verified = messages(records, "piece_verified", "piece_manager", "torrent")
    for c in checked:
        if not c["fields"].get("passed"):
            continue
        p = c["fields"]["piece"]
        steps = [
            ("request (picked)", first_time(picked, p, lambda m: pieces_of(m["fields"]["blocks"], False))),
            ("block (blocks_arrived)", first_time(arrived, p, lambda m: pieces_of(m["fields"]["blocks"], True))),
            ("to disk (block_writes)", first_time(writes, p, lambda m: pieces_of(m["fields"]["blocks"], True))),
            ("written and hashed (piece_checked)", c["t"]),
            ("have (have_verified)", first_time(have, p, lambda m: {m["fields"]["piece"]})),
            ("verified (piece_verified)", first_time(verified, p, lambda m: {m["fields"]["piece"]})),
        ]
        if all(t is not None for _, t in steps):
            return p, steps
    return None, []


def restart_story(records):
    """(terminated, restarted, spawned) for a peer restarted after an injected kill."""
    by_id = {}
    for rec in records:
        if rec["event"] == "terminated":
            by_id[rec["actor"]["id"]] = rec
    spawned = {rec["actor"]["id"]: rec for rec in records if rec["event"] == "spawned"}
    for rec in records:
        if rec["event"] != "restarted" or rec["actor"]["kind"] != "peer":
            continue
        old = by_id.get(rec["replaces"])
        new = spawned.get(rec["actor"]["id"])
        if old and new and "fault injection" in old.get("reason", ""):
            return old, rec, new
    return None


def tools_on_real_log(binary, tmp, log, records, r):
    """`actorrent log` on this download's own log agrees with what the file says."""
    def run(*args):
        p = subprocess.run([binary, "log", *args], capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = run("show", log, "--type", "piece_checked", "--json")
    shown = [json.loads(x) for x in out.splitlines() if x.strip()]
    r.check(rc == 0 and len(shown) == len(messages(records, "piece_checked")) == 64,
            f"log show --type piece_checked: {len(shown)} lines, as in the file", err[-300:])
    rc, out, err = run("stats", log, "--json")
    stats = json.loads(out) if rc == 0 else {}
    restarts = sum(1 for x in records if x["event"] == "restarted" and x["actor"]["kind"] == "peer")
    r.check(rc == 0 and json.dumps(stats).count('"peer"') > 0 and str(restarts) in out,
            f"log stats --json counts the {restarts} peer restarts", (out or err)[-400:])
    last_restart = max(x["t"] for x in records if x["event"] == "restarted")
    rc, out, err = run("tree", log, "--at", str(last_restart))
    new_id = [x for x in records if x["event"] == "restarted" and x["t"] == last_restart][0]["actor"]["id"]
    r.check(rc == 0 and f"peer#{new_id}" in out and "piece_manager#" in out and "restarts" in out,
            f"log tree at the last restart shows peer#{new_id} under the torrent with its restarts",
            (out or err)[-600:])
    html = os.path.join(tmp, "timeline.html")
    rc, out, err = run("timeline", log, "--html", html)
    page = open(html, encoding="utf-8").read() if rc == 0 else ""
    r.check(rc == 0 and "piece_manager#" in page and "disk_writer#" in page,
            f"log timeline --html draws this download's lanes ({len(page)} bytes)", err[-300:])


def download(binary, tmp, name, torrent, seed_port, cfg, log):
    out = os.path.join(tmp, "out-" + name)
    cfg_path = os.path.join(tmp, name + ".json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    dl = su.Downloader(binary, torrent, out, tmp, name, peers=[f"127.0.0.1:{seed_port}"],
                       extra=["-c", cfg_path, "--state-dir", os.path.join(tmp, "state-" + name),
                              "--download-limit", str(8 * MiB), "--message-log", log])
    rc = dl.wait(90)
    return rc, out, dl


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="actorrent-msglog-") as tmp:
        src = os.path.join(tmp, "src")
        os.makedirs(src)
        write_random(os.path.join(src, "data.bin"), 16 * MiB, 3)
        torrent = su.create_torrent(binary, os.path.join(src, "data.bin"), os.path.join(tmp, "data.torrent"),
                                    piece_size="256K")
        port = su.free_port()
        seed = su.start_seed(binary, torrent, src, tmp, "seed", port,
                             extra=["--state-dir", os.path.join(tmp, "seed-state")])
        try:
            if not su.wait_for_state(seed, ("seeding",), 30):
                r.check(False, "the seeder seeds", seed.describe())
                return r.finish()
            log = os.path.join(tmp, "msgs.jsonl")
            rc, out, dl = download(binary, tmp, "full", torrent, port, {
                "faults": {"kill_peer_every_ms": 400, "seed": 11},
                "supervision": {"initial_delay_ms": 50, "max_delay_ms": 200, "max_restarts": 100000},
                "message_log": {"sample": {}},
            }, log)
            r.check(rc == 0, "the download with the message log on and peers killed completes", dl.describe())
            r.check(rc == 0 and filecmp.cmp(os.path.join(src, "data.bin"), os.path.join(out, "data.bin"),
                                            shallow=False), "the data is identical")
            records, bad = read_log(log)
            r.check(len(records) > 1000 and not bad,
                    f"the log has {len(records)} records, each one JSON object with t and event",
                    "\n".join(bad[:5]))
            r.check(records and records[0]["event"] == "log_started" and records[0]["filters"]["sample"] == {},
                    "the first line says what the run records (log_started, no sampling)",
                    json.dumps(records[0]) if records else "")
            kinds = {rec[k]["kind"] for rec in records for k in ("from", "to", "actor") if k in rec}
            r.check({"session", "torrent", "piece_manager", "disk_writer", "choker", "peer", "socket"} <= kinds,
                    f"the actors are named: {sorted(kinds)}")
            torrent_hex = su.info_hash(binary, torrent)
            peers = [m for m in records if m["event"] == "message" and m["to"]["kind"] == "peer"]
            r.check(peers and all(m["to"].get("torrent") == torrent_hex and m["to"].get("peer") for m in peers),
                    "messages to a peer actor name its torrent and its address")
            raw = open(log, encoding="utf-8", errors="replace").read()
            writes = messages(records, "block_writes")
            r.check(writes and all(b["data"] == {"bytes": 16384} for m in writes for b in m["fields"]["blocks"]),
                    "blocks are logged by size only ({\"bytes\": 16384}), never their payload",
                    raw[:300])

            piece, steps = piece_story(records)
            times = [t for _, t in steps]
            ordered = all(a <= b for a, b in zip(times[:5], times[1:5])) and times[3] <= times[5]
            r.check(piece is not None and ordered,
                    f"piece {piece}: " + " → ".join(f"{name} +{(t - times[0]) / 1000:.1f} ms" for name, t in steps)
                    if piece is not None else "one piece's request → block → written → hashed → have")

            story = restart_story(records)
            if story:
                old, restarted, new = story
                ok = (old["t"] <= restarted["t"] and old["actor"].get("peer") == restarted["actor"].get("peer")
                      and new.get("parent", {}).get("kind") == "torrent" and restarted["restarts"] >= 1)
                r.check(ok, f"peer actor {old['actor']['id']} terminated ({old['reason']!r}), restarted as "
                            f"{restarted['actor']['id']} for {restarted['actor'].get('peer')} "
                            f"(restart #{restarted['restarts']}, spawned under torrent "
                            f"{new.get('parent', {}).get('id')})")
            else:
                r.check(False, "a supervised restart of a killed peer actor is in the log",
                        "\n".join(json.dumps(x) for x in records if x["event"] in ("restarted", "terminated"))[:1500])

            wire = [x for x in records if x["event"] == "wire"]
            hs = [x for x in wire if x["what"] == "handshake"]
            bf = [x for x in wire if x["what"] in ("bitfield", "have_all") and x["dir"] == "in"]
            r.check(hs and bf and all(x["fields"]["peer_id"] for x in hs),
                    f"wire summaries: {len(hs)} handshakes (client {hs[0]['fields']['client'] if hs else '?'}),"
                    f" {len(bf)} bitfields / have_all from the seeder")

            tools_on_real_log(binary, tmp, log, records, r)

            log2 = os.path.join(tmp, "sampled.jsonl")
            rc, out, dl = download(binary, tmp, "sampled", torrent, port, {}, log2)
            r.check(rc == 0 and filecmp.cmp(os.path.join(src, "data.bin"), os.path.join(out, "data.bin"),
                                            shallow=False), "with the default filters the download completes identical",
                    dl.describe())
            records2, bad2 = read_log(log2)
            picked2 = messages(records2, "picked")
            checked2 = messages(records2, "piece_checked")
            r.check(not bad2 and picked2 and all(m.get("sampled") == 16 for m in picked2)
                    and len(checked2) == 64,
                    f"default sampling: {len(picked2)} picked lines, each 'sampled': 16 "
                    f"(of {len(messages(records, 'picked'))} unsampled); all {len(checked2)} piece_checked kept")
        finally:
            seed.stop()
    print(f"wall time {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
