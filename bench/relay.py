"""Switchboard relay benchmark: many two-party sessions on loopback.

    python bench/relay.py [--pairs 100] [--size 150] [--rate 20000] [--seconds 5]

Measures, for the switchboard and for a baseline (a minimal asyncio byte relay: whatever
arrives on one socket is written to its partner), with the same clients and message sizes:

  (a) throughput: every pair keeps `--window` messages in flight (closed loop); messages
      delivered per second, and server CPU per message;
  (b) latency at a fixed offered load (`--rate` messages/s in total, paced every
      millisecond, one write per message): p50 / p99 / p99.9 / max, send to receipt.

The servers run in their own process (uvloop when installed, as in production) and the load
generator in this one, so each gets a core. Clients use raw sockets and asyncio protocols:
a receiver counts fixed-size frames instead of parsing, so the generator stays cheap.
Each pair sends one way (`a` -> `b`) with ack type `--ack`: N (no reply on success) by
default, or A (what most clients send for text: the switchboard also answers every message
with an ACK, which the baseline does not).
Every measurement is repeated `--rounds` times, interleaving the two targets, and medians
are reported: on a shared machine single runs vary by 2x. `RELAY_PROFILE=file` runs the
server process under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import format_table, use_source_tree, write_json

use_source_tree()

from msnp.config import Config, HostPort, SwitchboardConfig  # noqa: E402
from msnp.sb import SwitchboardServer, UserInfo  # noqa: E402
from msnp.sb.workers import SwitchboardPool, SwitchboardWorkers  # noqa: E402
from msnp.services.invitations import Ring  # noqa: E402
from msnp.services.tickets import MemoryTicketStore  # noqa: E402

TS_DIGITS = 20  # the send time (perf_counter_ns) at the end of each payload


def install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


# ---- server process -----------------------------------------------------------------------


class BenchRinger:
    def __init__(self) -> None:
        self.rings: dict[str, Ring] = {}

    async def ring(self, invitee: str, ring: Ring) -> bool:
        self.rings[invitee] = ring
        return True


class BenchDirectory:
    async def describe(self, email: str) -> tuple[str, str] | None:
        return UserInfo(email.split("@")[0], "MSNP9")


class RelayProtocol(asyncio.Protocol):
    """The baseline: `PAIR id\\r\\n` pairs two connections; then bytes go straight across."""

    def __init__(self, waiting: dict[bytes, RelayProtocol]) -> None:
        self.waiting = waiting
        self.transport: asyncio.Transport | None = None
        self.peer: RelayProtocol | None = None
        self.hello = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is not None:
            assert peer.transport is not None
            peer.transport.write(data)
            return
        self.hello += data
        if not self.hello.endswith(b"\r\n"):
            return
        key = self.hello.split()[1]
        other = self.waiting.pop(key, None)
        if other is None:
            self.waiting[key] = self
            return
        self.peer, other.peer = other, self
        for side in (self, other):
            assert side.transport is not None
            side.transport.write(b"OK\r\n")

    def connection_lost(self, exc: Exception | None) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()


async def open_relay() -> tuple[asyncio.Server, int]:
    """A baseline relay listening on an ephemeral port, and that port."""
    waiting: dict[bytes, RelayProtocol] = {}
    relay = await asyncio.get_running_loop().create_server(
        lambda: RelayProtocol(waiting), "127.0.0.1", 0)
    return relay, relay.sockets[0].getsockname()[1]


def server_main(control: Connection, workers: int) -> None:
    loop_name = install_uvloop()

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        ringer = BenchRinger()
        directory = BenchDirectory()
        tickets = MemoryTicketStore()
        # Every benchmark client connects from 127.0.0.1.
        config = Config(
            switchboard=SwitchboardConfig(
                listen=HostPort("127.0.0.1", 0), max_connections_per_ip=100_000,
                workers=workers,
            )
        )
        sb = SwitchboardServer(config, tickets, ringer, directory)
        await sb.start()
        # As `msnp serve` runs them: worker processes, handed out in turn by XFR SB.
        sb_workers = SwitchboardWorkers(config, tickets, ringer, directory)
        await sb_workers.start()
        pool = SwitchboardPool(sb, sb_workers)
        relay, relay_port = await open_relay()
        stopped = asyncio.Event()

        def answer() -> None:
            # Requests are served on the loop's thread through run_coroutine_threadsafe.
            async def handle(request: tuple[Any, ...]) -> Any:
                if request[0] == "creator":
                    email = request[1]
                    cookie = await pool.issue_creator(email, email.split("@")[0], "MSNP9")
                    return cookie, pool.next_address().port
                if request[0] == "ring":
                    ring = ringer.rings.pop(request[1])
                    return ring.session_id, ring.cookie, ring.address.port
                if request[0] == "pids":
                    return [os.getpid(), *(p.pid for p in sb_workers.processes())]
                raise ValueError(request)

            while True:
                request = control.recv()
                if request[0] == "stop":
                    loop.call_soon_threadsafe(stopped.set)
                    return
                control.send(asyncio.run_coroutine_threadsafe(handle(request), loop).result())

        control.send(("ready", relay_port, loop_name))
        threading.Thread(target=answer, daemon=True).start()
        await stopped.wait()
        relay.close()
        await sb_workers.close()
        await sb.close()

    profile = os.environ.get("RELAY_PROFILE")  # a file name: cProfile the server process
    if profile:
        import cProfile

        cProfile.runctx("asyncio.run(serve())", globals(), {"serve": serve, "asyncio": asyncio},
                        profile)
    else:
        asyncio.run(serve())


def relay_main(control: Connection) -> None:
    """One more baseline relay process (with `--workers`, the baseline gets as many)."""
    install_uvloop()

    async def serve() -> None:
        relay, port = await open_relay()
        control.send(port)
        await asyncio.to_thread(control.recv)  # anything: stop
        relay.close()

    asyncio.run(serve())


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


# ---- load generator -----------------------------------------------------------------------


class LineSocket:
    """Blocking setup dialogue on a socket that is later handed to the event loop."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r\n")

    def read(self) -> list[str]:
        while b"\r\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("closed during setup")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line.decode().split()

    def handover(self) -> socket.socket:
        assert not self.buf, self.buf
        self.sock.setblocking(False)
        return self.sock


@dataclass
class PairSockets:
    sender: socket.socket
    receiver: socket.socket
    received_prefix: bytes  # what the receiver sees before each payload's length
    sent_prefix: bytes  # `MSG trid N ` or the like, before the length


def setup_switchboard(control: Connection, pairs: int, ack: str) -> list[PairSockets]:
    out = []
    for i in range(pairs):
        a, b = f"a{i}@bench.example", f"b{i}@bench.example"
        control.send(("creator", a))
        cookie, port = control.recv()  # XFR SB: the switchboards in turn
        alice = LineSocket(port)
        alice.send(f"USR 1 {a} {cookie}")
        assert alice.read()[:3] == ["USR", "1", "OK"]
        alice.send(f"CAL 2 {b}")
        assert alice.read()[:3] == ["CAL", "2", "RINGING"]
        control.send(("ring", b))
        session_id, cookie, port = control.recv()
        bob = LineSocket(port)
        bob.send(f"ANS 1 {b} {cookie} {session_id}")
        while bob.read()[0] != "ANS":
            pass
        assert alice.read()[0] == "JOI"
        out.append(PairSockets(alice.handover(), bob.handover(),
                               f"MSG {a} {a.split('@')[0]} ".encode(),
                               f"MSG 1000000 {ack} ".encode()))
    return out


def setup_baseline(ports: list[int], pairs: int, ack: str) -> list[PairSockets]:
    out = []
    for i in range(pairs):
        port = ports[i % len(ports)]
        alice, bob = LineSocket(port), LineSocket(port)
        alice.send(f"PAIR {i}")
        bob.send(f"PAIR {i}")
        assert alice.read() == ["OK"] and bob.read() == ["OK"]
        # The relay forwards the client's own line: the receiver sees `MSG trid N length`.
        line = f"MSG 1000000 {ack} ".encode()
        out.append(PairSockets(alice.handover(), bob.handover(), line, line))
    return out


def make_payload(size: int, stamp: int) -> bytes:
    head = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
    filler = size - len(head) - TS_DIGITS
    assert filler >= 0, "message size too small"
    return head + b"x" * filler + b"%0*d" % (TS_DIGITS, stamp)


class Sender(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.replies = 0  # bytes the server sent back: ACKs for `--ack A`, else none

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.replies += len(data)


@dataclass
class Receiver(asyncio.Protocol):
    frame: int  # bytes per delivered message
    mode: str = "idle"  # "window": refill the sender; "latency": record delays
    sender: Sender | None = None
    refill: bytes = b""  # one pre-built message for the window mode
    buffered: int = 0
    pending: bytearray = field(default_factory=bytearray)
    delivered: int = 0
    latencies: list[int] = field(default_factory=list)
    record: bool = False

    def data_received(self, data: bytes) -> None:
        if self.mode == "latency":
            now = time.perf_counter_ns()
            self.pending += data
            frame = self.frame
            count = len(self.pending) // frame
            if count:
                chunk = self.pending[: count * frame]
                del self.pending[: count * frame]
                self.delivered += count
                if self.record:
                    for end in range(frame, count * frame + 1, frame):
                        self.latencies.append(now - int(chunk[end - TS_DIGITS : end]))
            return
        self.buffered += len(data)
        count, self.buffered = divmod(self.buffered, self.frame)
        if count:
            self.delivered += count
            if self.mode == "window" and self.sender is not None:
                assert self.sender.transport is not None
                self.sender.transport.write(self.refill * count)


@dataclass
class PairRun:
    sender: Sender
    receiver: Receiver
    sent_prefix: bytes


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def attach(pairs: list[PairSockets], size: int) -> list[PairRun]:
    loop = asyncio.get_running_loop()
    runs = []
    for pair in pairs:
        payload = make_payload(size, 0)
        frame = len(pair.received_prefix) + len(b"%d\r\n" % len(payload)) + len(payload)
        _, sender = await loop.create_connection(Sender, sock=pair.sender)
        receiver = Receiver(frame)
        await loop.create_connection(lambda r=receiver: r, sock=pair.receiver)  # type: ignore[misc]
        receiver.sender = sender
        receiver.refill = pair.sent_prefix + b"%d\r\n" % len(payload) + payload
        runs.append(PairRun(sender, receiver, pair.sent_prefix))
    return runs


async def settle(runs: list[PairRun]) -> None:
    """Wait until nothing more arrives (every message in flight delivered)."""
    last = -1
    while True:
        total = sum(run.receiver.delivered for run in runs)
        if total == last:
            return
        last = total
        await asyncio.sleep(0.2)


async def measure_throughput(runs: list[PairRun], server_cpu_now: Callable[[], float],
                             window: int, warmup: float, seconds: float) -> dict[str, float]:
    for run in runs:
        run.receiver.mode = "window"
        assert run.sender.transport is not None
        run.sender.transport.write(run.receiver.refill * window)
    await asyncio.sleep(warmup)
    server_cpu = server_cpu_now()
    client_cpu = cpu_seconds()
    before = sum(run.receiver.delivered for run in runs)
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - started
    delivered = sum(run.receiver.delivered for run in runs) - before
    server_cpu = server_cpu_now() - server_cpu
    client_cpu = cpu_seconds() - client_cpu
    for run in runs:
        run.receiver.mode = "idle"
    await settle(runs)
    return {
        "msgs_per_s": delivered / elapsed,
        "server_cpu_us_per_msg": server_cpu / delivered * 1e6,
        "server_cpu_share": server_cpu / elapsed,
        "client_cpu_share": client_cpu / elapsed,
    }


async def measure_latency(runs: list[PairRun], server_cpu_now: Callable[[], float], size: int,
                          rate: float, warmup: float, seconds: float) -> dict[str, float]:
    before = sum(run.receiver.delivered for run in runs)
    for run in runs:
        run.receiver.mode = "latency"
        run.receiver.latencies.clear()
    length = b"%d\r\n" % len(make_payload(size, 0))
    start = time.perf_counter()
    sent = 0
    index = 0
    recording = False
    total = warmup + seconds
    while (elapsed := time.perf_counter() - start) < total:
        if not recording and elapsed >= warmup:
            recording = True
            server_cpu = server_cpu_now()
            cpu_started = time.perf_counter()
            for run in runs:
                run.receiver.record = True
        due = int(elapsed * rate) - sent
        for _ in range(due):
            run = runs[index]
            index = (index + 1) % len(runs)
            stamp = time.perf_counter_ns()
            assert run.sender.transport is not None
            run.sender.transport.write(run.sent_prefix + length + make_payload(size, stamp))
        sent += due
        await asyncio.sleep(0.001)
    achieved = sent / (time.perf_counter() - start)
    server_share = (server_cpu_now() - server_cpu) / (time.perf_counter() - cpu_started)
    await settle(runs)
    lost = sent - (sum(run.receiver.delivered for run in runs) - before)
    samples = sorted(x for run in runs for x in run.receiver.latencies)
    for run in runs:
        run.receiver.record = False

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))] / 1e6

    return {
        "offered_msgs_per_s": achieved,
        "lost": lost,
        "latency_server_cpu_share": server_share,
        "samples": len(samples),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "max_ms": samples[-1] / 1e6,
        "mean_ms": statistics.fmean(samples) / 1e6,
    }


async def measure_round(name: str, runs: list[PairRun], server_cpu_now: Callable[[], float],
                        args: argparse.Namespace) -> dict[str, Any]:
    throughput = await measure_throughput(runs, server_cpu_now, args.window, args.warmup,
                                          args.seconds)
    latency = await measure_latency(runs, server_cpu_now, args.size, args.rate, args.warmup,
                                    args.seconds)
    replies = sum(run.sender.replies for run in runs)
    for run in runs:
        run.sender.replies = 0
    return {"target": name, **throughput, **latency, "reply_bytes": replies}


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every number over the rounds (the machine may be shared and noisy)."""
    summary: dict[str, Any] = {"target": rounds[0]["target"], "rounds": len(rounds)}
    for key, value in rounds[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            summary[key] = statistics.median(r[key] for r in rounds)
    summary["best_msgs_per_s"] = max(r["msgs_per_s"] for r in rounds)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--size", type=int, default=150, help="payload bytes per message")
    parser.add_argument("--window", type=int, default=16, help="messages in flight per pair")
    parser.add_argument("--rate", type=float, default=20000, help="offered msgs/s, latency")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="medians are reported")
    parser.add_argument("--ack", choices=["N", "A", "U"], default="N",
                        help="the senders' MSG ack type")
    parser.add_argument("--workers", type=int, default=1,
                        help="switchboard processes (switchboard.workers); the baseline gets "
                        "as many relay processes")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    control, child = context.Pipe()
    # Not a daemon: it starts the switchboard worker processes. Stopped in `finally`.
    server = context.Process(target=server_main, args=(child, args.workers))
    server.start()
    _, relay_port, server_loop = control.recv()
    # The baseline gets as many processes as the switchboard has.
    relays = []
    for _ in range(args.workers - 1):
        ours, theirs = context.Pipe()
        process = context.Process(target=relay_main, args=(theirs,), daemon=True)
        process.start()
        relays.append((process, ours, ours.recv()))
    control.send(("pids",))
    server_pids = [*control.recv(), *(process.pid for process, _, _ in relays)]

    def server_cpu_now() -> float:
        return process_cpu(server_pids)

    client_loop = install_uvloop()
    load_before = os.getloadavg()
    rounds: dict[str, list[dict[str, Any]]] = {"switchboard": [], "baseline relay": []}
    try:
        # Sockets are set up blocking, then handed to the loop.
        pairs = {
            "switchboard": setup_switchboard(control, args.pairs, args.ack),
            "baseline relay": setup_baseline(
                [relay_port, *(port for _, _, port in relays)], args.pairs, args.ack),
        }

        async def run_all() -> None:
            runs = {name: await attach(p, args.size) for name, p in pairs.items()}
            for _ in range(args.rounds):  # interleaved, so both see the same machine
                for name, target_runs in runs.items():
                    rounds[name].append(
                        await measure_round(name, target_runs, server_cpu_now, args))

        asyncio.run(run_all())
    finally:
        control.send(("stop",))
        for process, pipe, _ in relays:
            pipe.send("stop")
            process.join(10)
        server.join(10)
        if server.is_alive():
            server.terminate()

    results = [summarize(rounds[name]) for name in rounds]
    sb, base = results
    headers = ["target", "msgs/s", "srv CPU us/msg", "client CPU", "p50 ms", "p99 ms",
               "p99.9 ms", "max ms", "srv CPU at rate"]
    rows: list[list[object]] = [
        [r["target"], round(r["msgs_per_s"]), round(r["server_cpu_us_per_msg"], 2),
         f"{r['client_cpu_share']:.0%}", r["p50_ms"], r["p99_ms"], r["p999_ms"], r["max_ms"],
         f"{r['latency_server_cpu_share']:.0%}"]
        for r in results
    ]
    ratio = base["msgs_per_s"] / sb["msgs_per_s"]
    print(f"{args.pairs} pairs, {args.size}-byte payloads, ack {args.ack}, window "
          f"{args.window}; latency at "
          f"{sb['offered_msgs_per_s']:,.0f} msgs/s offered; server {server_loop}, "
          f"client {client_loop}, {os.cpu_count()} CPUs; {args.workers} server process(es) "
          f"each; medians of {args.rounds} rounds; "
          f"load average before {load_before[0]:.2f}")
    print(format_table(headers, rows))
    print(f"baseline / switchboard throughput: {ratio:.2f}x; "
          f"p99 ratio: {sb['p99_ms'] / base['p99_ms']:.2f}x")
    replies = sum(r["reply_bytes"] for r in rounds["switchboard"])
    print(f"switchboard answers to the senders: {replies:,} bytes"
          + (" (an ACK for every message)" if args.ack == "A" else " (none expected)"))
    targets = {
        "throughput_msgs_per_s >= 50000": sb["msgs_per_s"] >= 50_000,
        "p99_ms < 10 at offered rate": sb["p99_ms"] < 10,
        "within 3x of baseline": ratio <= 3,
    }
    for target, met in targets.items():
        print(f"  {'met' if met else 'NOT met'}: {target}")
    if not args.no_json:
        name = "relay" + (f"-ack-{args.ack}" if args.ack != "N" else "") + (
            f"-workers-{args.workers}" if args.workers > 1 else "")
        path = write_json(name, {
            "parameters": vars(args),
            "event_loops": {"server": server_loop, "client": client_loop},
            "results": results,
            "rounds": rounds,
            "load_average_before": load_before,
            "baseline_over_switchboard": ratio,
            "targets": targets,
        })
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
