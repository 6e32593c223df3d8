"""Shared pieces of the integration tests that run real clients on loopback.

Every process started here is stopped by PID (never by name); every wait is bounded.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77

# The clients' default state directory ($XDG_STATE_HOME/actorrent) is the test's own: no test
# writes under the user's home, or finds resume data an earlier run left there.
_state_home = tempfile.mkdtemp(prefix="actorrent-test-state-")
os.environ["XDG_STATE_HOME"] = _state_home
atexit.register(shutil.rmtree, _state_home, True)


def skip(reason):
    print("SKIPPED: " + reason)
    sys.exit(SKIP)


def require(tools=(), libtorrent=False):
    missing = [t for t in tools if shutil.which(t) is None]
    if libtorrent:
        try:
            import libtorrent  # noqa: F401
        except ImportError:
            missing.append("python3-libtorrent")
    if missing:
        skip("not installed: " + ", ".join(missing) + " (scripts/setup.sh installs them)")


class results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, label, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {label}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {label}: {detail}", flush=True)
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def stop(proc, timeout=10):
    """Stops a process this test started: SIGTERM, then SIGKILL after `timeout` s."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def make_tree(root, files):
    """files: {relative path: size}. Random content."""
    with open("/dev/urandom", "rb") as rnd:
        for rel, size in files.items():
            p = os.path.join(root, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(rnd.read(size))


def lt_same_tree(a, b, timeout=15):
    """same_tree for a copy libtorrent reports complete: libtorrent says it seeds once every
    piece passed its hash, which it may check from its write buffers before its disk threads
    have written the last blocks to the file; the file catches up within moments."""
    return wait_until(lambda: same_tree(a, b), timeout, step=0.25)


def message_log_records(path):
    """The records of the message log at `path`, its rotated files (path.1, ...) included;
    lines that are not JSON are skipped (tests that check the format read it themselves)."""
    records = []
    folder, base = os.path.dirname(path) or ".", os.path.basename(path)
    if not os.path.isdir(folder):
        return records
    for name in sorted(os.listdir(folder)):
        if not name.startswith(base):
            continue
        with open(os.path.join(folder, name), errors="replace") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict):
                    records.append(rec)
    return records


def same_tree(a, b):
    """True when every file under a exists under b with the same bytes."""
    for dirpath, _, names in os.walk(a):
        for n in names:
            pa = os.path.join(dirpath, n)
            pb = os.path.join(b, os.path.relpath(pa, a))
            if not os.path.isfile(pb):
                return False
            with open(pa, "rb") as fa, open(pb, "rb") as fb:
                if fa.read() != fb.read():
                    return False
    return True


def start_tracker(binary, workdir, interval=60, extra=None):
    """Starts `actorrent tracker` on ephemeral loopback ports; returns (proc, http_port, udp_port).
    `extra`: more tracker.json keys (they win over interval and min_interval 1)."""
    cfg = os.path.join(workdir, "tracker.json")
    with open(cfg, "w") as f:
        json.dump({"interval": interval, "min_interval": 1, **(extra or {})}, f)
    log = open(os.path.join(workdir, "tracker.log"), "w+")
    proc = subprocess.Popen([binary, "tracker", "-c", cfg, "--http", "127.0.0.1:0", "--udp", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    ports = {}
    deadline = time.time() + 20
    while time.time() < deadline and len(ports) < 2:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"(http|udp) listening on .*:(\d+)\s*$", line)
        if m:
            ports[m.group(1)] = int(m.group(2))
    if len(ports) < 2:
        stop(proc)
        log.seek(0)
        raise RuntimeError("tracker did not report its ports: " + log.read())
    return proc, ports["http"], ports["udp"]


def lt_session():
    import libtorrent as lt
    return lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.tracker_notification | lt.alert.category_t.error_notification,
    })


def wait_for_tracker_reply(ses, handle, timeout=20):
    """Waits until libtorrent reports a reply from a tracker for `handle`."""
    import libtorrent as lt
    deadline = time.time() + timeout
    while time.time() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, lt.tracker_reply_alert) and a.handle == handle:
                return True
            if isinstance(a, lt.tracker_error_alert):
                print(f"     (libtorrent tracker error: {a.message()})")
    return False


def free_port(kind=socket.SOCK_STREAM):
    """A port free on 127.0.0.1 now (for clients that cannot be told to pick their own)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# ---------------------------------------------------------------------------------------------
# Download / seed interop helpers (download_interop_test, seed_interop_test, swarm_download_test)

PROGRESS_KEYS = ("name", "info_hash", "state", "pieces_total", "pieces_have", "pieces_wanted",
                 "bytes_total", "bytes_left", "download_rate", "upload_rate", "downloaded", "uploaded",
                 "peers", "seeds", "eta_s", "restarts", "hash_failures", "error", "supervision", "time_s")


def uneven_files(count, total, prefix=""):
    """{relative path: size} for `count` files of uneven sizes adding up to `total` bytes.

    Sizes follow a fixed pattern (not random: runs are comparable) and are never multiples of
    16 KiB, so with any power-of-two piece size pieces span file boundaries; one file is a
    single byte, and some sit in sub-directories.
    """
    weights = [(i * 7919) % 13 + 1 for i in range(count)]
    sizes = [max(1, total * w // sum(weights)) | 1 for w in weights]
    sizes[0] = 1
    sizes[-1] += total - sum(sizes)
    files = {}
    for i, size in enumerate(sizes):
        sub = ("disc %d/" % (i % 3)) if i % 4 == 3 else ""
        files[f"{prefix}{sub}file-{i:02d}.bin"] = size
    return files


def create_torrent(binary, path, out, trackers=(), piece_size=None):
    """`actorrent create`; trackers: one tier each."""
    cmd = [binary, "create", path, "-o", out]
    for t in trackers:
        cmd += ["-t", t]
    if piece_size:
        cmd += ["--piece-size", str(piece_size)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def our_binary(command):
    """The actorrent binary named on the command line, or None (with a FAIL line) when its
    `command` does not work: our own binary is never a reason to skip."""
    binary = os.path.abspath(sys.argv[1])
    if not has_command(binary, command):
        print(f"FAIL `{binary} {command} --help` does not work: the command is missing")
        return None
    return binary


def multi_file_torrent(binary, tmp, name, total, files=12, piece_size="64K"):
    """SRC/name holding `files` uneven files (pieces span them) and a torrent of it without
    trackers; returns (SRC, torrent path)."""
    src = os.path.join(tmp, "src")
    make_tree(os.path.join(src, name), uneven_files(files, total))
    torrent = create_torrent(binary, os.path.join(src, name), os.path.join(tmp, "plain.torrent"),
                             piece_size=piece_size)
    return src, torrent


def info_hash(binary, torrent):
    res = subprocess.run([binary, "info", "--json", torrent], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)["info_hash"]


def has_command(binary, command):
    """True when `binary command --help` works (the subcommand exists)."""
    try:
        res = subprocess.run([binary, command, "--help"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path_or_text, n=800):
    if path_or_text and os.path.isfile(path_or_text):
        with open(path_or_text, errors="replace") as f:
            path_or_text = f.read()
    return (path_or_text or "")[-n:]


def parse_progress(text):
    """The JSON objects of --json-progress output (one a line); returns (objects, bad lines)."""
    objs, bad = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        if isinstance(o, dict):
            objs.append(o)
        else:
            bad.append(line)
    return objs, bad


def progress_problems(objs, bad):
    """What is wrong with --json-progress output, '' when nothing (zero lines is allowed)."""
    if bad:
        return f"{len(bad)} stdout line(s) not JSON objects, first: {bad[0][:200]!r}"
    for o in objs:
        missing = [k for k in PROGRESS_KEYS if k not in o]
        if missing:
            return f"progress object lacks {missing}: {json.dumps(o)[:300]}"
    return ""


class ClientProcess:
    """One actorrent client process (`download` or `seed`), stdout (its --json-progress) and
    stderr in files under workdir named after `label`."""

    def __init__(self, cmd, workdir, label):
        self.label = label
        self.cmd = list(cmd)
        self.out_path = os.path.join(workdir, f"{label}.stdout")
        self.err_path = os.path.join(workdir, f"{label}.stderr")
        self.started = time.time()
        self.elapsed = None
        self.timed_out = False
        with open(self.out_path, "w") as o, open(self.err_path, "w") as e:
            self.proc = subprocess.Popen(self.cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)

    def wait(self, timeout):
        """Exit status, or None after killing it at `timeout` s from its start."""
        left = max(0.1, self.started + timeout - time.time())
        try:
            self.proc.wait(timeout=left)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            stop(self.proc, timeout=5)
        self.elapsed = time.time() - self.started
        return None if self.timed_out else self.proc.returncode

    def stop(self, timeout=10):
        """SIGTERM (as a user's Ctrl-C would); returns (exit status, seconds to exit)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            return None, time.time() - t0
        return self.proc.returncode, time.time() - t0

    def progress(self):
        with open(self.out_path, errors="replace") as f:
            return parse_progress(f.read())

    def last(self):
        """The last progress object (message lines such as "stopping on SIGTERM" skipped)."""
        objs = [o for o in self.progress()[0] if "state" in o]
        return objs[-1] if objs else None

    def state(self):
        o = self.last()
        return o.get("state") if o else None

    def stderr(self, n=800):
        return tail(self.err_path, n)

    def describe(self):
        """One line for a failure: exit status, time, last progress object, stderr's end."""
        rc = self.proc.poll()
        how = "timed out (killed)" if self.timed_out else f"exit {rc}"
        last = self.last()
        last_s = json.dumps({k: last.get(k) for k in ("state", "pieces_have", "pieces_total", "peers",
                                                       "seeds", "downloaded", "hash_failures", "restarts",
                                                       "error")}) if last else "none"
        el = f"{self.elapsed:.1f}s" if self.elapsed is not None else "?"
        done_at = next((o.get("time_s") for o in self.progress()[0] if o.get("state") in ("complete", "seeding")),
                       None)
        done_s = f"; progress said complete/seeding at time_s {done_at}" if done_at is not None else ""
        return f"{how} after {el}{done_s}; last progress {last_s}; stderr: {self.stderr(600).strip()!r}"


class Downloader(ClientProcess):
    """`actorrent download TORRENT -o OUT --json-progress [--peer P]... --listen-port N EXTRA`;
    without a port, a free one (0): tests run in parallel, the default 6881 is one port for all."""

    def __init__(self, binary, torrent, out, workdir, label, peers=(), listen_port=None, extra=()):
        os.makedirs(out, exist_ok=True)
        cmd = [binary, "download", torrent, "-o", out, "--json-progress"]
        for p in peers:
            cmd += ["--peer", p]
        if not any(str(e) == "--listen-port" for e in extra):
            cmd += ["--listen-port", str(listen_port if listen_port is not None else 0)]
        super().__init__(cmd + list(extra), workdir, label)


def wait_for_state(dl, states, timeout):
    """Waits until a ClientProcess's last progress line is in `states` (or it exits)."""
    return wait_until(lambda: dl.state() in states or dl.proc.poll() is not None, timeout, step=0.2) \
        and dl.state() in states


def start_seed(binary, torrent, data_dir, workdir, label, listen_port, peers=(), extra=()):
    """`actorrent seed TORRENT --dir DATA --listen-port P --json-progress [--peer P]...`."""
    cmd = [binary, "seed", torrent, "--dir", data_dir, "--listen-port", str(listen_port), "--json-progress"]
    for p in peers:
        cmd += ["--peer", p]
    return ClientProcess(cmd + list(extra), workdir, label)


def lt_seed(ses, torrent, save_path, timeout=60, upload_limit=0):
    """Adds `torrent` to a libtorrent session as a seed of the data at save_path; waits until
    libtorrent has checked it and seeds. Returns the handle (None if it never seeded)."""
    import libtorrent as lt
    h = ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save_path})
    if upload_limit:
        h.set_upload_limit(upload_limit)
    if not wait_until(lambda: h.status().is_seeding, timeout):
        ses.remove_torrent(h)
        return None
    return h


def transmission_config_dir(path):
    """A fresh transmission config dir with DHT, LPD, uTP, PEX and port mapping off."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "settings.json"), "w") as f:
        json.dump({"dht-enabled": False, "lpd-enabled": False, "utp-enabled": False,
                   "pex-enabled": False, "port-forwarding-enabled": False,
                   "peer-port-random-on-start": False, "encryption": 1,
                   "speed-limit-up-enabled": False, "speed-limit-down-enabled": False,
                   "ratio-limit-enabled": False, "idle-seeding-limit-enabled": False}, f)
    return path


def start_transmission(torrent, save_dir, cfg_dir, port, log_path, finish_script=None):
    """transmission-cli on `torrent` with data in save_dir (seeds if the data is complete).
    Its status line goes to log_path ("Seeding, uploading to ..." once it seeds)."""
    cmd = ["transmission-cli", "-g", cfg_dir, "-w", save_dir, "-p", str(port)]
    if finish_script:
        cmd += ["-f", finish_script]
    cmd.append(torrent)
    log = open(log_path, "w")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def file_contains(path, text):
    try:
        with open(path, errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def aria2_args(listen_port):
    """aria2c options for loopback: no DHT, LPD, PEX; quiet."""
    return ["--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
            "--enable-peer-exchange=false", f"--listen-port={listen_port}",
            "--console-log-level=warn", "--file-allocation=none"]


def start_aria2_seeder(torrent, save_dir, port, log_path):
    """aria2c seeding the complete data in save_dir (checked with -V) until stopped by PID.
    Once it seeds its summary line shows "SEED(" (every second)."""
    log = open(log_path, "w")
    return subprocess.Popen(["aria2c", *aria2_args(port), "--check-integrity=true", "--seed-ratio=0.0",
                             "--summary-interval=1", "--bt-max-peers=0", "-d", save_dir, torrent],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def start_opentracker(workdir, info_hashes):
    """Debian's opentracker on a free loopback port, whitelisting `info_hashes` (REAL-PEERS:
    whitelist-only, chroot into a world-readable root, whitelist path inside the chroot).
    Returns (proc, port)."""
    os.chmod(workdir, 0o755)
    root = os.path.join(workdir, "opentracker")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    with open(os.path.join(root, "whitelist.txt"), "w") as f:
        f.write("".join(h + "\n" for h in info_hashes))
    os.chmod(os.path.join(root, "whitelist.txt"), 0o644)
    conf = os.path.join(root, "opentracker.conf")
    with open(conf, "w") as f:
        f.write(f"tracker.rootdir {root}\naccess.whitelist /whitelist.txt\n")
    os.chmod(conf, 0o644)
    port = free_port()
    log = open(os.path.join(workdir, "opentracker.log"), "w")
    proc = subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(port), "-P", str(port), "-f", conf],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if not wait_until(lambda: port_open(port) or proc.poll() is not None, 10) or proc.poll() is not None:
        stop(proc)
        raise RuntimeError("opentracker did not start: " + tail(os.path.join(workdir, "opentracker.log")))
    return proc, port


def wait_all(downloaders, timeout):
    """Waits for every ClientProcess until `timeout` s from now (one deadline for all); those
    still running then are stopped together (SIGTERM, then SIGKILL after 5 s) and marked
    timed out. Returns their exit statuses (None: timed out)."""
    deadline = time.time() + timeout

    def all_done():
        for d in downloaders:
            if d.elapsed is None and d.proc.poll() is not None:
                d.elapsed = time.time() - d.started
        return all(d.elapsed is not None for d in downloaders)
    wait_until(all_done, timeout, step=0.1)
    late = [d for d in downloaders if d.proc.poll() is None]
    for d in late:
        d.timed_out = True
        d.proc.send_signal(signal.SIGTERM)
    wait_until(lambda: all(d.proc.poll() is not None for d in late), 5, step=0.1)
    for d in late:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(timeout=5)
    for d in downloaders:
        if d.elapsed is None:
            d.elapsed = min(time.time(), deadline) - d.started
    return [None if d.timed_out else d.proc.returncode for d in downloaders]


def stop_all(downloaders, timeout=10):
    """SIGTERM to every ClientProcess at once; returns [(exit status or None, seconds to exit)],
    SIGKILL for those still running after `timeout` s."""
    t0 = time.time()
    running = [d for d in downloaders if d.proc.poll() is None]
    for d in running:
        d.proc.send_signal(signal.SIGTERM)
    took = {}
    deadline = t0 + timeout
    while time.time() < deadline and any(d.proc.poll() is None for d in running):
        for d in running:
            if d not in took and d.proc.poll() is not None:
                took[d] = time.time() - t0
        time.sleep(0.05)
    out = []
    for d in downloaders:
        if d not in running:
            out.append((d.proc.returncode, 0.0))
        elif d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait(timeout=5)
            out.append((None, time.time() - t0))
        else:
            out.append((d.proc.returncode, took.get(d, time.time() - t0)))
    return out
