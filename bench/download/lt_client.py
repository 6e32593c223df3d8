#!/usr/bin/python3
"""A libtorrent client process with actorrent's command line, for the download benchmark
(each downloader and the seeder is its own process, so its CPU and peak RSS are measured
alone) and as a stand-in for `actorrent download` / `actorrent seed` when checking the
integration harnesses.

  lt_client.py download TORRENT -o DIR [--peer HOST:PORT]... [--listen-port N] [--seed]
               [--json-progress] [--quiet] [--settings default|high-performance] [--timeout S]
  lt_client.py seed TORRENT --dir DIR [--listen-port N] [--peer HOST:PORT]... [--json-progress]
               [--settings ...] [--upload-limit B/s] [--control]

`download` exits 0 once every piece is verified (with --seed it seeds until SIGINT/SIGTERM).
--json-progress prints actorrent's progress object once a second. --control (seed): reads
"connect HOST:PORT" lines on stdin and connects out to that peer (transmission-cli drops
127.x peers from trackers, so the seeder connects to it). Loopback settings always: no DHT,
LSD, UPnP, NAT-PMP, uTP; several connections per IP allowed.
Must run under /usr/bin/python3 (Debian's libtorrent binding).
"""
import argparse
import json
import queue
import signal
import sys
import threading
import time

import libtorrent as lt

STATES = {
    lt.torrent_status.checking_files: "checking",
    lt.torrent_status.checking_resume_data: "checking",
    lt.torrent_status.downloading_metadata: "downloading",
    lt.torrent_status.downloading: "downloading",
    lt.torrent_status.finished: "seeding",
    lt.torrent_status.seeding: "seeding",
}


def settings(kind, listen_port, plaintext=False):
    if kind == "high-performance":
        s = lt.high_performance_seed()
    elif kind == "default":
        s = lt.default_settings()
    else:
        raise SystemExit(f"lt_client: unknown --settings {kind}")
    s.update({
        "listen_interfaces": f"127.0.0.1:{listen_port}",
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification,
    })
    if plaintext:
        # libtorrent opens with an encrypted handshake (MSE) and, when the peer does not speak
        # it, reconnects in plaintext about a second later.
        s["out_enc_policy"] = int(lt.enc_policy.disabled)
    return s


def peer(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def progress(h, ti, started):
    st = h.status()
    state = "paused" if st.paused and not st.auto_managed else STATES.get(st.state, "downloading")
    if st.errc.value():
        state = "error"
    left = st.total_wanted - st.total_wanted_done
    rate = st.download_payload_rate
    return {
        "name": ti.name(), "info_hash": str(ti.info_hashes().v1), "state": state,
        "pieces_total": ti.num_pieces(), "pieces_have": st.num_pieces, "pieces_wanted": ti.num_pieces(),
        "bytes_total": st.total_wanted, "bytes_left": left,
        "download_rate": rate, "upload_rate": st.upload_payload_rate,
        "downloaded": st.total_payload_download, "uploaded": st.total_payload_upload,
        "peers": st.num_peers, "seeds": st.num_seeds, "eta_s": int(left / rate) if rate > 0 else -1,
        "restarts": 0, "hash_failures": 0, "error": st.errc.message() if st.errc.value() else "",
        "time_s": round(time.time() - started, 3),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=("download", "seed"))
    ap.add_argument("torrent")
    ap.add_argument("-o", "--output")
    ap.add_argument("--dir")
    ap.add_argument("--peer", action="append", default=[])
    ap.add_argument("--listen-port", type=int, default=0)
    ap.add_argument("--seed", action="store_true")
    ap.add_argument("--json-progress", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--settings", default="default")
    ap.add_argument("--plaintext", action="store_true", help="outgoing connections without MSE")
    ap.add_argument("--upload-limit", type=int, default=0)
    ap.add_argument("--download-limit", type=int, default=0)
    ap.add_argument("--control", action="store_true")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("-c", "--config")
    a = ap.parse_args()
    started = time.time()
    save = a.output if a.command == "download" else a.dir
    if not save:
        raise SystemExit("lt_client: -o (download) or --dir (seed) is required")
    seed_forever = a.command == "seed" or a.seed

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    commands = queue.Queue()
    if a.control:
        def read_stdin():
            for line in sys.stdin:
                commands.put(line.strip())
        threading.Thread(target=read_stdin, daemon=True).start()

    ses = lt.session(settings(a.settings, a.listen_port, a.plaintext))
    ti = lt.torrent_info(a.torrent)
    h = ses.add_torrent({"ti": ti, "save_path": save})
    if a.upload_limit:
        h.set_upload_limit(a.upload_limit)
    if a.download_limit:
        h.set_download_limit(a.download_limit)
    for p in a.peer:
        h.connect_peer(peer(p))
    status = 1
    next_print = time.time() + 1
    deadline = started + a.timeout
    while time.time() < deadline and not stopping.is_set():
        ses.wait_for_alert(100)
        for al in ses.pop_alerts():
            if isinstance(al, (lt.file_error_alert, lt.torrent_error_alert)):
                print(f"lt_client: {al.message()}", file=sys.stderr, flush=True)
        while not commands.empty():
            cmd = commands.get()
            if cmd.startswith("connect "):
                h.connect_peer(peer(cmd.split()[1]))
        st = h.status()
        if a.json_progress and time.time() >= next_print:
            print(json.dumps(progress(h, ti, started)), flush=True)
            next_print += 1
        if st.is_seeding and not seed_forever:
            status = 0
            break
        if st.errc.value():
            print(f"lt_client: {st.errc.message()}", file=sys.stderr, flush=True)
            break
    else:
        if stopping.is_set():
            status = 0
        else:
            print(f"lt_client: timed out after {a.timeout:.0f} s", file=sys.stderr, flush=True)
    if stopping.is_set():
        status = 0
    if a.json_progress:
        print(json.dumps(progress(h, ti, started)), flush=True)
    ses.remove_torrent(h)
    del ses
    return status


if __name__ == "__main__":
    sys.exit(main())
