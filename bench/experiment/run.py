#!/usr/bin/python3
"""Benchmark: a distributed experiment at scale — 50 clients over 3 local nodes sharing a
256 MiB torrent (`actorrent experiment --local`).

The spec (written here): 3 nodes started by the controller as local processes; one seeder on
node a; the 49 leechers spread over a, b and c (17, 16, 16); 256 MiB of generated data in
1 MiB pieces; the tracker on node a; every leecher must finish.

Figures, from the experiment's own summary.json and from this process:
  time to full completion   the last leecher's completion time (summary totals.completion_s.max)
  wall time                 the `actorrent experiment` process, start to exit (node start-up,
                            data generation, spawning, the run, the clean-up)
  controller CPU            the controller's own CPU seconds (summary cpu_s.controller)
  clients' CPU              the node processes' CPU seconds, which is their clients' (cpu_s.nodes)
  overhead                  controller CPU / clients' CPU
Exit status 1 when a leecher did not finish or the experiment failed.

The leechers' data (49 x SIZE) lives in a temporary directory removed at the end (--keep to
keep it). Every process is the controller's child, stopped by it.

Usage: bench/experiment/run.py [--clients 50] [--nodes 3] [--mib 256] [--piece-kib 1024]
                               [--json OUT] [--keep] [--actorrent PATH]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def spec(clients, nodes, mib, piece_kib):
    names = [chr(ord("a") + i) for i in range(nodes)]
    leechers = clients - 1
    groups = [{"node": names[0], "role": "seeder"}]
    for i, n in enumerate(names):
        count = leechers // nodes + (1 if i < leechers % nodes else 0)
        if count:
            groups.append({"node": n, "role": "leecher", "count": count})
    return {"name": f"scale-{clients}", "duration_s": 1800,
            "nodes": [{"name": n} for n in names],
            "torrent": {"generate_mib": mib, "piece_kib": piece_kib},
            "tracker": {"node": names[0]}, "groups": groups}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--mib", type=float, default=256)
    ap.add_argument("--piece-kib", type=int, default=1024)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--actorrent", default=os.path.join(ROOT, "build", "release", "main", "actorrent"))
    a = ap.parse_args()
    if not os.path.exists(a.actorrent):
        subprocess.run([os.path.join(ROOT, "scripts", "setup.sh"), "release"], check=True)
    tmp = tempfile.mkdtemp(prefix="actorrent-bench-experiment-")
    try:
        spec_path = os.path.join(tmp, "spec.json")
        with open(spec_path, "w") as f:
            json.dump(spec(a.clients, a.nodes, a.mib, a.piece_kib), f, indent=1)
        out = os.path.join(tmp, "results")
        print(f"{a.clients} clients over {a.nodes} local nodes, {a.mib:g} MiB in {a.piece_kib} KiB pieces; "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
        started = time.time()
        proc = subprocess.run([a.actorrent, "experiment", spec_path, "--local", "-o", out],
                              capture_output=True, text=True, timeout=3600)
        wall = time.time() - started
        if not os.path.exists(os.path.join(out, "summary.json")):
            print(proc.stdout[-3000:] + proc.stderr[-2000:])
            print(f"FAIL: the experiment did not run (exit {proc.returncode})")
            return 1
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
        totals = summary["totals"]
        ctl = summary["cpu_s"]["controller"]
        nodes_cpu = sum(summary["cpu_s"]["nodes"].values())
        figures = {
            "clients": a.clients, "nodes": a.nodes, "mib": a.mib, "piece_kib": a.piece_kib,
            "leechers_finished": totals["leechers_finished"], "leechers": totals["leechers"],
            "completion_s": totals["completion_s"], "wall_s": round(wall, 2),
            "controller_cpu_s": round(ctl, 2), "clients_cpu_s": round(nodes_cpu, 2),
            "nodes_cpu_s": summary["cpu_s"]["nodes"],
            "overhead": round(ctl / nodes_cpu, 4) if nodes_cpu else None,
            "swarm_mib_s": round(a.mib * totals["leechers"] / totals["completion_s"]["max"], 1)
            if totals["completion_s"] else None,
            "exit_code": proc.returncode,
        }
        c = totals["completion_s"] or {}
        print(f"leechers finished      {totals['leechers_finished']}/{totals['leechers']}")
        print(f"time to full completion {c.get('max', float('nan')):.1f} s "
              f"(first {c.get('min', float('nan')):.1f} s, median {c.get('median', float('nan')):.1f} s)")
        print(f"swarm download rate    {figures['swarm_mib_s']} MiB/s ({a.mib:g} MiB x {totals['leechers']} leechers)")
        print(f"wall time              {wall:.1f} s (start-up, generation, run, clean-up)")
        print(f"controller CPU         {ctl:.2f} s")
        print(f"clients' CPU           {nodes_cpu:.2f} s ({', '.join(f'{k} {v:.1f}' for k, v in summary['cpu_s']['nodes'].items())})")
        print(f"overhead               {figures['overhead']:.4f} (controller / clients)")
        if a.json:
            with open(a.json, "w") as f:
                json.dump(figures, f, indent=1)
        ok = proc.returncode == 0 and totals["leechers_finished"] == totals["leechers"]
        if not ok:
            print(proc.stdout[-3000:])
            print(f"FAIL: exit {proc.returncode}")
        return 0 if ok else 1
    finally:
        if a.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
