"""`actorrent log show|stats|follow|tree|timeline` on a synthetic message log.

The test writes a log of docs/message-log.md's records (spawned, terminated, restarted, wire
and a few hundred messages between about ten actors over ten seconds), rotated into
msgs.1.jsonl and msgs.jsonl with one malformed line, then checks each subcommand's output
against what it wrote: show and its filters, stats, the tree at three times, follow while the
file grows and rotates, and the timeline page rendered by headless Chromium (its DOM, and a
screenshot kept as an artifact). Needs chromium (Debian's); skipped without it.
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

SKIP = 77
T0 = 1763730000000000  # 2025-11-21 13:00:00 UTC; the test runs with TZ=UTC
TORRENT = "9f3c01ab" + "a" * 32
ENV = dict(os.environ, TZ="UTC")


def actor(kind, ident, peer=None, torrent=True):
    a = {"kind": kind, "id": ident}
    if torrent:
        a["torrent"] = TORRENT
    if peer:
        a["peer"] = peer
    return a


def synthetic_log():
    """Records in time order. Peer 10 is killed at +4 s and restarted as 13 (restart 1), 13 at
    +7 s as 15 (restart 2); peer 11 ends normally at +8.5 s; peer 12 lives on."""
    import random
    rnd = random.Random(7)
    s = lambda secs: T0 + int(secs * 1e6)  # noqa: E731
    session = actor("session", 1, torrent=False)
    torrent = actor("torrent", 5)
    tracker = actor("tracker", 6)
    pm = actor("piece_manager", 7)
    dw = actor("disk_writer", 8)
    choker = actor("choker", 9)
    peers = {10: actor("peer", 10, "127.0.0.1:6001"), 11: actor("peer", 11, "127.0.0.1:6002"),
             12: actor("peer", 12, "127.0.0.1:6003"), 13: actor("peer", 13, "127.0.0.1:6001"),
             15: actor("peer", 15, "127.0.0.1:6001")}
    recs = []

    def ev(t, event, a, **extra):
        r = {"t": t, "event": event, "actor": a}
        r.update(extra)
        recs.append(r)

    def msg(t, frm, to, typ, fields=None):
        r = {"t": t, "event": "message"}
        if frm is not None:
            r["from"] = frm
        r.update({"to": to, "type": typ, "fields": fields or {}})
        recs.append(r)

    ev(s(0), "spawned", session)
    ev(s(0.05), "spawned", torrent, parent=session)
    for i, a in enumerate((tracker, pm, dw, choker)):
        ev(s(0.06 + i * 0.001), "spawned", a, parent=torrent)
    for i, p in enumerate((10, 11, 12)):
        ev(s(0.08 + i * 0.001), "spawned", peers[p], parent=torrent)
        ev(s(0.085 + i * 0.001), "wire", peers[p], dir="in", what="handshake",
           fields={"peer_id": "2d6c74" + "0" * 34, "client": "libtorrent", "fast": True,
                   "extensions": True})
    msg(s(0.09), torrent, tracker, "announce", {"event": "started", "left": 1000000})
    msg(s(0.095), tracker, torrent, "peers", {"count": 3})
    ev(s(4.0), "terminated", peers[10], reason="fault injection: peer actor killed")
    ev(s(4.01), "spawned", peers[13], parent=torrent)
    ev(s(4.01), "restarted", peers[13], replaces=10, parent=torrent, restarts=1,
       reason="fault injection: peer actor killed")
    ev(s(7.0), "terminated", peers[13], reason="killed")
    ev(s(7.01), "spawned", peers[15], parent=torrent)
    ev(s(7.01), "restarted", peers[15], replaces=13, parent=torrent, restarts=2, reason="killed")
    ev(s(8.5), "wire", peers[11], dir="out", what="closed", fields={"reason": "done"})
    ev(s(8.5), "terminated", peers[11], reason="normal")

    def alive(t):
        out = [12]
        out.append(10 if t < s(4.0) else 13 if t < s(7.0) else 15)
        if t < s(8.5):
            out.append(11)
        return out

    for i in range(400):
        t = s(0.1) + i * 24000 + rnd.randrange(0, 2000)
        p = peers[rnd.choice(alive(t))]
        kind = i % 8
        piece = rnd.randrange(0, 40)
        if kind in (0, 1):
            msg(t, pm, p, "picked", {"piece": piece, "blocks": [{"piece": piece, "offset": 0,
                                                                   "length": 16384}]})
        elif kind == 2:
            msg(t, p, pm, "have", {"piece": piece})
        elif kind == 3:
            msg(t, p, dw, "block", {"piece": piece, "offset": 16384, "data": {"bytes": 16384}})
        elif kind == 4:
            msg(t, dw, pm, "written", {"piece": piece})
        elif kind == 5:
            msg(t, {"kind": "socket", "id": 0, "torrent": TORRENT, "peer": p["peer"]}, p, "frames",
                {"count": rnd.randrange(1, 9)})
        elif kind == 6:
            msg(t, choker, choker, "tick")
        else:
            msg(t, choker, p, "unchoke", {"slot": i % 4})
    recs.sort(key=lambda r: r["t"])
    return recs


def line_of(r):
    return json.dumps(r, separators=(",", ":"))


def write_rotated(directory, recs, malformed_at=3):
    """The first half in msgs.1.jsonl, the rest in msgs.jsonl with a malformed line at line
    `malformed_at`. Returns the path of msgs.jsonl."""
    half = len(recs) // 2
    with open(os.path.join(directory, "msgs.1.jsonl"), "w") as f:
        for r in recs[:half]:
            f.write(line_of(r) + "\n")
    path = os.path.join(directory, "msgs.jsonl")
    with open(path, "w") as f:
        for i, r in enumerate(recs[half:]):
            if i + 1 == malformed_at:
                f.write('{"t": 17637300, "event": "message", "from": {"kind": "peer"\n')
            f.write(line_of(r) + "\n")
    return path


def names(r):
    """The actors a record names for --actor: from, to, actor, and a restart's replaced one."""
    out = []
    for k in ("from", "to", "actor"):
        if k in r:
            out.append((r[k]["kind"], r[k]["id"]))
    if r["event"] == "restarted":
        out.append((r["actor"]["kind"], r["replaces"]))
    return out


def run(binary, *args, timeout=60):
    return subprocess.run([binary, "log", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout)


def check_show(r, binary, log, recs):
    res = run(binary, "show", log)
    lines = res.stdout.splitlines()
    r.check(res.returncode == 0 and len(lines) == len(recs),
            f"show: exit 0, one line per record ({len(recs)})",
            f"exit {res.returncode}, {len(lines)} lines; {res.stderr[:300]}")
    warnings = [w for w in res.stderr.splitlines() if "warning" in w]
    r.check(len(warnings) == 1 and "msgs.jsonl:3:" in warnings[0],
            "show: the malformed line gets one warning naming msgs.jsonl:3", res.stderr[:300])
    r.check(bool(lines) and lines[0].startswith("2025-11-21 13:00:00.000000  session#1")
            and "spawned" in lines[0], "show: first line is the session's spawn at local time",
            lines[:1])
    times = [ln[:26] for ln in lines]
    r.check(times == sorted(times), "show: the two rotated files read oldest first, in time order")
    pat = re.compile(r"^2025-11-21 13:00:\d\d\.\d{6}  piece_manager#7 → peer#1[0-5]@127\.0\.0\.1:600\d"
                     r" +picked +blocks=\[\{length=16384 offset=0 piece=\d+\}\] piece=\d+$")
    picked = [ln for ln in lines if " picked " in ln]
    r.check(picked and all(pat.match(ln) for ln in picked),
            f"show: message lines are 'time  from → to  type  fields' ({len(picked)} picked)",
            next((ln for ln in picked if not pat.match(ln)), ""))
    restart = [ln for ln in lines if "restarted" in ln]
    r.check(len(restart) == 2 and "torrent#5 → peer#15@127.0.0.1:6001" in restart[1]
            and "replaces=13" in restart[1] and "restarts=2" in restart[1],
            "show: restart events as parent → new actor with replaces, restarts", restart)

    res = run(binary, "show", "--json", log)
    got = [json.loads(ln) for ln in res.stdout.splitlines()]
    r.check(res.returncode == 0 and got == recs, "show --json: the records themselves, in order",
            f"exit {res.returncode}, {len(got)} records")

    def count(args, pred, label):
        res = run(binary, "show", log, *args)
        n = len(res.stdout.splitlines())
        want = sum(1 for x in recs if pred(x))
        r.check(res.returncode == 0 and n == want and want > 0,
                f"show {' '.join(args)}: {want} records ({label})",
                f"exit {res.returncode}, got {n}; {res.stderr[:200]}")

    count(["--actor", "peer#13"], lambda x: ("peer", 13) in names(x), "sender, receiver or event actor")
    count(["--actor", "disk_writer", "--actor", "choker"],
          lambda x: any(k in ("disk_writer", "choker") for k, _ in names(x)), "repeatable: OR")
    count(["--type", "restarted"], lambda x: x["event"] == "restarted", "an event name")
    count(["--type", "picked", "--type", "have"], lambda x: x.get("type") in ("picked", "have"),
          "two types")
    count(["--type", "handshake"], lambda x: x.get("what") == "handshake", "a wire line's what")
    count(["--peer", "6002", "--torrent", "9F3C"],
          lambda x: any(x.get(k, {}).get("peer", "").find("6002") >= 0 for k in ("from", "to", "actor")),
          "address substring AND info-hash prefix")
    res = run(binary, "show", log, "--torrent", "77e0")
    r.check(res.returncode == 0 and res.stdout == "", "show --torrent 77e0: nothing (another torrent)")
    window = lambda x: T0 + 5_000_000 <= x["t"] <= T0 + 6_000_000  # noqa: E731
    count(["--since", "+5", "--until", "+6"], window, "+SECONDS from the first record")
    count(["--since", "2025-11-21T13:00:05", "--until", "2025-11-21 13:00:06.000000"], window,
          "absolute local times")
    count(["--since", str(T0 + 5_000_000), "--until", "13:00:06Z"], window,
          "µs since the epoch, a UTC time of day")
    count(["--grep", r'"piece":1[0-9][,}]', "--type", "have"],
          lambda x: x.get("type") == "have" and re.search(r'"piece":1[0-9][,}]', line_of(x)),
          "regex over the raw line AND a type")

    res = run(binary, "show", log, os.path.join(os.path.dirname(log), "missing.jsonl"))
    r.check(res.returncode == 1 and "missing.jsonl" in res.stderr,
            "show with a missing file: exit 1 naming it", f"exit {res.returncode}: {res.stderr}")
    res = run(binary, "show", log, "--since", "yesterday")
    r.check(res.returncode == 2 and "--since" in res.stderr, "show --since yesterday: exit 2, says why",
            f"exit {res.returncode}: {res.stderr}")


def check_stats(r, binary, log, recs):
    res = run(binary, "stats", "--json", "--top", "0", log)
    try:
        j = json.loads(res.stdout)
    except ValueError:
        j = {}
    msgs = [x for x in recs if x["event"] == "message"]
    r.check(res.returncode == 0 and j.get("messages") == len(msgs) and j.get("records") == len(recs),
            f"stats --json: {len(recs)} records, {len(msgs)} messages",
            f"exit {res.returncode}; {res.stdout[:200]} {res.stderr[:200]}")
    by_type = {}
    for x in msgs:
        by_type[x["type"]] = by_type.get(x["type"], 0) + 1
    got_types = {t["type"]: t["count"] for t in j.get("by_type", [])}
    r.check(got_types == by_type, "stats: counts by type", f"{got_types} vs {by_type}")
    duration = (recs[-1]["t"] - recs[0]["t"]) / 1e6
    picked_rate = next((t["per_s"] for t in j.get("by_type", []) if t["type"] == "picked"), 0)
    r.check(abs(picked_rate - by_type["picked"] / duration) < 1e-6,
            f"stats: picked at {picked_rate:.2f} msg/s over {duration:.2f} s")
    pairs = {}
    for x in msgs:
        key = (x["from"]["kind"], x["from"]["id"], x["from"].get("peer"), x["to"]["kind"], x["to"]["id"])
        pairs[key] = pairs.get(key, 0) + 1
    top = max(pairs.values())
    talkers = j.get("top_talkers", [])
    r.check(bool(talkers) and talkers[0]["count"] == top and len(talkers) == len(pairs),
            f"stats: top talker pair has {top} messages, {len(pairs)} pairs",
            json.dumps(talkers[:2]))
    r.check(j.get("restarts_by_kind") == {"peer": 2}, "stats: restarts by kind (peer 2)",
            j.get("restarts_by_kind"))
    r.check(j.get("terminations_by_reason") == {"fault injection: peer actor killed": 1, "killed": 1,
                                                "normal": 1},
            "stats: terminations by reason", j.get("terminations_by_reason"))
    actors = {(a["actor"]["kind"], a["actor"]["id"]) for a in j.get("by_actor", [])}
    r.check({("peer", 15), ("piece_manager", 7), ("choker", 9)} <= actors,
            f"stats: by actor ({len(actors)} actors)", actors)

    res = run(binary, "stats", log)
    out = res.stdout
    r.check(res.returncode == 0 and all(s in out for s in (
        "messages by type:", "messages by actor", "top talkers (sender → receiver", "restarts by kind:",
        "terminations by reason:", "peer#12@127.0.0.1:6003")) and re.search(r"\n +2  peer\n", out),
        "stats: text tables (types, actors, talkers, restarts 2 peer, terminations)", out[:600])
    res = run(binary, "stats", "--type", "have", "--json", log)
    r.check(res.returncode == 0 and json.loads(res.stdout)["messages"] == by_type["have"],
            "stats --type have: only the filtered records counted")


def check_tree(r, binary, log):
    res = run(binary, "tree", log)
    out = res.stdout
    r.check(res.returncode == 0 and "peer#15 9f3c01ab 127.0.0.1:6001  restarts 2 (replaced #13)" in out
            and "peer#12 9f3c01ab 127.0.0.1:6003\n" in out and "peer#10" not in out
            and "peer#11" not in out and out.splitlines()[1] == "session#1"
            and "└─ torrent#5 9f3c01ab" in out,
            "tree (end of log): the second restart counted, terminated peers gone", out)
    r.check("8 actors alive, 3 terminated" in out and "2 restarts" in out,
            "tree: header counts alive, terminated, restarts", out.splitlines()[:1])
    res = run(binary, "tree", "--at", "+5", log)
    out = res.stdout
    r.check(res.returncode == 0 and "peer#13 9f3c01ab 127.0.0.1:6001  restarts 1 (replaced #10)" in out
            and "peer#11" in out and "peer#15" not in out and "peer#10" not in out,
            "tree --at +5: peer 13 is restart 1, peer 11 still alive", out)
    res = run(binary, "tree", "--at", "2025-11-21T13:00:03", log)
    r.check(res.returncode == 0 and "peer#10 9f3c01ab 127.0.0.1:6001\n" in res.stdout
            and "restarts" not in res.stdout.split("\n", 1)[1],
            "tree --at 13:00:03: before any restart", res.stdout)
    res = run(binary, "tree", "--all", log)
    r.check(res.returncode == 0 and re.search(r"peer#10 9f3c01ab 127\.0\.0\.1:6001  terminated "
                                              r"2025-11-21 13:00:04\.000000: fault injection", res.stdout),
            "tree --all: terminated actors shown with time and reason", res.stdout)


def check_follow(r, binary, recs, tmp):
    live_dir = os.path.join(tmp, "live")
    os.makedirs(live_dir)
    live = os.path.join(live_dir, "msgs.jsonl")
    first, grow, after = recs[:100], recs[100:110], recs[110:125]
    with open(live, "w") as f:
        for x in first:
            f.write(line_of(x) + "\n")
    proc = subprocess.Popen([binary, "log", "follow", "--json", "-n", "1", live],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    lines = queue.Queue()

    def pump():
        for ln in proc.stdout:
            lines.put(ln.rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()

    def take(n, timeout):
        got, deadline = [], time.time() + timeout
        while len(got) < n and time.time() < deadline:
            try:
                got.append(json.loads(lines.get(timeout=max(0.01, deadline - time.time()))))
            except queue.Empty:
                break
        return got

    try:
        got = take(1, 10)
        r.check(got == first[-1:], "follow -n 1: starts with the file's last record",
                f"{got} {proc.stderr.read() if proc.poll() is not None else ''}")
        with open(live, "a") as f:  # the file grows, one line at a time
            for x in grow:
                f.write(line_of(x) + "\n")
                f.flush()
        got = take(len(grow), 10)
        r.check(got == grow, f"follow: {len(grow)} appended lines printed as they come",
                f"got {len(got)}")
        # Rotation as spdlog does it: rename to .1, then a new file at the path.
        with open(live, "a") as f:
            f.write(line_of(after[0]) + "\n")
        os.rename(live, os.path.join(live_dir, "msgs.1.jsonl"))
        time.sleep(0.5)
        with open(live, "w") as f:
            for x in after[1:]:
                f.write(line_of(x) + "\n")
        got = take(len(after), 10)
        r.check(got == after, "follow: across rotation, the old file finished, the new one read",
                f"got {len(got)} of {len(after)}")
        r.check(proc.poll() is None, "follow: still running after the rotation")
    finally:
        t = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait(timeout=5)
    r.check(rc == 0 and time.time() - t < 2, f"follow: SIGTERM ends it at once, exit 0 ({rc})")

    # Filters, -n and --idle-exit: it prints the last 3 matching records and ends by itself.
    start = time.time()
    res = subprocess.run([binary, "log", "follow", live, "--type", "picked", "-n", "3", "--idle-exit",
                          "1"], capture_output=True, text=True, env=ENV, timeout=30)
    took = time.time() - start
    want = [x for x in after[1:] if x.get("type") == "picked"][-3:]
    got = res.stdout.splitlines()
    r.check(res.returncode == 0 and 1 <= took < 10 and len(got) == len(want)
            and all(" picked " in g for g in got)
            and all(g.startswith(str_time(x["t"])) for g, x in zip(got, want)),
            f"follow --type picked -n 3 --idle-exit 1: {len(want)} lines, ends after {took:.1f} s",
            f"exit {res.returncode}: {got} {res.stderr}")


def str_time(t):
    secs, us = divmod(t, 1_000_000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(secs)) + f".{us:06d}"


def artifacts_dir(binary):
    d = os.environ.get("ACTORRENT_ARTIFACTS_DIR")
    if not d:
        d = os.path.dirname(binary)
        while d != "/" and not os.path.exists(os.path.join(d, "CMakeCache.txt")):
            d = os.path.dirname(d)
        d = os.path.join(d if d != "/" else os.path.dirname(binary), "test-artifacts")
    os.makedirs(d, exist_ok=True)
    return d


def chromium(args, tmp, timeout=90):
    profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp)
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--disable-sync",
           "--user-data-dir=" + profile, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)


def check_timeline(r, binary, log, recs, tmp):
    page = os.path.join(tmp, "timeline.html")
    res = run(binary, "timeline", log, "--html", page)
    msgs = [x for x in recs if x["event"] == "message"]
    r.check(res.returncode == 0 and os.path.exists(page) and f"{len(msgs)} messages" in res.stdout,
            f"timeline --html: wrote the page ({len(msgs)} messages)", res.stdout + res.stderr)
    html = open(page, encoding="utf-8").read()
    r.check("http://" not in html and "https://" not in html and not re.search(r"\b(src|href)=", html)
            and "@import" not in html and "url(http" not in html,
            f"timeline: self-contained, no URL to fetch ({len(html)} bytes)")

    res = run(binary, "timeline", log, "--html", os.path.join(tmp, "cut.html"), "--max-messages", "50",
              "--actor", "piece_manager")
    r.check(res.returncode == 0 and "first 50 of" in res.stderr and "50 messages" in res.stdout,
            "timeline --max-messages 50 --actor piece_manager: cut, and says so", res.stdout + res.stderr)

    url = "file://" + page
    res = chromium(["--dump-dom", url], tmp)
    dom = res.stdout
    lanes = re.findall(r'<div class="lane-label g-(\w+) kind-(\w+)"[^>]*>([^<]+)<', dom)
    labels = [lab for _, _, lab in lanes]
    want = ["session#1", "torrent#5", "tracker#6", "piece_manager#7", "disk_writer#8", "choker#9",
            "peer#10", "peer#11", "peer#12", "peer#13", "peer#15", "socket (peer connections)"]
    r.check(res.returncode == 0 and sorted(labels) == sorted(want),
            f"chromium --dump-dom: the {len(want)} lanes rendered as labels",
            f"exit {res.returncode}; labels {labels}; {res.stderr[-400:]}")
    groups = re.findall(r'<div class="group-label">(\w+)</div>', dom)
    r.check(groups == ["session", "torrent", "parts", "peers"], "chromium: lanes grouped session, torrent, "
            "parts, peers, in that order", groups)
    arrows = len(re.findall(r'<line [^>]*class="arrow"', dom))
    selfs = sum(1 for x in msgs if x["from"]["kind"] == x["to"]["kind"] and x["from"]["id"] == x["to"]["id"])
    r.check(f'data-arrows="{len(msgs)}"' in dom and arrows == len(msgs) - selfs
            and 'data-rendered="yes"' in dom,
            f"chromium: {arrows} arrows drawn (+{selfs} self-messages)", f"{arrows}")
    legend = re.findall(r'<span class="legend-item" data-type="(\w+)">', dom)
    r.check(sorted(legend) == sorted({x["type"] for x in msgs}), f"chromium: a legend of {len(legend)} types",
            legend)
    ticks = re.search(r'data-ticks="(\d+)"', dom)
    r.check(ticks and int(ticks.group(1)) >= 5, "chromium: a time axis with ticks",
            ticks.group(0) if ticks else "none")

    res = chromium(["--dump-dom", url + "#probe=0"], tmp)
    tip = re.search(r'<div id="tip" style="[^"]*display: block[^"]*">(.*?)</div></div>', res.stdout, re.S)
    first = msgs[0]
    r.check(tip and first["type"] in tip.group(1) and "2025-11-21 13:00:00.09" in tip.group(1)
            and "torrent#5 → tracker#6" in tip.group(1) and "event=started left=1000000" in tip.group(1),
            "chromium: the hover tooltip shows time, type, from → to and fields",
            tip.group(1)[:300] if tip else res.stdout[-300:])

    res = chromium(["--dump-dom", "--window-size=1200,800", url + "#at=3.5"], tmp)
    scrolled = re.search(r'data-scroll-left="(\d+)" data-labels-left="(-?\d+)"', res.stdout)
    r.check(scrolled and int(scrolled.group(1)) > 500 and scrolled.group(2) == "0",
            "chromium: scrolled to +3.5 s (#at=3.5), the lane labels stay at the left edge",
            scrolled.group(0) if scrolled else res.stdout[-300:])

    shot = os.path.join(artifacts_dir(binary), "log_timeline.png")
    if os.path.exists(shot):
        os.remove(shot)
    res = chromium(["--screenshot=" + shot, "--window-size=1600,1000", "--hide-scrollbars",
                   url + "#at=3.5"], tmp)
    size = os.path.getsize(shot) if os.path.exists(shot) else 0
    with open(shot, "rb") if size else open(os.devnull, "rb") as f:
        magic = f.read(8)
    r.check(size > 20000 and magic == b"\x89PNG\r\n\x1a\n",
            f"chromium --screenshot: a {size}-byte PNG", f"exit {res.returncode}; {res.stderr[-300:]}")
    print(f"timeline screenshot: {shot}")
    html_copy = os.path.join(artifacts_dir(binary), "log_timeline.html")
    shutil.copyfile(page, html_copy)
    print(f"timeline page: {html_copy}")


def main():
    binary = os.path.abspath(sys.argv[1])
    if shutil.which("chromium") is None:
        print("SKIPPED: not installed: chromium (scripts/setup.sh installs it)")
        return SKIP
    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="actorrent-logtools-") as tmp:
        recs = synthetic_log()
        logdir = os.path.join(tmp, "log")
        os.makedirs(logdir)
        log = write_rotated(logdir, recs)
        print(f"synthetic log: {len(recs)} records in {log} and msgs.1.jsonl")
        check_show(r, binary, log, recs)
        check_stats(r, binary, log, recs)
        check_tree(r, binary, log)
        check_follow(r, binary, recs, tmp)
        check_timeline(r, binary, log, recs, tmp)
    print(f"log tools: {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
