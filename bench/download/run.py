#!/usr/bin/python3
"""Benchmark: download SIZE over loopback from one libtorrent seeder, actorrent against the
real clients in the same run; then seeding, actorrent against libtorrent.

Downloaders (each its own process, each run into a fresh directory, rows interleaved run by
run so that the machine's noise falls on all of them alike):
  actorrent              `actorrent download T -o OUT --quiet`
  libtorrent default     bench/download/lt_client.py, lt.default_settings()
  libtorrent high-perf   bench/download/lt_client.py, lt.high_performance_seed()
  aria2c                 --seed-time=0 (exits after completion)
  transmission-cli       never exits: timed to its -f completion script, then stopped
Every client gets the seeder from our tracker (`actorrent tracker`, HTTP), except
transmission-cli, which drops 127.x peers from trackers: the seeder connects to it.
The seeder is libtorrent with high-performance settings (its own process); the data is in
the page cache (read once before). Loopback settings for libtorrent: no DHT, LSD, UPnP,
NAT-PMP, uTP.

Per run: wall time (process start to exit; transmission: to completion), MiB/s, CPU seconds
(user + sys of the process, from wait4), peak RSS (ru_maxrss of the process, as GNU time
reports it: libtorrent maps its files, so its figure includes file pages) and peak anonymous RSS (RssAnon, sampled every
0.1 s). The table shows medians. Every download is compared with the source (cmp).

Seeding: a libtorrent downloader (high-performance settings, told the seeder's port) takes
SIZE from `actorrent seed` and from a libtorrent seeder (high-performance settings); per run
the downloader's wall time and the seeder's CPU seconds over the transfer (/proc/PID/stat),
and each seeder's peak RSS.

Targets (issue "Client"): actorrent's wall time below libtorrent's best, its CPU below
libtorrent's (the lower of the two rows), its peak RSS under 64 MiB. Exit status 1 when a
target is missed or a run failed.

Usage: bench/download/run.py [--size MIB] [--runs N] [--actorrent PATH] [--json OUT]
                             [--clients a,b,...] [--no-seeding] [--workdir DIR] [--keep]
       bench/download/run.py --log-cost [--runs N]   # the message log's cost (see README.md)
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import swarm_util as su  # noqa: E402

LT_PYTHON = "/usr/bin/python3"  # Debian's interpreter: the libtorrent binding (REAL-PEERS.md)
LT_CLIENT = os.path.join(HERE, "lt_client.py")
CLIENTS = ("actorrent", "libtorrent-default", "libtorrent-hp", "aria2c", "transmission")
# --log-cost: what the message log costs (issue "Actor message logs"), against plain actorrent.
LOG_COST_CLIENTS = ("actorrent", "actorrent-notap", "actorrent-log")
MiB = 1024 * 1024
TICK = os.sysconf("SC_CLK_TCK")


def rss_anon(pid):
    """RssAnon of a live process in bytes (0 if gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def vm_hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """user + system CPU seconds of a live process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def child_of(pid):
    """The first child of pid (the program /usr/bin/time runs), or None."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def measure(cmd, timeout, log_path, done=None, tick=None, watch=()):
    """Runs cmd under /usr/bin/time (see below); polls wait4 every 5 ms. `done()`: completion
    for a process that never exits (it is then sent SIGTERM, and still reaped for its
    rusage). `tick(proc)`: called while it runs. `watch`: other pids whose RssAnon is sampled
    too. Returns a dict.

    Why /usr/bin/time: a child's ru_maxrss starts at the RSS of the process that forked and
    exec'd it (Linux carries the old mm's high-water mark across exec), so wait4 on a child
    of this Python process reports at least this process's RSS. GNU time is a small C
    program; the %M it reports for its own child is the child's true peak. CPU comes from
    wait4 on time (its child's reaped usage plus time's own, about a millisecond)."""
    log = open(log_path, "w")
    tfile = log_path + ".time"
    t0 = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", tfile, *cmd], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    watch_anon = {p: 0 for p in watch}
    try:
        pid, status, ru, now, finished, killed, peak_anon = _poll(
            proc, t0, timeout, done, tick, watch_anon, cmd)
    finally:
        if proc.returncode is None and proc.poll() is None:  # interrupted: leave nothing behind
            kid = child_of(proc.pid)
            if kid:
                os.kill(kid, signal.SIGKILL)
            proc.kill()
            proc.wait(timeout=10)
    log.close()
    try:
        with open(tfile) as f:
            peak_kib = int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        peak_kib = 0
    end = finished if done else now
    return {
        "wall_s": end - t0,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "peak_rss_mib": peak_kib / 1024,
        "peak_anon_mib": peak_anon / MiB,
        "exit": proc.returncode,
        "completed": (finished is not None) if done else (proc.returncode == 0 and not killed),
        "timed_out": killed and (finished is None),
        "watch_anon_mib": {p: v / MiB for p, v in watch_anon.items()},
    }


def _poll(proc, t0, timeout, done, tick, watch_anon, cmd):
    """measure()'s loop: until time (and so its child) has exited."""
    peak_anon, next_sample, finished, killed, target, stop_deadline = 0, 0.0, None, False, None, None
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        now = time.monotonic()
        if pid:
            break
        if target is None:
            target = child_of(proc.pid)
        if now >= next_sample:
            if target:
                peak_anon = max(peak_anon, rss_anon(target))
            for p in watch_anon:
                watch_anon[p] = max(watch_anon[p], rss_anon(p))
            next_sample = now + 0.1
        if tick and finished is None:
            tick(proc)
        if done and finished is None and done():
            finished = now
            if target:
                os.kill(target, signal.SIGTERM)
            stop_deadline = now + 20
        if not killed and (now - t0 > timeout or (stop_deadline and now > stop_deadline)):
            os.kill(target, signal.SIGKILL) if target else proc.kill()
            killed = True
        if killed and now - t0 > timeout + 30:
            raise RuntimeError(f"{cmd[0]} (pid {proc.pid}) did not die after SIGKILL")
        time.sleep(0.005)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return pid, status, ru, now, finished, killed, peak_anon


class Bench:
    def __init__(self, a):
        self.a = a
        self.size = a.size * MiB
        self.work = a.workdir or tempfile.mkdtemp(prefix="actorrent-bench-download.", dir="/tmp")
        os.makedirs(self.work, exist_ok=True)
        self.procs = []
        self.timeout = 60 + a.size * 0.2  # transmission-cli needs ~48 s for 1 GiB

    def path(self, *p):
        return os.path.join(self.work, *p)

    # ---- setup ----------------------------------------------------------------------------
    def prepare(self):
        data = self.path("data")
        os.makedirs(data, exist_ok=True)
        self.src = os.path.join(data, "bench.bin")
        print(f"bench/download: writing {self.a.size} MiB of random data to {self.src}", flush=True)
        with open("/dev/urandom", "rb") as rnd, open(self.src, "wb") as f:
            left = self.size
            while left:
                n = min(left, 16 * MiB)
                f.write(rnd.read(n))
                left -= n
        with open(self.src, "rb") as f:  # into the page cache
            while f.read(16 * MiB):
                pass
        # interval 1800 (the default): our tracker forgets a peer after 2 x interval, and
        # libtorrent re-announces no sooner than its min_announce_interval (300 s), so with a
        # short interval the seeder would vanish from the tracker in the middle of the runs.
        self.tracker, http_port, _ = su.start_tracker(self.a.actorrent, self.work, interval=1800)
        self.procs.append(self.tracker)
        self.url = f"http://127.0.0.1:{http_port}/announce"
        self.torrent = su.create_torrent(self.a.actorrent, self.src, self.path("bench.torrent"), [self.url],
                                         self.a.piece_size)
        self.plain = su.create_torrent(self.a.actorrent, self.src, self.path("plain.torrent"), (),
                                       self.a.piece_size)
        info = json.loads(subprocess.run([self.a.actorrent, "info", "--json", self.torrent], capture_output=True,
                                         text=True, check=True).stdout)
        self.piece_length = info.get("piece_length") or info.get("piece_size")

    def start_lt_seeder(self, torrent, label, control=False):
        port = su.free_port()
        out = self.path(f"{label}.stdout")
        proc = subprocess.Popen([LT_PYTHON, LT_CLIENT, "seed", torrent, "--dir", os.path.dirname(self.src),
                                 "--listen-port", str(port), "--settings", "high-performance", "--json-progress"]
                                + (["--control"] if control else []),
                                stdout=open(out, "w"), stderr=open(self.path(f"{label}.stderr"), "w"),
                                stdin=subprocess.PIPE if control else subprocess.DEVNULL, text=True)
        self.procs.append(proc)
        if not self.wait_seeding(proc, out):
            raise RuntimeError(f"{label} did not reach seeding: {su.tail(self.path(label + '.stderr'))}")
        return proc, port

    def wait_seeding(self, proc, out, timeout=120):
        def seeding():
            objs, _ = su.parse_progress(su.tail(out, 2000).split("\n", 1)[-1])
            return proc.poll() is not None or (objs and objs[-1].get("state") == "seeding")
        return su.wait_until(seeding, timeout, step=0.2) and proc.poll() is None

    # ---- downloaders ------------------------------------------------------------------------
    def command(self, client, out, port):
        if client == "actorrent":
            return [self.a.actorrent, "download", self.torrent, "-o", out, "--quiet", "--listen-port", str(port)], None
        if client == "actorrent-notap":  # built without the message-log tap
            return [self.a.actorrent_notap, "download", self.torrent, "-o", out, "--quiet", "--listen-port",
                    str(port)], None
        if client == "actorrent-log":  # the message log on, default filters
            return [self.a.actorrent, "download", self.torrent, "-o", out, "--quiet", "--listen-port", str(port),
                    "--message-log", out + ".msgs.jsonl"], None
        if client in ("libtorrent-default", "libtorrent-hp"):
            kind = "default" if client == "libtorrent-default" else "high-performance"
            return [LT_PYTHON, LT_CLIENT, "download", self.torrent, "-o", out, "--settings", kind,
                    "--listen-port", str(port)], None
        if client == "aria2c":
            return ["aria2c", *su.aria2_args(port), "--seed-time=0", "--bt-stop-timeout=60",
                    "--summary-interval=0", "-d", out, self.torrent], None
        if client == "transmission":
            cfg = su.transmission_config_dir(out + ".config")
            flag = out + ".done"
            script = out + ".finish.sh"
            with open(script, "w") as f:
                f.write(f"#!/bin/sh\ntouch '{flag}'\n")
            os.chmod(script, 0o755)
            return ["transmission-cli", "-g", cfg, "-w", out, "-p", str(port), "-f", script, self.torrent], flag
        raise ValueError(client)

    def download(self, client, run):
        out = self.path(f"out-{client}-{run}")
        os.makedirs(out)
        port = su.free_port()
        cmd, flag = self.command(client, out, port)
        tick = None
        if client == "transmission":
            told = []

            def tick(proc):  # the seeder connects to transmission once it listens
                if not told and su.port_open(port):
                    self.seeder.stdin.write(f"connect 127.0.0.1:{port}\n")
                    self.seeder.stdin.flush()
                    told.append(1)
        m = measure(cmd, self.timeout, self.path(f"{client}-{run}.log"),
                    done=(lambda: os.path.exists(flag)) if flag else None, tick=tick)
        got = os.path.join(out, "bench.bin")
        m["data_ok"] = m["completed"] and os.path.isfile(got) and \
            subprocess.run(["cmp", "-s", self.src, got]).returncode == 0
        m["mib_s"] = self.a.size / m["wall_s"] if m["wall_s"] > 0 else 0
        if not m["data_ok"]:
            m["log"] = su.tail(self.path(f"{client}-{run}.log"), 600)
        if client == "actorrent-log" and os.path.exists(out + ".msgs.jsonl"):
            m["log_mib"] = os.path.getsize(out + ".msgs.jsonl") / MiB
            with open(out + ".msgs.jsonl", "rb") as f:
                m["log_lines"] = sum(1 for _ in f)
        shutil.rmtree(out, ignore_errors=True)
        for extra in (out + ".config", out + ".done", out + ".finish.sh", out + ".msgs.jsonl"):
            if os.path.isdir(extra):
                shutil.rmtree(extra, ignore_errors=True)
            elif os.path.exists(extra):
                os.remove(extra)
        os.sync()  # the deleted output's dirty pages are gone; nothing else is left to flush
        time.sleep(0.5)
        return m

    # ---- seeding ------------------------------------------------------------------------------
    def seeding_runs(self, results):
        seeders = {}
        if "actorrent" in self.a.clients:
            port = su.free_port()
            out = self.path("actorrent-seed.stdout")
            proc = subprocess.Popen([self.a.actorrent, "seed", self.plain, "--dir", os.path.dirname(self.src),
                                     "--listen-port", str(port), "--json-progress"],
                                    stdout=open(out, "w"), stderr=open(self.path("actorrent-seed.stderr"), "w"),
                                    stdin=subprocess.DEVNULL)
            self.procs.append(proc)
            if not self.wait_seeding(proc, out):
                print("seeding: actorrent seed did not reach seeding: "
                      + su.tail(self.path("actorrent-seed.stderr")), flush=True)
                su.stop(proc)
            else:
                seeders["actorrent seed"] = (proc, port)
        proc, port = self.start_lt_seeder(self.plain, "lt-seeder-2")
        seeders["libtorrent seed"] = (proc, port)
        for run in range(self.a.runs):
            for name, (sp, sport) in seeders.items():
                out = self.path(f"seed-out-{run}")
                os.makedirs(out)
                cpu0 = cpu_seconds(sp.pid)
                # --plaintext for both seeders: actorrent does not speak MSE yet, and libtorrent's
                # fallback to plaintext would add a second of reconnect delay to its row.
                m = measure([LT_PYTHON, LT_CLIENT, "download", self.plain, "-o", out, "--settings",
                             "high-performance", "--plaintext", "--peer", f"127.0.0.1:{sport}",
                             "--listen-port", str(su.free_port())],
                            self.timeout, self.path(f"seed-{run}.log"), watch=(sp.pid,))
                m["seeder_cpu_s"] = cpu_seconds(sp.pid) - cpu0
                m["seeder_anon_mib"] = m.pop("watch_anon_mib")[sp.pid]
                m["seeder_hwm_mib"] = vm_hwm(sp.pid) / MiB
                got = os.path.join(out, "bench.bin")
                m["data_ok"] = m["completed"] and subprocess.run(["cmp", "-s", self.src, got]).returncode == 0
                m["mib_s"] = self.a.size / m["wall_s"]
                results.setdefault(name, []).append(m)
                print(f"  seeding run {run + 1}: {name:16s} downloader {m['wall_s']:6.2f} s, "
                      f"seeder CPU {m['seeder_cpu_s']:5.2f} s{'' if m['data_ok'] else '  FAILED'}", flush=True)
                shutil.rmtree(out, ignore_errors=True)
                os.sync()
                time.sleep(0.5)
        for sp, _ in seeders.values():
            su.stop(sp)

    def cleanup(self):
        for p in self.procs:
            su.stop(p)
        if not self.a.keep and not self.a.workdir:
            shutil.rmtree(self.work, ignore_errors=True)


def med(runs, key):
    vals = [r[key] for r in runs if r.get("data_ok")]
    return statistics.median(vals) if vals else None


def fmt(v, spec):
    return format(v, spec) if v is not None else "-"


def log_cost_report(a, results, summary, status):
    """The message log's cost: plain actorrent (the tap built in, the log off) against the build
    without the tap (target: within 2 %), and the log on with default filters against off
    (target: at least 70 % of the throughput)."""
    base, notap, logged = (summary.get(c) for c in LOG_COST_CLIENTS)
    if not (base and notap and logged and base["mib_s"] and notap["mib_s"] and logged["mib_s"]):
        print("log cost: a row has no successful run")
        return 1
    lines = [r["log_lines"] for r in results["actorrent-log"] if r.get("log_lines")]
    mib = [r["log_mib"] for r in results["actorrent-log"] if r.get("log_mib")]
    print()
    for c in LOG_COST_CLIENTS:  # the noise, next to the medians
        speeds = sorted(r["mib_s"] for r in results[c] if r.get("data_ok"))
        print(f"{c:22s} MiB/s per run {speeds[0]:.0f}-{speeds[-1]:.0f}")
    off = base["mib_s"] / notap["mib_s"]
    on = logged["mib_s"] / base["mib_s"]
    print(f"log off (tap built in) / no tap: throughput {off:.3f}, CPU {base['cpu_s'] / notap['cpu_s']:.3f}")
    print(f"log on (default filters) / off:  throughput {on:.3f}, CPU {logged['cpu_s'] / base['cpu_s']:.3f}; "
          f"{statistics.median(lines) if lines else 0:.0f} lines, {statistics.median(mib) if mib else 0:.1f} MiB "
          f"of log per download")
    targets = {"log off within 2 % of a build without the tap": (off >= 0.98, f"{off:.3f}"),
               "log on keeps at least 70 % of the throughput": (on >= 0.70, f"{on:.3f}")}
    for t, (met, detail) in targets.items():
        print(f"target: {t}: {'met' if met else 'NOT met'} ({detail})")
        if not met:
            status = 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"size_mib": a.size, "runs": a.runs, "summary": summary, "log_cost": {"off": off, "on": on}},
                      f, indent=2)
    return status


def notap_binary():
    """build/notap/main/actorrent: the same sources without the message-log tap, configured and
    built here when missing (ccache makes a rebuild cheap)."""
    build = os.path.join(ROOT, "build", "notap")
    binary = os.path.join(build, "main", "actorrent")
    if not os.path.exists(os.path.join(build, "build.ninja")):
        subprocess.run(["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                        "-DACTORRENT_MESSAGE_TAP=OFF", "-DACTORRENT_TESTS=OFF", "-DACTORRENT_BENCH=OFF",
                        "-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"], check=True, stdout=subprocess.DEVNULL)
    print("bench/download: building build/notap (actorrent without the message-log tap)", flush=True)
    subprocess.run(["cmake", "--build", build, "--target", "actorrent"], check=True, stdout=subprocess.DEVNULL)
    return binary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1024, help="MiB (default 1024)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--actorrent", default=None, help="the binary (default build/release/main/actorrent, "
                                                       "else build/main/actorrent)")
    ap.add_argument("--piece-size", default=None, help="default: actorrent create's choice")
    ap.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated subset of " + ",".join(CLIENTS))
    ap.add_argument("--no-seeding", action="store_true", help="skip the seeding comparison")
    ap.add_argument("--json", help="write a JSON summary here")
    ap.add_argument("--workdir", help="use this directory (kept)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--log-cost", action="store_true",
                    help="measure the message log's cost instead: actorrent, a build without the tap "
                         "(build/notap, made on demand), and the log on with default filters")
    ap.add_argument("--actorrent-notap", default=None, help="the binary built with -DACTORRENT_MESSAGE_TAP=OFF "
                                                            "(default: build/notap/main/actorrent, built if missing)")
    a = ap.parse_args()
    if a.actorrent is None:
        for cand in ("build/release/main/actorrent", "build/main/actorrent"):
            if os.access(os.path.join(ROOT, cand), os.X_OK):
                a.actorrent = os.path.join(ROOT, cand)
                break
    if not a.actorrent or not os.access(a.actorrent, os.X_OK):
        sys.exit("bench/download: no actorrent binary (scripts/setup.sh release builds it; or --actorrent PATH)")
    a.actorrent = os.path.abspath(a.actorrent)
    a.clients = list(LOG_COST_CLIENTS) if a.log_cost else [c for c in a.clients.split(",") if c]
    if a.log_cost:
        a.no_seeding = True
        a.actorrent_notap = a.actorrent_notap or notap_binary()
    unknown = set(a.clients) - set(CLIENTS) - set(LOG_COST_CLIENTS)
    if unknown:
        sys.exit(f"bench/download: unknown clients {sorted(unknown)}")
    missing = [t for t, c in (("aria2c", "aria2c"), ("transmission-cli", "transmission")) if c in a.clients
               and shutil.which(t) is None]
    if not os.access("/usr/bin/time", os.X_OK):
        missing.append("time")
    if missing or not os.path.exists(LT_PYTHON) or \
            subprocess.run([LT_PYTHON, "-c", "import libtorrent"], capture_output=True).returncode != 0:
        sys.exit(f"bench/download: missing {missing or ''} {'python3-libtorrent' if not missing else ''} "
                 "(scripts/setup.sh installs them)")
    if "actorrent" in a.clients and not su.has_command(a.actorrent, "download"):
        print(f"bench/download: `{a.actorrent} download` does not exist yet: the actorrent rows are left out",
              flush=True)
        a.clients.remove("actorrent")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that cleanup runs
    b = Bench(a)
    results, seeding = {c: [] for c in a.clients}, {}
    started = time.time()
    try:
        b.prepare()
        b.seeder, seeder_port = b.start_lt_seeder(b.torrent, "lt-seeder", control=True)
        print(f"bench/download: {a.size} MiB, piece {b.piece_length} B, {a.runs} runs, {os.cpu_count()} cores, "
              f"load {open('/proc/loadavg').read().split()[0]}; seeder libtorrent (high-performance) "
              f"pid {b.seeder.pid}", flush=True)
        for run in range(a.runs):
            for c in a.clients:
                m = b.download(c, run)
                results[c].append(m)
                print(f"  run {run + 1}: {c:20s} {m['wall_s']:7.2f} s  cpu {m['cpu_s']:6.2f} s  "
                      f"rss {m['peak_rss_mib']:7.1f} MiB  anon {m['peak_anon_mib']:6.1f} MiB"
                      + ("" if m["data_ok"] else f"  FAILED (exit {m['exit']}): {m.get('log', '')[-300:]!r}"),
                      flush=True)
        su.stop(b.seeder)
        if not a.no_seeding:
            b.seeding_runs(seeding)
    finally:
        b.cleanup()

    # ---- report --------------------------------------------------------------------------
    print()
    print(f"bench/download: {a.size} MiB over loopback from a libtorrent seeder, median of {a.runs} "
          f"({time.time() - started:.0f} s in all)")
    print(f"{'downloader':22s} {'wall s':>8s} {'MiB/s':>8s} {'CPU s':>7s} {'peak RSS MiB':>13s} "
          f"{'anon RSS MiB':>13s} {'ok runs':>8s}")
    summary = {}
    for c, runs in results.items():
        s = {k: med(runs, k) for k in ("wall_s", "mib_s", "cpu_s", "peak_rss_mib", "peak_anon_mib")}
        s["ok_runs"] = sum(1 for r in runs if r.get("data_ok"))
        summary[c] = s
        print(f"{c:22s} {fmt(s['wall_s'], '8.2f')} {fmt(s['mib_s'], '8.0f')} {fmt(s['cpu_s'], '7.2f')} "
              f"{fmt(s['peak_rss_mib'], '13.1f')} {fmt(s['peak_anon_mib'], '13.1f')} {s['ok_runs']:>5d}/{len(runs)}")
    status = 0 if all(s["ok_runs"] == len(results[c]) for c, s in summary.items()) else 1
    ratios, targets = {}, {}
    if a.log_cost:
        return log_cost_report(a, results, summary, status)
    ours = summary.get("actorrent")
    if ours and ours["wall_s"] is not None:
        print()
        print("actorrent / other  (below 1: actorrent is faster, lighter)")
        print(f"{'against':22s} {'wall':>7s} {'CPU':>7s} {'peak RSS':>9s}")
        for c, s in summary.items():
            if c == "actorrent" or s["wall_s"] is None:
                continue
            ratios[c] = {k: ours[k] / s[k] if s[k] else None for k in ("wall_s", "cpu_s", "peak_rss_mib")}
            print(f"{c:22s} {fmt(ratios[c]['wall_s'], '7.2f')} {fmt(ratios[c]['cpu_s'], '7.2f')} "
                  f"{fmt(ratios[c]['peak_rss_mib'], '9.2f')}")
        lt = [summary[c] for c in ("libtorrent-default", "libtorrent-hp") if c in summary and summary[c]["wall_s"]]
        if lt:
            best_wall = min(s["wall_s"] for s in lt)
            best_cpu = min(s["cpu_s"] for s in lt)
            targets["wall below libtorrent's best"] = (ours["wall_s"] < best_wall,
                                                       f"{ours['wall_s']:.2f} vs {best_wall:.2f} s")
            targets["CPU below libtorrent's"] = (ours["cpu_s"] < best_cpu, f"{ours['cpu_s']:.2f} vs {best_cpu:.2f} s")
        targets["peak RSS < 64 MiB"] = (ours["peak_rss_mib"] < 64, f"{ours['peak_rss_mib']:.1f} MiB")
        for t, (met, detail) in targets.items():
            print(f"target: {t}: {'met' if met else 'NOT met'} ({detail})")
            if not met:
                status = 1
    elif "actorrent" not in a.clients:
        print("(no actorrent row: no ratios, no targets)")
    else:
        print("actorrent: no successful run")
        status = 1

    seed_summary = {}
    if seeding:
        print()
        print(f"seeding {a.size} MiB to a libtorrent downloader (high-performance), median of {a.runs}")
        print(f"{'seeder':18s} {'downloader wall s':>18s} {'MiB/s':>7s} {'seeder CPU s':>13s} "
              f"{'seeder peak RSS':>16s} {'seeder anon':>12s} {'ok runs':>8s}")
        for name, runs in seeding.items():
            s = {k: med(runs, k) for k in ("wall_s", "mib_s", "seeder_cpu_s", "seeder_hwm_mib", "seeder_anon_mib")}
            s["ok_runs"] = sum(1 for r in runs if r.get("data_ok"))
            seed_summary[name] = s
            print(f"{name:18s} {fmt(s['wall_s'], '18.2f')} {fmt(s['mib_s'], '7.0f')} {fmt(s['seeder_cpu_s'], '13.2f')} "
                  f"{fmt(s['seeder_hwm_mib'], '12.1f')} MiB {fmt(s['seeder_anon_mib'], '8.1f')} MiB "
                  f"{s['ok_runs']:>5d}/{len(runs)}")
            if s["ok_runs"] != len(runs):
                status = 1
        o, t = seed_summary.get("actorrent seed"), seed_summary.get("libtorrent seed")
        if o and t and o["wall_s"] and t["wall_s"]:
            ratios["seeding"] = {"wall_s": o["wall_s"] / t["wall_s"],
                                 "seeder_cpu_s": o["seeder_cpu_s"] / t["seeder_cpu_s"] if t["seeder_cpu_s"] else None}
            print(f"actorrent seed / libtorrent seed: wall {ratios['seeding']['wall_s']:.2f}, "
                  f"seeder CPU {fmt(ratios['seeding']['seeder_cpu_s'], '.2f')}")

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "size_mib": a.size,
                       "runs": a.runs, "piece_length": getattr(b, "piece_length", None), "cores": os.cpu_count(),
                       "actorrent": a.actorrent, "download": summary, "download_runs": results,
                       "seeding": seed_summary, "seeding_runs": seeding, "ratios": ratios,
                       "targets": {k: {"met": v[0], "detail": v[1]} for k, v in targets.items()},
                       "status": status}, f, indent=2, default=str)
        print(f"JSON summary: {a.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
