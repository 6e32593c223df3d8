#!/usr/bin/python3
"""Kill -9 of a downloading actorrent at 10 random moments; nothing verified is fetched twice.

An actorrent seeder serves a 64 MiB multi-file torrent (6 uneven files, 256 KiB pieces that
span them). An actorrent downloader with its own state dir, rate-limited to 4 MiB/s so that
the kills spread over the download, is killed with SIGKILL after a random time (seeded RNG,
the seed printed; CRASH_SEED=N repeats a schedule) and restarted, ten times; the eleventh run
must finish. Checked:
  - after each kill, the pieces the run had reported verified are valid on disk (`actorrent
    verify`), and the next run starts with exactly the pieces valid on disk: none lost, none
    to be fetched again, no half-written piece trusted. A run's starting count is in its log
    ("checked the data on disk (...; rechecked N of M pieces, K verified in all)") or, when
    the resume data was trusted as is, the resume file's count;
  - the data is identical to the source, byte for byte, and nothing else is in its directory;
  - bytes fetched in total (the seeder's `uploaded`: what it queued for sending, counted even
    when the downloader died before reading it) stay under
        1.1 x size + sum over kills of in_flight(k),
    in_flight(k) = seeder bytes during run k - (pieces valid on disk after the kill - pieces
    the run started with) x piece size: blocks requested, on the wire or received of pieces
    not complete at the kill. It is measured against the data on disk, not against what the
    next run believes, so a restart that forgot verified pieces fetches them again outside
    the allowance and breaks the bound. Each in_flight(k) is also held to what the downloader
    may have outstanding: 1 s of requests at the rate limit (its pipeline) plus the half
    second of burst the limiter starts with, plus 4 partial pieces.
Usage: crash_resume_test.py PATH/TO/actorrent
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swarm_util as su  # noqa: E402

NAME = "crash set"
TOTAL = 64 * 1024 * 1024
PIECE = 256 * 1024
FILES = 6
RATE = 4 * 1024 * 1024  # bytes/s: the download takes ~16 s unkilled
KILLS = 10
FINAL_TIMEOUT = 60
SEEDER_SETTLE = 5  # s for the seeder to see the connection gone and print its count
SETTLE_DELAY = 0.5  # s: a seeder line this much after a kill has handled the disconnection


def seeder_lines(seeder):
    objs, _ = seeder.progress()
    return objs


def seeder_uploaded_after(seeder, since):
    """The seeder's `uploaded` from its first progress line printed SETTLE_DELAY s or more
    after the wall time `since` (when its connection to the downloader was cut) that shows no
    peer: by then the connection's end and its last report are counted. None on timeout."""
    seen = {}  # line index -> wall time it was first seen (no earlier than it was printed)
    found = {}

    def settled():
        now = time.time()
        for i, o in enumerate(seeder_lines(seeder)):
            first = seen.setdefault(i, now)
            if first >= since + SETTLE_DELAY and o.get("peers") == 0:
                found["uploaded"] = o["uploaded"]
                return True
        return False
    su.wait_until(settled, SEEDER_SETTLE, step=0.05)
    return found.get("uploaded")


def resume_count(path):
    """Pieces claimed by a resume file; None when there is none."""
    try:
        with open(path) as f:
            return bin(int(json.load(f)["verified"] or "0", 16)).count("1")
    except (OSError, ValueError, KeyError):
        return None


def valid_on_disk(binary, torrent, out):
    res = subprocess.run([binary, "verify", torrent, "--dir", out], capture_output=True, text=True, timeout=60)
    m = re.search(r"(\d+) of (\d+) pieces valid", res.stdout)
    if not m:
        raise RuntimeError("actorrent verify said: " + res.stdout[-300:] + res.stderr[-300:])
    return int(m.group(1))


def started_with(run, resumed):
    """The pieces a run started with: its recheck's count from the log, or the resume file's
    when that was trusted as is (no recheck line but the torrent went past checking); None
    when it was killed before it got that far."""
    m = re.search(r"checked the data on disk \(.*; rechecked \d+ of \d+ pieces, (\d+) verified in all\)",
                  run.stderr(100000))
    if m:
        return int(m.group(1)), True
    objs, _ = run.progress()
    if any(o.get("state") not in ("checking",) for o in objs):
        return resumed, False
    return None, False


def main():
    binary = su.our_binary("download")
    if binary is None:
        return 1
    seed = int(os.environ.get("CRASH_SEED", str(random.SystemRandom().randrange(1, 10 ** 9))))
    rng = random.Random(seed)
    # Ten kill moments spread over the download: random gaps plus 0.2 s each (so that a run
    # may die while it checks or connects). Each run also starts with a full rate-limit bucket
    # (half a second of rate), so the gaps add up to what leaves a fifth of the torrent to the
    # last run: 0.8 x size / rate - KILLS x (0.2 + 0.5) s.
    cuts = sorted(rng.uniform(0, 1) for _ in range(KILLS))
    gaps = [b - a for a, b in zip([0.0] + cuts[:-1], cuts)]
    span = 0.8 * TOTAL / RATE - KILLS * 0.7
    durations = [0.2 + g * span / cuts[-1] for g in gaps]
    print(f"seed {seed} (CRASH_SEED={seed} repeats it); runs killed after "
          + ", ".join(f"{d:.2f}" for d in durations) + " s", flush=True)

    r = su.results()
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        su.make_tree(os.path.join(src, NAME), su.uneven_files(FILES, TOTAL))
        torrent = su.create_torrent(binary, os.path.join(src, NAME), os.path.join(tmp, "crash.torrent"),
                                    piece_size=PIECE)
        resume_file = os.path.join(tmp, "state", su.info_hash(binary, torrent) + ".resume")
        out = os.path.join(tmp, "out")
        seed_port = su.free_port()
        seeder = su.start_seed(binary, torrent, src, tmp, "seeder", seed_port,
                               extra=["--state-dir", os.path.join(tmp, "seed-state")])
        procs = [seeder]
        try:
            ok = su.wait_for_state(seeder, ("seeding",), 30)
            r.check(ok, "the actorrent seeder checked the source and seeds", seeder.describe())
            if not ok:
                return r.finish()

            args = ["--state-dir", os.path.join(tmp, "state"), "--download-limit", str(RATE),
                    "--log-level", "info"]
            peer = [f"127.0.0.1:{seed_port}"]
            uploaded_before = seeder_lines(seeder)[-1]["uploaded"]
            on_disk = 0        # pieces valid on disk after the last kill
            reported = 0       # pieces the last run reported verified
            in_flight = []     # per kill
            starts = {"rechecked": 0, "resumed": 0, "killed first": 0}

            def check_start(label, run, resumed):
                start, rechecked = started_with(run, resumed)
                if start is not None:
                    r.check(start == on_disk and start >= reported,
                            f"{label} starts with {start} pieces: the {on_disk} valid on disk "
                            f"(the run before reported {reported}), "
                            + ("found by a recheck" if rechecked else "from the resume data as is"),
                            run.stderr(600))
                return start, rechecked

            for k, duration in enumerate(durations):
                resumed = resume_count(resume_file)
                run = su.Downloader(binary, torrent, out, tmp, f"run-{k}", peers=peer, listen_port=0, extra=args)
                procs.append(run)
                time.sleep(max(0.0, run.started + duration - time.time()))
                if run.proc.poll() is not None:
                    r.check(False, f"run {k} was still running when it was to be killed", run.describe())
                    return r.finish()
                run.proc.send_signal(signal.SIGKILL)
                kill_time = time.time()
                killed_at = kill_time - run.started
                run.proc.wait(timeout=10)

                start, rechecked = check_start(f"run {k}", run, resumed)
                starts["rechecked" if rechecked else "resumed" if start is not None else "killed first"] += 1
                objs, _ = run.progress()
                lines = [o for o in objs if o.get("state") not in ("checking",)]
                # Killed before its check was done, a run has fetched nothing.
                base = start if start is not None else on_disk
                last_have = lines[-1]["pieces_have"] if lines else base
                uploaded = seeder_uploaded_after(seeder, kill_time)
                if uploaded is None:
                    r.check(False, f"the seeder saw run {k}'s connection close", seeder.describe())
                    return r.finish()
                sent = uploaded - uploaded_before
                uploaded_before = uploaded
                valid = valid_on_disk(binary, torrent, out)
                flight = sent - (valid - base) * PIECE
                allowed = RATE * 1.5 + 4 * PIECE
                r.check(valid >= last_have and flight <= allowed,
                        f"run {k}: killed at {killed_at:.2f} s; pieces {base} at its start, {last_have} in its "
                        f"last progress line, {valid} valid on disk after the kill; seeder sent "
                        f"{sent / 2**20:.2f} MiB, in flight {flight / 2**20:.2f} <= {allowed / 2**20:.2f} MiB")
                in_flight.append(flight)
                on_disk, reported = valid, last_have

            resumed = resume_count(resume_file)
            final = su.Downloader(binary, torrent, out, tmp, "final", peers=peer, listen_port=0, extra=args)
            procs.append(final)
            rc = final.wait(FINAL_TIMEOUT)
            r.check(rc == 0, f"the eleventh run finished (exit 0) in {final.elapsed:.1f} s", final.describe())
            start, rechecked = check_start("the eleventh run", final, resumed)
            starts["rechecked" if rechecked else "resumed"] += 1
            r.check(start is not None, "the eleventh run's starting pieces are known", final.stderr(600))
            print(f"     of {KILLS + 1} runs: {starts['rechecked']} rechecked what the resume data did not "
                  f"vouch for, {starts['resumed']} used it as is, {starts['killed first']} were killed "
                  "before their check was done", flush=True)

            uploaded = seeder_uploaded_after(seeder, time.time())
            r.check(uploaded is not None, "the seeder saw the last connection close", seeder.describe())
            if uploaded is None:
                return r.finish()
            data_ok = su.same_tree(os.path.join(src, NAME), os.path.join(out, NAME))
            extra = [os.path.relpath(os.path.join(d, n), out) for d, _, names in os.walk(out) for n in names
                     if not os.path.isfile(os.path.join(src, os.path.relpath(os.path.join(d, n), out)))]
            r.check(data_ok and not extra, "the data is identical to the source, nothing else is there",
                    f"identical: {data_ok}; extra files: {extra}")
            bound = 1.1 * TOTAL + sum(in_flight)
            r.check(uploaded <= bound,
                    f"fetched {uploaded / 2**20:.2f} MiB in total ({uploaded / TOTAL:.3f} x the size) "
                    f"<= {bound / 2**20:.2f} MiB = 1.1 x {TOTAL / 2**20:.0f} MiB + "
                    f"{sum(in_flight) / 2**20:.2f} MiB in flight at the {KILLS} kills")
        finally:
            for p in procs:
                su.stop(p.proc)
    print(f"     wall time {time.time() - t0:.1f} s")
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
