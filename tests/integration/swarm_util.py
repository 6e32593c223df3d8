"""Shared pieces of the integration tests that run real clients on loopback.

Every process started here is stopped by PID (never by name); every wait is bounded.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

SKIP = 77


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


def start_tracker(binary, workdir, interval=60):
    """Starts `actorrent tracker` on ephemeral loopback ports; returns (proc, http_port, udp_port)."""
    cfg = os.path.join(workdir, "tracker.json")
    with open(cfg, "w") as f:
        json.dump({"interval": interval, "min_interval": 1}, f)
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
