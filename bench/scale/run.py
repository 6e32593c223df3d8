#!/usr/bin/python3
"""Benchmark: actorrent under load — many torrents in one session, many peers on one torrent.

Torrents: N torrents (default 50, 100, 200) of 4 MiB of random data each (`actorrent create`),
seeded by one `actorrent run -c config.json` process. Per N:
  first start   from the process's start until every torrent answers a handshake with a full
                bitfield (scale_loadgen --probe), with the full hash check (a fresh state_dir,
                no resume data); and the process's CPU seconds until then
  idle          CPU seconds per second (utime + stime, /proc/PID/stat) over --window seconds,
                then the RSS (VmRSS) as the steady figure
  load          leechers (scale_loadgen: --load-torrents torrents x 2 connections) request
                random blocks at --load-rate MiB/s in all; CPU per second, RSS and the
                rate achieved over --window seconds
  peak RSS      VmHWM of the whole first run (check, idle and load)
  stop          SIGTERM until the process has exited (resume data saved)
  restart       the same config again: start-up time with the resume data, and VmHWM / VmRSS
                once seeding (+2 s)
Memory per idle torrent: (RSS(largest N) - RSS(smallest N)) / (difference of N), target
< 200 KiB.

Checks: the first start (full hash check) of --check-torrents torrents (default 10) of 32 MiB in
16 MiB pieces: start-up time and peak RSS. A check hashes on every core with a piece-sized
buffer each, so this is where checks that all run at once show.

Peers: one torrent (--peer-torrent-mib of random data) seeded by one actorrent process per P
(default 100, 250, 500), connection limits raised and `choker.upload_slots` = P so that every
peer is served under load. scale_loadgen opens P connections over loopback that complete
the handshake, send an empty bitfield and `interested`, then stay idle: CPU per second and
RSS over --window; then all of them request random blocks at --load-rate MiB/s in all (every
connection at most 8 requests out): CPU per second, RSS, rate achieved. Memory per idle peer:
(RSS(largest P) - RSS(smallest P)) / (difference of P), target < 64 KiB.

Growth: each figure at the largest size over the smallest (x4 for 50 -> 200 torrents, x5 for
100 -> 500 peers), and its cost per added torrent (peer) over the first and the last step. It is
"linear or better" when it grows by at most the factor the size grows by, or when the last step
costs at most 1.25x per unit what the first did (a figure with no fixed part, like the time of a
check proportional to the data, can grow by a little more than the size through noise alone).
FASTER than linear: both fail.

Every process is started here and stopped by its PID; the data lives in a temporary directory,
removed at the end (unless --keep). Exit status 1 when a target is missed or a step failed.

Usage: bench/scale/run.py [--torrents 50,100,200] [--peers 100,250,500] [--window S]
                          [--load-rate MIB_S] [--only torrents|peers] [--json OUT] [--keep]
                          [--actorrent PATH] [--loadgen PATH]
"""
import argparse
import datetime
import json
import os
import queue
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import swarm_util as su  # noqa: E402

MiB = 1024 * 1024
KiB = 1024
TICK = os.sysconf("SC_CLK_TCK")
TORRENT_MIB = 4
TARGET_TORRENT_KIB = 200
TARGET_PEER_KIB = 64
STEEPER = 1.25  # a last step this much costlier per unit than the first is not noise


# ---- /proc ------------------------------------------------------------------------------------
def status_field(pid, key):
    """A /proc/PID/status field in bytes (kB fields) or as a number (Threads); 0 if gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    v = int(line.split()[1])
                    return v * KiB if line.rstrip().endswith("kB") else v
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_per_second(pid, window):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    return (c1 - c0) / (t1 - t0)


def loadavg():
    return open("/proc/loadavg").read().split()[0]


# ---- the load generator -------------------------------------------------------------------------
class Loadgen:
    """scale_loadgen in connections mode, driven over its stdin; its JSON lines are read by a
    thread into a queue."""

    def __init__(self, binary, port, torrents, connections, log):
        cmd = [binary, "--peer", f"127.0.0.1:{port}", "--connections", str(connections)]
        for t in torrents:
            cmd += ["--torrent", t]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "w"), text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                pass
        self.lines.put(None)

    def wait_event(self, event, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                obj = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if obj is None:
                raise RuntimeError(f"scale_loadgen exited (status {self.proc.poll()}) before '{event}'")
            if obj.get("event") == event:
                return obj
        raise RuntimeError(f"scale_loadgen: no '{event}' within {timeout} s")

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stats(self):
        self.command("stats")
        return self.wait_event("stats", 10)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.command("quit")
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        su.stop(self.proc)


def probe(binary, port, torrents, timeout, log):
    """The CLOCK_MONOTONIC second at which every torrent answered as a seeder."""
    cmd = [binary, "--probe", "--peer", f"127.0.0.1:{port}", "--timeout", str(timeout)]
    for t in torrents:
        cmd += ["--torrent", t]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30)
    with open(log, "a") as f:
        f.write(out.stdout + out.stderr)
    for line in out.stdout.splitlines():
        obj = json.loads(line)
        if obj.get("event") == "seeding":
            return obj["t"]
    raise RuntimeError(f"probe failed: {out.stdout.strip()} {out.stderr.strip()}")


# ---- the benchmark --------------------------------------------------------------------------------
class Bench:
    def __init__(self, a):
        self.a = a
        self.work = tempfile.mkdtemp(prefix="actorrent-bench-scale.", dir="/tmp")
        self.procs = []

    def path(self, *p):
        return os.path.join(self.work, *p)

    def start_seeder(self, config, label):
        proc = subprocess.Popen([self.a.actorrent, "run", "-c", config, "--quiet"],
                                stdout=open(self.path(f"{label}.stdout"), "w"),
                                stderr=open(self.path(f"{label}.stderr"), "w"), stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def stop_seeder(self, proc):
        t0 = time.monotonic()
        su.stop(proc, timeout=60)
        self.procs.remove(proc)
        return time.monotonic() - t0

    def write_config(self, name, torrents, port, state_dir, extra=None, download_dir=None):
        cfg = {
            "listen": {"address": "127.0.0.1", "port": port},
            "download_dir": download_dir or self.path("data"),
            "state_dir": state_dir,
            "limits": {"max_connections": 10000, "max_connections_per_torrent": 10000},
            "logging": {"level": "warn", "file": self.path(name + ".log")},
            "torrents": [{"source": t, "seed": True} for t in torrents],
        }
        for key, value in (extra or {}).items():
            cfg.setdefault(key, {}).update(value)
        path = self.path(name + ".json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)
        return path

    def random_file(self, path, size):
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(left, 16 * MiB)
                f.write(os.urandom(n))
                left -= n

    # ---- torrents ------------------------------------------------------------------------------
    def prepare_torrents(self, count):
        os.makedirs(self.path("data"), exist_ok=True)
        os.makedirs(self.path("torrents"), exist_ok=True)
        print(f"torrents: writing {count} x {TORRENT_MIB} MiB of random data and their torrents", flush=True)
        self.torrents = []
        pending = []
        for i in range(count):
            name = f"t{i:03d}.bin"
            self.random_file(self.path("data", name), TORRENT_MIB * MiB)
            out = self.path("torrents", f"t{i:03d}.torrent")
            pending.append(subprocess.Popen([self.a.actorrent, "create", self.path("data", name), "-o", out],
                                            stdout=subprocess.DEVNULL))
            if len(pending) >= 4:
                if pending.pop(0).wait(timeout=60) != 0:
                    raise RuntimeError("actorrent create failed")
            self.torrents.append(out)
        for p in pending:
            if p.wait(timeout=60) != 0:
                raise RuntimeError("actorrent create failed")

    def torrents_run(self, n):
        a = self.a
        torrents = self.torrents[:n]
        load_torrents = torrents[:a.load_torrents]
        port = su.free_port()
        state = self.path(f"state-{n}")
        config = self.write_config(f"torrents-{n}", torrents, port, state)
        r = {"n": n}
        t0 = time.monotonic()
        proc = self.start_seeder(config, f"torrents-{n}")
        seeding = probe(a.loadgen, port, torrents, 120, self.path(f"probe-{n}.log"))
        r["startup_s"] = seeding - t0
        r["startup_cpu_s"] = cpu_seconds(proc.pid)
        r["startup_peak_mib"] = status_field(proc.pid, "VmHWM") / MiB
        time.sleep(a.settle)
        r["threads"] = status_field(proc.pid, "Threads")
        r["idle_cpu"] = cpu_per_second(proc.pid, a.window)
        r["rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
        r["anon_mib"] = status_field(proc.pid, "RssAnon") / MiB
        lg = Loadgen(a.loadgen, port, load_torrents, 2 * len(load_torrents), self.path(f"loadgen-t{n}.log"))
        try:
            ready = lg.wait_event("ready", 60)
            if ready["failed"]:
                raise RuntimeError(f"{ready['failed']} leecher connections failed: {ready['last_error']}")
            lg.command(f"rate {a.load_rate * MiB}")
            time.sleep(1)  # the rate's ramp (unchoke, first requests) is not the steady state
            s0 = lg.stats()
            r["load_cpu"] = cpu_per_second(proc.pid, a.window)
            s1 = lg.stats()
            r["load_rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
            r["load_mib_s"] = (s1["bytes"] - s0["bytes"]) / MiB / (s1["t"] - s0["t"])
        finally:
            lg.close()
        r["peak_mib"] = status_field(proc.pid, "VmHWM") / MiB
        r["stop_s"] = self.stop_seeder(proc)
        # Restart: the resume data written at the stop.
        t0 = time.monotonic()
        proc = self.start_seeder(config, f"torrents-{n}-restart")
        seeding = probe(a.loadgen, port, torrents, 120, self.path(f"probe-{n}.log"))
        r["restart_s"] = seeding - t0
        time.sleep(2)
        r["restart_peak_mib"] = status_field(proc.pid, "VmHWM") / MiB
        r["restart_rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
        self.stop_seeder(proc)
        shutil.rmtree(state, ignore_errors=True)
        print(f"  {n:4d} torrents: start {r['startup_s']:6.2f} s (restart {r['restart_s']:5.2f} s), "
              f"RSS {r['rss_mib']:6.1f} MiB idle, {r['load_rss_mib']:6.1f} under load, peak {r['peak_mib']:6.1f}; "
              f"CPU/s {r['idle_cpu']:.4f} idle, {r['load_cpu']:.3f} at {r['load_mib_s']:.0f} MiB/s; "
              f"{r['threads']} threads; load {loadavg()}", flush=True)
        return r

    # ---- checks of big pieces ----------------------------------------------------------------
    def checks_run(self, count):
        """First start (full check) of `count` torrents of 32 MiB in 16 MiB pieces: what the
        checks hold at their peak is a piece-sized buffer per hashing thread."""
        os.makedirs(self.path("big"), exist_ok=True)
        torrents = []
        for i in range(count):
            src = self.path("big", f"b{i:02d}.bin")
            self.random_file(src, 32 * MiB)
            torrents.append(su.create_torrent(self.a.actorrent, src, self.path("big", f"b{i:02d}.torrent"),
                                              piece_size=16 * MiB))
        port = su.free_port()
        state = self.path("state-big")
        config = self.write_config("big", torrents, port, state, download_dir=self.path("big"))
        t0 = time.monotonic()
        proc = self.start_seeder(config, "big")
        try:
            seeding = probe(self.a.loadgen, port, torrents, 120, self.path("probe-big.log"))
            r = {"n": count, "startup_s": seeding - t0, "peak_mib": status_field(proc.pid, "VmHWM") / MiB}
            time.sleep(1)
            r["rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
        finally:
            self.stop_seeder(proc)
            shutil.rmtree(self.path("big"), ignore_errors=True)
            shutil.rmtree(state, ignore_errors=True)
        print(f"  first start of {count} torrents of 32 MiB in 16 MiB pieces: {r['startup_s']:.2f} s, "
              f"peak RSS {r['peak_mib']:.1f} MiB, then {r['rss_mib']:.1f} MiB; load {loadavg()}", flush=True)
        return r

    # ---- peers ---------------------------------------------------------------------------------
    def prepare_peers(self):
        os.makedirs(self.path("data"), exist_ok=True)
        src = self.path("data", "peers.bin")
        print(f"peers: writing {self.a.peer_torrent_mib} MiB of random data and its torrent", flush=True)
        self.random_file(src, self.a.peer_torrent_mib * MiB)
        self.peer_torrent = su.create_torrent(self.a.actorrent, src, self.path("peers.torrent"))

    def peers_run(self, p):
        a = self.a
        port = su.free_port()
        state = self.path(f"state-peers-{p}")
        config = self.write_config(f"peers-{p}", [self.peer_torrent], port, state,
                                   {"choker": {"upload_slots": p}})
        r = {"p": p}
        proc = self.start_seeder(config, f"peers-{p}")
        lg = None
        try:
            probe(a.loadgen, port, [self.peer_torrent], 60, self.path(f"probe-peers-{p}.log"))
            time.sleep(1)
            r["base_rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
            t0 = time.monotonic()
            lg = Loadgen(a.loadgen, port, [self.peer_torrent], p, self.path(f"loadgen-p{p}.log"))
            ready = lg.wait_event("ready", 120)
            r["connect_s"] = time.monotonic() - t0
            if ready["failed"]:
                raise RuntimeError(f"{ready['failed']} of {p} connections failed: {ready['last_error']}")
            time.sleep(a.settle)
            r["idle_cpu"] = cpu_per_second(proc.pid, a.window)
            r["rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
            r["anon_mib"] = status_field(proc.pid, "RssAnon") / MiB
            r["threads"] = status_field(proc.pid, "Threads")
            idle = lg.stats()
            r["open_idle"] = idle["open"]
            lg.command(f"rate {a.load_rate * MiB}")
            time.sleep(1)
            s0 = lg.stats()
            r["load_cpu"] = cpu_per_second(proc.pid, a.window)
            s1 = lg.stats()
            r["load_rss_mib"] = status_field(proc.pid, "VmRSS") / MiB
            r["load_mib_s"] = (s1["bytes"] - s0["bytes"]) / MiB / (s1["t"] - s0["t"])
            r["unchoked"] = s1["unchoked"]
            r["open_load"] = s1["open"]
            if s1["open"] != p:
                raise RuntimeError(f"{p - s1['open']} of {p} connections closed: {s1['last_error']}")
            r["peak_mib"] = status_field(proc.pid, "VmHWM") / MiB
        finally:
            if lg:
                lg.close()
            self.stop_seeder(proc)
            shutil.rmtree(state, ignore_errors=True)
        print(f"  {p:4d} peers: RSS {r['rss_mib']:6.1f} MiB idle ({r['base_rss_mib']:.1f} with none), "
              f"{r['load_rss_mib']:6.1f} under load, peak {r['peak_mib']:6.1f}; CPU/s {r['idle_cpu']:.4f} idle, "
              f"{r['load_cpu']:.3f} at {r['load_mib_s']:.0f} MiB/s ({r['unchoked']} unchoked); load {loadavg()}",
              flush=True)
        return r

    def cleanup(self):
        for p in list(self.procs):
            su.stop(p)
        if not self.a.keep:
            shutil.rmtree(self.work, ignore_errors=True)


# ---- report -----------------------------------------------------------------------------------------
def growth(rows, size_key, key):
    """(growth factor of the figure, of the size, cost per unit over the first and the last step),
    or None."""
    if len(rows) < 3:
        return None
    a, b, c, d = rows[0], rows[1], rows[-2], rows[-1]
    factor = d[key] / a[key] if a[key] > 0 else float("inf")
    first = (b[key] - a[key]) / (b[size_key] - a[size_key])
    last = (d[key] - c[key]) / (d[size_key] - c[size_key])
    return factor, d[size_key] / a[size_key], first, last


def report_table(title, rows, size_key, size_name, cols):
    print()
    print(title)
    print(f"{size_name:>8s} " + " ".join(f"{h:>{w}s}" for h, _, w, _ in cols))
    for r in rows:
        print(f"{r[size_key]:8d} " + " ".join(format(r[k], f">{w}{spec}") if k in r else f"{'-':>{w}s}"
                                               for _, k, w, spec in cols))


def report_growth(rows, size_key, unit, keys, targets):
    lo, hi = rows[0][size_key], rows[-1][size_key]
    print(f"growth {lo} -> {hi} {unit}s (x{hi / lo:g}); cost per added {unit}, first step -> last step:")
    for key, label, scale, fmt in keys:
        g = growth(rows, size_key, key)
        if g is None:
            continue
        factor, size_factor, first, last = g
        ok = factor <= size_factor or (first > 0 and last <= STEEPER * first)
        print(f"  {label:28s} x{factor:5.2f}  {'linear or better' if ok else 'FASTER than linear':18s} "
              f"({first * scale:{fmt}} -> {last * scale:{fmt}})")
        targets[f"{unit}s: {label} grows linearly or better"] = (
            ok, f"x{factor:.2f} for x{size_factor:g}; per {unit} {first * scale:.3g} -> {last * scale:.3g}")


def report(a, t_rows, p_rows, status, started, check_row=None):
    """Prints the tables, the memory per torrent and per peer, growth and targets; returns the exit
    status and the targets."""
    targets = {}
    print()
    print(f"bench/scale: {time.time() - started:.0f} s in all, {os.cpu_count()} cores, load {loadavg()} at the end "
          f"(a shared machine: CPU figures are noisy)")
    if t_rows:
        report_table(f"torrents of {TORRENT_MIB} MiB seeded by one session; load: {a.load_torrents} torrents x 2 "
                     f"leechers at {a.load_rate} MiB/s in all",
                     t_rows, "n", "torrents",
                     [("start s", "startup_s", 8, ".2f"), ("start CPU", "startup_cpu_s", 10, ".2f"),
                      ("restart s", "restart_s", 9, ".2f"),
                      ("stop s", "stop_s", 7, ".2f"),
                      ("RSS MiB", "rss_mib", 8, ".1f"), ("load RSS", "load_rss_mib", 9, ".1f"),
                      ("peak MiB", "peak_mib", 9, ".1f"), ("CPU/s idle", "idle_cpu", 11, ".4f"),
                      ("CPU/s load", "load_cpu", 11, ".3f"), ("MiB/s", "load_mib_s", 6, ".0f"),
                      ("threads", "threads", 8, "d")])
        if len(t_rows) >= 2:
            lo, hi = t_rows[0], t_rows[-1]
            per = (hi["rss_mib"] - lo["rss_mib"]) * KiB / (hi["n"] - lo["n"])
            print(f"memory per idle torrent: (RSS({hi['n']}) - RSS({lo['n']})) / {hi['n'] - lo['n']} = {per:.1f} KiB "
                  f"(target < {TARGET_TORRENT_KIB} KiB: {per / TARGET_TORRENT_KIB:.2f} of it)")
            targets[f"memory per idle torrent < {TARGET_TORRENT_KIB} KiB"] = (per < TARGET_TORRENT_KIB, f"{per:.1f} KiB")
            report_growth(t_rows, "n", "torrent",
                          [("startup_s", "start-up (ms)", 1000, "8.2f"), ("restart_s", "restart (ms)", 1000, "8.2f"),
                           ("rss_mib", "idle RSS (KiB)", KiB, "8.1f"), ("peak_mib", "peak RSS (KiB)", KiB, "8.1f"),
                           ("idle_cpu", "CPU/s idle (ms/s)", 1000, "8.3f"),
                           ("load_cpu", "CPU/s under load (ms/s)", 1000, "8.3f")], targets)
    if check_row:
        print(f"first start of {check_row['n']} torrents of 32 MiB in 16 MiB pieces (full check): "
              f"{check_row['startup_s']:.2f} s, peak RSS {check_row['peak_mib']:.1f} MiB, "
              f"then {check_row['rss_mib']:.1f} MiB")
    if p_rows:
        report_table(f"peers of one torrent ({a.peer_torrent_mib} MiB), idle then requesting at {a.load_rate} MiB/s "
                     "in all", p_rows, "p", "peers",
                     [("RSS MiB", "rss_mib", 8, ".1f"), ("none MiB", "base_rss_mib", 9, ".1f"),
                      ("load RSS", "load_rss_mib", 9, ".1f"), ("peak MiB", "peak_mib", 9, ".1f"),
                      ("CPU/s idle", "idle_cpu", 11, ".4f"), ("CPU/s load", "load_cpu", 11, ".3f"),
                      ("MiB/s", "load_mib_s", 6, ".0f"), ("connect s", "connect_s", 10, ".2f"),
                      ("threads", "threads", 8, "d")])
        if len(p_rows) >= 2:
            lo, hi = p_rows[0], p_rows[-1]
            per = (hi["rss_mib"] - lo["rss_mib"]) * KiB / (hi["p"] - lo["p"])
            per_load = (hi["load_rss_mib"] - lo["load_rss_mib"]) * KiB / (hi["p"] - lo["p"])
            print(f"memory per idle peer: (RSS({hi['p']}) - RSS({lo['p']})) / {hi['p'] - lo['p']} = {per:.1f} KiB "
                  f"(target < {TARGET_PEER_KIB} KiB: {per / TARGET_PEER_KIB:.2f} of it); per peer under load "
                  f"{per_load:.1f} KiB")
            targets[f"memory per idle peer < {TARGET_PEER_KIB} KiB"] = (per < TARGET_PEER_KIB, f"{per:.1f} KiB")
            report_growth(p_rows, "p", "peer",
                          [("rss_mib", "idle RSS (KiB)", KiB, "8.1f"), ("load_rss_mib", "RSS under load (KiB)", KiB, "8.1f"),
                           ("idle_cpu", "CPU/s idle (ms/s)", 1000, "8.3f"),
                           ("load_cpu", "CPU/s under load (ms/s)", 1000, "8.3f")], targets)
    print()
    for t, (met, detail) in targets.items():
        print(f"target: {t}: {'met' if met else 'NOT met'} ({detail})")
        if not met:
            status = 1
    return status, targets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--torrents", default="50,100,200", help="session sizes (default 50,100,200)")
    ap.add_argument("--peers", default="100,250,500", help="peer counts (default 100,250,500)")
    ap.add_argument("--window", type=float, default=10, help="seconds of each CPU measurement (default 10)")
    ap.add_argument("--settle", type=float, default=2, help="seconds waited before the idle window")
    ap.add_argument("--load-rate", type=int, default=100, help="MiB/s requested in all under load (default 100)")
    ap.add_argument("--load-torrents", type=int, default=4, help="torrents downloaded under load, 2 leechers each")
    ap.add_argument("--peer-torrent-mib", type=int, default=64, help="size of the peers part's torrent")
    ap.add_argument("--check-torrents", type=int, default=10,
                    help="torrents of 32 MiB in 16 MiB pieces whose first start is measured (0: none)")
    ap.add_argument("--only", choices=("torrents", "peers"), help="run one part")
    ap.add_argument("--actorrent", default=None, help="default: build/release/main/actorrent or build/main/actorrent")
    ap.add_argument("--loadgen", default=None, help="default: scale_loadgen next to the actorrent binary's build")
    ap.add_argument("--json", help="write a JSON summary here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--from-json", help="print the report of an earlier run's --json summary, measure nothing")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            saved = json.load(f)
        a.load_rate = saved.get("load_rate_mib_s", a.load_rate)
        return report(a, saved["torrents"], saved["peers"], saved.get("status", 0), time.time(),
                      saved.get("checks"))[0]
    for build in ("build/release", "build"):
        if a.actorrent is None and os.access(os.path.join(ROOT, build, "main/actorrent"), os.X_OK):
            a.actorrent = os.path.join(ROOT, build, "main/actorrent")
    if not a.actorrent or not os.access(a.actorrent, os.X_OK):
        sys.exit("bench/scale: no actorrent binary (scripts/setup.sh release; or --actorrent PATH)")
    a.actorrent = os.path.abspath(a.actorrent)
    if a.loadgen is None:
        a.loadgen = os.path.join(os.path.dirname(os.path.dirname(a.actorrent)), "bench/scale/scale_loadgen")
    if not os.access(a.loadgen, os.X_OK) and os.path.exists(os.path.join(os.path.dirname(a.loadgen), "../../build.ninja")):
        # Bench programs are not built with `all`: build it next to the actorrent binary.
        subprocess.run(["cmake", "--build", os.path.join(os.path.dirname(a.loadgen), "../.."),
                        "--target", "scale_loadgen"], check=False, stdout=subprocess.DEVNULL)
    if not os.access(a.loadgen, os.X_OK):
        sys.exit(f"bench/scale: no load generator at {a.loadgen} (ninja -C <build> scale_loadgen; or --loadgen)")
    sizes_t = [int(x) for x in a.torrents.split(",") if x]
    sizes_p = [int(x) for x in a.peers.split(",") if x]
    # Descriptors: the seeder's sockets and files, and the load generator's sockets.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * max(sizes_p + sizes_t) + 1024
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that cleanup runs
    b = Bench(a)
    started = time.time()
    print(f"bench/scale: {os.cpu_count()} cores, load {loadavg()}, {a.actorrent}", flush=True)
    t_rows, p_rows, check_row = [], [], None
    status = 0
    try:
        if a.only != "peers":
            b.prepare_torrents(max(sizes_t))
            for n in sizes_t:
                t_rows.append(b.torrents_run(n))
            if a.check_torrents:
                check_row = b.checks_run(a.check_torrents)
        if a.only != "torrents":
            b.prepare_peers()
            for p in sizes_p:
                p_rows.append(b.peers_run(p))
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        print(f"bench/scale: FAILED: {e}", flush=True)
        status = 1
    finally:
        b.cleanup()

    status, targets = report(a, t_rows, p_rows, status, started, check_row)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "cores": os.cpu_count(),
                       "actorrent": a.actorrent, "window_s": a.window, "load_rate_mib_s": a.load_rate,
                       "torrents": t_rows, "peers": p_rows, "checks": check_row,
                       "targets": {k: {"met": v[0], "detail": v[1]} for k, v in targets.items()},
                       "status": status}, f, indent=2)
        print(f"JSON summary: {a.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
