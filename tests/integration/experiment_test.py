#!/usr/bin/python3
"""Distributed experiments: `actorrent node` processes driven by `actorrent experiment`.

Checks:
  * three nodes on loopback (each its own process, with a shared secret): 1 seeder and 6
    leechers spread over them, one leecher churning (leaves, rejoins); all complete; stats.csv
    and summary.json agree with each other and with the data on disk (every leecher's file is
    the seeder's, byte for byte);
  * a wrong secret is refused (exit 1, "wrong secret"), logged by the node, which goes on;
    a node listening beyond loopback without a secret or TLS refuses to start;
  * examples/experiment-local.json runs with --local in under two minutes; its report has
    both plots and fetches nothing;
  * TLS: a node with --tls-cert/--tls-key/--tls-ca and a controller with the same CA; the
    torrent an existing multi-file one made by mktorrent, its data in a directory on the node;
  * one node process killed mid-run: the controller reports its clients lost, the rest
    completes, exit 3, the summary names what was lost. The same run drives the commands the
    other parts do not: a leecher crashes (killed in its node, no "stopped", no resume data)
    and rejoins, checking its data instead of fetching it again; a limit holds, then is
    lifted at runtime; peer kills turned on at runtime are seen as restarts;
  * three hosts made as network namespaces joined by veth pairs to a bridge, each node bound
    to its own address: the same swarm completes (skipped, saying why, without root or `ip`).
Usage: experiment_test.py PATH/TO/actorrent [PART]   (PART: loopback, local_example, tls,
killed_node, namespaces; all by default: CTest runs them as separate tests, in parallel)
"""
import csv
import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

MIB = 16
SIZE = MIB * 1024 * 1024


class node_process:
    """`actorrent node` started by this test, stopped by PID."""

    def __init__(self, binary, workdir, name, listen="127.0.0.1:0", extra=(), prefix=()):
        self.name = name
        self.dir = os.path.join(workdir, "node-" + name)
        self.log = os.path.join(workdir, "node-" + name + ".log")
        self.err = open(self.log, "w")
        self.proc = subprocess.Popen(list(prefix) + [binary, "node", "--listen", listen, "--dir", self.dir] + list(extra),
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()  # bounded: the node prints it or exits
        self.address = line.strip().removeprefix("node listening on ") if line.startswith("node listening on ") else None

    def log_text(self):
        self.err.flush()
        with open(self.log) as f:
            return f.read()

    def stop(self):
        su.stop(self.proc, timeout=30)
        self.err.close()


def write_spec(path, nodes, groups, tracker, duration=90, torrent=None):
    spec = {"name": "test", "duration_s": duration, "nodes": nodes,
            "torrent": torrent or {"generate_mib": MIB, "piece_kib": 64, "seed": 7},
            "tracker": tracker, "groups": groups}
    with open(path, "w") as f:
        json.dump(spec, f, indent=1)
    return path


def run_experiment(binary, spec, out, timeout=150, prefix=(), on_line=None):
    proc = subprocess.Popen(list(prefix) + [binary, "experiment", spec, "-o", out],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.time() + timeout
    for line in proc.stdout:
        lines.append(line)
        if on_line:
            on_line(line)
        if time.time() > deadline:
            break
    try:
        proc.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        su.stop(proc)
    return proc.returncode, "".join(lines)


def load_results(out):
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "stats.csv")) as f:
        rows = list(csv.DictReader(f))
    return summary, rows


def client_dir(node, client):
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in client)
    return os.path.join(node.dir, "clients", name, "data", "experiment.bin")


def check_swarm(r, label, code, output, out, nodes, leechers, seeder):
    r.check(code == 0, f"{label}: the experiment exits 0", output[-2000:])
    if not os.path.exists(os.path.join(out, "summary.json")):
        r.check(False, f"{label}: results written", output[-2000:])
        return
    summary, rows = load_results(out)
    by_name = {c["client"]: c for c in summary["clients"]}
    r.check(sorted(n for n, c in by_name.items() if c["role"] == "leecher") == sorted(leechers),
            f"{label}: the summary lists the {len(leechers)} leechers", by_name.keys())
    r.check(all(by_name[n]["finished"] for n in leechers) and summary["totals"]["leechers_finished"] == len(leechers),
            f"{label}: every leecher finished", summary["totals"])
    # The CSV agrees with the summary: one row per client per second, pieces reach the total
    # in the second the summary says, byte counts end where the summary's totals are.
    times = sorted({float(x["t_s"]) for x in rows})
    clients = {x["client"] for x in rows}
    r.check(len(rows) == len(times) * len(clients) and times == [float(i) for i in range(len(times))],
            f"{label}: stats.csv has one row per client per second", f"{len(rows)} rows, {len(times)} s, {len(clients)} clients")
    agree = []
    for n in leechers:
        mine = [x for x in rows if x["client"] == n]
        done = [float(x["t_s"]) for x in mine if x["pieces"] == x["pieces_total"]]
        completion = by_name[n]["completion_s"]
        last = mine[-1]
        if not done or not (completion - 1.5 <= done[0] <= completion + 2.5):
            agree.append(f"{n}: first complete row {done[:1]}, summary {completion}")
        if int(last["bytes_down"]) != by_name[n]["downloaded"] or int(last["bytes_up"]) != by_name[n]["uploaded"]:
            agree.append(f"{n}: last row {last['bytes_down']}/{last['bytes_up']}, summary {by_name[n]['downloaded']}/{by_name[n]['uploaded']}")
    r.check(not agree, f"{label}: stats.csv agrees with summary.json", agree)
    down = sum(by_name[n]["downloaded"] for n in leechers)
    up = sum(c["uploaded"] for c in summary["clients"])
    r.check(down >= 0.9 * SIZE * len(leechers) and up >= 0.9 * SIZE * len(leechers),
            f"{label}: the swarm moved the data ({down / SIZE:.2f} x down, {up / SIZE:.2f} x up for {len(leechers)} leechers)",
            summary["totals"])
    # The data: every leecher's file is the seeder's.
    seeder_file = client_dir(nodes[seeder[0]], seeder[1])
    wrong = [n for n in leechers
             if not filecmp.cmp(seeder_file, client_dir(nodes[n.split("/")[0]], n), shallow=False)]
    r.check(os.path.getsize(seeder_file) == SIZE and not wrong,
            f"{label}: every leecher's data is identical to the seeder's", wrong)


def three_node_groups():
    return [{"node": "a", "role": "seeder"},
            {"node": "a", "role": "leecher"},
            {"node": "b", "role": "leecher", "count": 2, "start_delay_s": 1},
            {"node": "c", "role": "leecher", "count": 2},
            {"node": "c", "role": "leecher", "download_kib_s": 2048,
             "churn": [{"leave_s": 3, "rejoin_s": 6}]}]


LEECHERS = ["a/leecher-1", "b/leecher-1", "b/leecher-2", "c/leecher-1", "c/leecher-2", "c/leecher-3"]


def test_loopback(r, binary, tmp):
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write("correct horse battery staple\n")
    wrong = os.path.join(tmp, "wrong")
    with open(wrong, "w") as f:
        f.write("not it\n")
    nodes = {n: node_process(binary, tmp, n, extra=["--secret-file", secret]) for n in "abc"}
    try:
        r.check(all(n.address for n in nodes.values()), "three node processes listen on loopback",
                [n.log_text() for n in nodes.values()])
        spec_nodes = lambda secret_file: [{"name": n, "address": p.address, "secret_file": secret_file}
                                          for n, p in nodes.items()]
        # A wrong secret: refused, logged, nothing started.
        spec = write_spec(os.path.join(tmp, "wrong.json"), spec_nodes(wrong), three_node_groups(), {"node": "a"})
        code, output = run_experiment(binary, spec, os.path.join(tmp, "out-wrong"), timeout=60)
        r.check(code == 1 and "wrong secret" in output, "a wrong secret: the experiment is refused (exit 1)", output[-1500:])
        r.check("refused the controller" in nodes["a"].log_text() and "wrong secret" in nodes["a"].log_text(),
                "the node logs the refusal", nodes["a"].log_text()[-1500:])
        r.check(not os.path.exists(os.path.join(nodes["a"].dir, "clients")),
                "nothing was spawned for the refused controller", os.listdir(nodes["a"].dir))
        # The swarm, over the same nodes (the refusal left them working).
        spec = write_spec(os.path.join(tmp, "swarm.json"), spec_nodes(secret), three_node_groups(), {"node": "a"})
        out = os.path.join(tmp, "out-swarm")
        started = time.time()
        code, output = run_experiment(binary, spec, out)
        print(f"     (three loopback nodes: {time.time() - started:.1f} s)")
        check_swarm(r, "loopback", code, output, out, nodes, LEECHERS, ("a", "a/seeder-1"))
        r.check("c/leecher-3 leaves" in output and "c/leecher-3 rejoins" in output,
                "loopback: the churning leecher left and rejoined", output[-1500:])
    finally:
        for n in nodes.values():
            n.stop()
    # Beyond loopback, a node needs a secret or TLS.
    proc = subprocess.run([binary, "node", "--listen", "0.0.0.0:0", "--dir", os.path.join(tmp, "open")],
                          capture_output=True, text=True, timeout=30)
    r.check(proc.returncode == 2 and "--secret-file" in proc.stderr,
            "a node on 0.0.0.0 without a secret or TLS refuses to start", proc.stderr)


def make_certificates(tmp):
    """A CA, and a certificate for the node and one for the controller, signed by it."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    ca_key, ca = os.path.join(tmp, "ca.key"), os.path.join(tmp, "ca.pem")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=experiment CA")
    out = {"ca": ca}
    for who in ("node", "controller"):
        key, csr, pem = (os.path.join(tmp, who + ext) for ext in (".key", ".csr", ".pem"))
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + who)
        run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", pem, "-days", "2")
        out[who] = (pem, key)
    return out


def test_tls(r, binary, tmp):
    if shutil.which("openssl") is None:
        return "TLS: the openssl command is not installed"
    certs = make_certificates(tmp)
    node = node_process(binary, tmp, "tls", extra=["--tls-cert", certs["node"][0], "--tls-key", certs["node"][1],
                                                   "--tls-ca", certs["ca"]])
    try:
        r.check(bool(node.address), "a TLS node listens", node.log_text())
        tls = {"ca": certs["ca"], "cert": certs["controller"][0], "key": certs["controller"][1]}
        # An existing torrent by another creator: three files, none a multiple of a piece.
        album = os.path.join(tmp, "src", "album")
        os.makedirs(album)
        for name, size in (("one.bin", 3000000), ("two.bin", 1500001), ("three.txt", 700001)):
            with open(os.path.join(album, name), "wb") as f:
                f.write(os.urandom(size))
        torrent = os.path.join(tmp, "album.torrent")
        subprocess.run(["mktorrent", "-l", "16", "-a", "http://127.0.0.1:1/announce", "-o", torrent, album],
                       check=True, capture_output=True, timeout=60)
        spec = write_spec(os.path.join(tmp, "tls.json"), [{"name": "t", "address": node.address, "tls": tls}],
                          [{"node": "t", "role": "seeder"}, {"node": "t", "role": "leecher", "count": 2}], {"node": "t"},
                          torrent={"file": torrent, "data_dir": os.path.join(tmp, "src")})
        code, output = run_experiment(binary, spec, os.path.join(tmp, "out-tls"), timeout=90)
        r.check(code == 0, "TLS: the controller drives the node, both leechers complete", output[-1500:])
        copies = [os.path.join(node.dir, "clients", "t_leecher-" + n, "data", "album") for n in "12"]
        same = [filecmp.dircmp(album, c) for c in copies]
        r.check(all(os.path.isdir(c) for c in copies) and all(not (d.left_only or d.right_only or d.diff_files) for d in same)
                and all(filecmp.cmp(os.path.join(album, f), os.path.join(c, f), shallow=False) for c in copies for f in os.listdir(album)),
                "TLS: an existing mktorrent torrent (3 files) seeded from its data directory; both copies identical", copies)
        # A plain (non-TLS) controller cannot talk to it.
        spec = write_spec(os.path.join(tmp, "plain.json"), [{"name": "t", "address": node.address}],
                          [{"node": "t", "role": "seeder"}, {"node": "t", "role": "leecher"}], {"node": "t"})
        code, output = run_experiment(binary, spec, os.path.join(tmp, "out-plain"), timeout=90)
        r.check(code == 1, "TLS: a controller without TLS is not served", output[-1500:])
    finally:
        node.stop()


def test_killed_node(r, binary, tmp):
    nodes = {n: node_process(binary, tmp, "k" + n) for n in "abc"}
    killed = {}

    def kill_c(line):
        # Once c's slow leechers are downloading, its process goes.
        if "c/leecher-1 starts" in line and not killed:
            time.sleep(3)
            killed["at"] = time.time()
            os.kill(nodes["c"].proc.pid, signal.SIGKILL)

    try:
        groups = [{"node": "a", "role": "seeder"},
                  {"node": "a", "role": "leecher", "download_kib_s": 1024,
                   "limit_changes": [{"at_s": 4, "download_kib_s": 0}]},
                  {"node": "b", "role": "leecher", "download_kib_s": 2048,
                   "churn": [{"leave_s": 2, "rejoin_s": 4, "crash": True}]},
                  {"node": "b", "role": "leecher", "download_kib_s": 2048,
                   "faults": {"kill_peer_every_ms": 1000}, "faults_at_s": 1},
                  {"node": "c", "role": "leecher", "count": 2, "download_kib_s": 512}]
        spec = write_spec(os.path.join(tmp, "killed.json"),
                          [{"name": n, "address": p.address} for n, p in nodes.items()], groups, {"node": "a"})
        out = os.path.join(tmp, "out-killed")
        code, output = run_experiment(binary, spec, out, on_line=kill_c)
        r.check(bool(killed), "node c was killed mid-run", output[-1500:])
        r.check(code == 3, "killed node: the experiment ends with exit 3 (a node lost)", f"exit {code}: {output[-1500:]}")
        summary, rows = load_results(out)
        lost = summary["lost"]
        r.check([n["node"] for n in lost["nodes"]] == ["c"] and sorted(lost["clients"]) == ["c/leecher-1", "c/leecher-2"],
                "killed node: the summary names node c and its two clients as lost", lost)
        by_name = {c["client"]: c for c in summary["clients"]}
        r.check(all(by_name[n]["finished"] for n in ("a/leecher-1", "b/leecher-1", "b/leecher-2")),
                "killed node: the other leechers completed", summary["clients"])

        def row(client, t):
            return next((x for x in rows if x["client"] == client and float(x["t_s"]) == t), None)
        # a/leecher-1: 1 MiB/s until 4 s, then unlimited.
        at3 = row("a/leecher-1", 3)
        r.check(at3 is not None and 0 < int(at3["bytes_down"]) <= 1024 * 1024 * 4.5 and "a/leecher-1: limits unlimited down" in output,
                "killed node: a limit held (a/leecher-1 under 1 MiB/s for 3 s), then was lifted at 4 s", at3)
        # b/leecher-1: crashed at 2 s, back at 4 s; what it had written was checked, not fetched again.
        away = row("b/leecher-1", 3)
        crashed = by_name["b/leecher-1"]
        r.check("b/leecher-1 crashes" in output and away is not None and away["state"] == "left"
                and crashed["downloaded"] < 1.25 * SIZE
                and filecmp.cmp(client_dir(nodes["a"], "a/seeder-1"), client_dir(nodes["b"], "b/leecher-1"), shallow=False),
                f"killed node: b/leecher-1 crashed, rejoined and completed with {crashed['downloaded'] / SIZE:.2f} x the data fetched",
                (away, crashed))
        # b/leecher-2: its peer actors killed from 1 s on, restarted by supervision.
        faulted = by_name["b/leecher-2"]
        r.check("b/leecher-2: faults on" in output and faulted["restarts"] > 0,
                f"killed node: peer kills turned on at 1 s gave {faulted['restarts']} restarts", faulted)
    finally:
        for n in nodes.values():
            n.stop()


def test_local_example(r, binary, tmp):
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "experiment-local.json")
    out = os.path.join(tmp, "out-local")
    started = time.time()
    proc = subprocess.run([binary, "experiment", example, "--local", "-o", out],
                          capture_output=True, text=True, timeout=180)
    took = time.time() - started
    r.check(proc.returncode == 0 and took < 120,
            f"examples/experiment-local.json with --local: exit 0 in {took:.1f} s (< 120)", proc.stdout[-1500:] + proc.stderr[-500:])
    html = open(os.path.join(out, "report.html")).read() if os.path.exists(os.path.join(out, "report.html")) else ""
    r.check('id="completion"' in html and 'id="throughput"' in html and "http" not in html,
            "the report has both plots and fetches nothing", html[:300])


NS = ["arexp-a", "arexp-b", "arexp-c"]
HUB = "arexp-hub"


def test_namespaces(r, binary, tmp):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "namespaces: needs root and the ip command to make network namespaces"
    made = subprocess.run(["ip", "netns", "add", HUB], capture_output=True, text=True)
    if made.returncode != 0:
        return "namespaces: cannot create a network namespace: " + made.stderr.strip()
    created = [HUB]
    nodes = {}
    try:
        def ip(*args, ns=None):
            cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
            subprocess.run(cmd, check=True, capture_output=True, timeout=30)
        ip("link", "add", "br0", "type", "bridge", ns=HUB)
        ip("link", "set", "br0", "up", ns=HUB)
        addresses = {}
        for i, ns in enumerate(NS):
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
            created.append(ns)
            host, peer = f"arx{i}", f"arxh{i}"
            ip("link", "add", host, "netns", ns, "type", "veth", "peer", "name", peer, "netns", HUB)
            ip("link", "set", peer, "master", "br0", ns=HUB)
            ip("link", "set", peer, "up", ns=HUB)
            addresses[ns] = f"10.231.0.{i + 1}"
            ip("addr", "add", addresses[ns] + "/24", "dev", host, ns=ns)
            ip("link", "set", host, "up", ns=ns)
            ip("link", "set", "lo", "up", ns=ns)
        secret = os.path.join(tmp, "ns-secret")
        with open(secret, "w") as f:
            f.write("namespaces\n")
        for name, ns in zip("abc", NS):
            nodes[name] = node_process(binary, tmp, "ns" + name, listen=addresses[ns] + ":7000",
                                       extra=["--secret-file", secret], prefix=["ip", "netns", "exec", ns])
        r.check(all(n.address for n in nodes.values()),
                "namespaces: three nodes, each on its own host's address",
                {n: p.address for n, p in nodes.items()})
        for n in nodes.values():  # the clients' files are found where the node keeps them
            n.dir = os.path.join(tmp, "node-ns" + n.name[-1])
        spec = write_spec(os.path.join(tmp, "ns.json"),
                          [{"name": n, "address": p.address, "secret_file": secret} for n, p in nodes.items()],
                          three_node_groups(), {"node": "a"})
        out = os.path.join(tmp, "out-ns")
        code, output = run_experiment(binary, spec, out, prefix=["ip", "netns", "exec", NS[0]])
        check_swarm(r, "namespaces", code, output, out, nodes, LEECHERS, ("a", "a/seeder-1"))
    finally:
        for n in nodes.values():
            n.stop()
        for ns in reversed(created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def main():
    binary = os.path.abspath(sys.argv[1])
    parts = (test_loopback, test_local_example, test_tls, test_killed_node, test_namespaces)
    if len(sys.argv) > 2:
        parts = [t for t in parts if t.__name__ == "test_" + sys.argv[2]]
        if not parts:
            print("unknown part " + sys.argv[2])
            return 2
    r = su.results()
    skipped = []
    tmp = tempfile.mkdtemp(prefix="actorrent-experiment-")
    try:
        for test in parts:
            sub = os.path.join(tmp, test.__name__)
            os.makedirs(sub)
            why = test(r, binary, sub)
            if why:
                print("SKIPPED " + why)
                skipped.append(why)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if skipped and r.passed + r.failed == 0:
        su.skip("; ".join(skipped))
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
