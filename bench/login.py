"""Login throughput: full logins/s (DS, Passport over HTTPS, NS, SYN, CHG) and NS-only
logins/s with pre-issued tickets, with many concurrent clients.

The service runs in its own process (as `msnp serve` would), the load generator in this one,
so each gets a core. The baseline is the same number of round trips against a minimal asyncio
line-echo server on the same machine, in the same run: it shows what the sockets alone cost.

    .venv/bin/python bench/login.py [--quick] [--logins N] [--concurrency C]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import re
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import format_table, machine_info, use_source_tree, write_json

use_source_tree()

from msnp.wire.codec import Command, Parser  # noqa: E402

PASSWORD = "bench-password"
CONTACTS_PER_USER = 5


# ---- the service process -------------------------------------------------------------------
def _serve(data_dir: str, accounts: int, ready: Any, stop: Any) -> None:
    import contextlib

    from msnp.app import start_service
    from msnp.config import config_from_dict
    from msnp.services.models import ListBits

    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    # Log as `msnp serve` does (a line per sign-in), to a file rather than the terminal.
    logging.basicConfig(
        level=logging.INFO, filename=os.path.join(data_dir, "serve.log"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    async def main() -> None:
        config = config_from_dict(
            {
                "server": {"data_dir": data_dir},
                "dispatch": {"listen": "127.0.0.1:0"},
                "notification": {
                    "listen": "127.0.0.1:0",
                    "challenge_delay": 3600,
                    "max_connections_per_ip": 100_000,  # every client is 127.0.0.1
                },
                "switchboard": {"listen": "127.0.0.1:0"},
                "http": {"listen": "127.0.0.1:0"},
                "https": {"listen": "127.0.0.1:0"},
                "passport": {"ticket_lifetime": 3600},
            }
        )
        service = await start_service(config)
        emails = [f"user{i}@bench.example" for i in range(accounts)]
        for email in emails:
            await service.accounts.create(email, PASSWORD, email.split("@")[0])
        for i, email in enumerate(emails):
            for k in range(1, CONTACTS_PER_USER + 1):
                other = emails[(i + k) % len(emails)]
                await service.lists.add_contact(email, ListBits.FL, other, other, None)
        ready.send(dict(service.ports))
        await asyncio.get_running_loop().run_in_executor(None, stop.recv)
        await service.stop()

    profile = os.environ.get("BENCH_PROFILE")
    if profile:  # a server-side profile for finding hot spots
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), locals(), profile)
    else:
        asyncio.run(main())


# ---- a minimal client ----------------------------------------------------------------------
class Line:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = Parser.for_client()
        self.pending: list[Command] = []

    @classmethod
    async def open(cls, port: int) -> Line:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    def send(self, line: str) -> None:
        self.writer.write(line.encode() + b"\r\n")

    async def read(self) -> Command:
        while not self.pending:
            data = await self.reader.read(65536)
            if not data:
                raise EOFError
            self.pending.extend(self.parser.feed(data))
        return self.pending.pop(0)

    async def expect(self, name: str) -> Command:
        while True:
            command = await self.read()
            if command.name == name:
                return command
            if command.is_error:
                raise RuntimeError(f"server error {command.name}")

    def close(self) -> None:
        self.writer.close()


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _https(tls: ssl.SSLContext, port: int, requests: list[tuple[str, str]]) -> list[str]:
    """Several GETs on one keep-alive TLS connection; returns each response head."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls)
    heads = []
    for target, auth in requests:
        extra = f"Authorization: {auth}\r\n" if auth else ""
        writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
        heads.append((await reader.readuntil(b"\r\n\r\n")).decode("latin-1"))
    writer.close()
    return heads


async def nexus_path(tls: ssl.SSLContext, port: int) -> str:
    """The login path named by the nexus (clients cache this answer)."""
    nexus = (await _https(tls, port, [("/rdr/pprdr.asp", "")]))[0]
    dalogin = re.search(r"DALogin=([^,\r]+)", nexus)
    assert dalogin is not None
    return "/" + dalogin.group(1).split("/", 1)[1]


async def passport(
    tls: ssl.SSLContext, port: int, email: str, challenge: str, path: str | None = None
) -> str:
    """login2.srf with the Passport1.4 header; asks the nexus first unless `path` is known."""
    if path is None:
        path = await nexus_path(tls, port)
    auth = (
        "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,"
        f"sign-in={quote(email, safe='')},pwd={quote(PASSWORD, safe='')},{challenge}"
    )
    head = (await _https(tls, port, [(path, auth)]))[0]
    found = re.search(r"from-PP='([^']*)'", head)
    if found is None:
        raise RuntimeError(head.splitlines()[0])
    return found.group(1)


async def ns_login(port: int, email: str, ticket_for: Any) -> Line:
    ns = await Line.open(port)
    ns.send("VER 4 MSNP9 MSNP8 CVR0")
    await ns.expect("VER")
    ns.send(f"CVR 5 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS {email}")
    await ns.expect("CVR")
    ns.send(f"USR 6 TWN I {email}")
    challenge = (await ns.expect("USR")).args[-1]
    from_pp = await ticket_for(challenge)
    ns.send(f"USR 7 TWN S {from_pp}")
    await ns.expect("USR")
    ns.send("SYN 8 0")
    header = await ns.expect("SYN")
    contacts, groups = int(header.args[1]), int(header.args[2])
    for _ in range(2 + groups + contacts):  # GTC, BLP, LSG..., LST... (no PRP/BPR set)
        await ns.read()
    ns.send("CHG 9 NLN 268435500")
    await ns.expect("CHG")
    return ns


async def full_login(
    ports: dict[str, int], tls: ssl.SSLContext, email: str, login_path: str
) -> Line:
    ds = await Line.open(ports["dispatch"])
    ds.send("VER 1 MSNP9 MSNP8 CVR0")
    await ds.expect("VER")
    ds.send(f"CVR 2 0x0409 winnt 5.1 i386 MSNMSGR 6.0.0602 MSMSGS {email}")
    await ds.expect("CVR")
    ds.send(f"USR 3 TWN I {email}")
    xfr = await ds.expect("XFR")
    ds.close()
    port = int(xfr.args[1].rsplit(":", 1)[1])

    async def ticket(challenge: str) -> str:
        return await passport(tls, ports["https"], email, challenge, login_path)

    return await ns_login(port, email, ticket)


async def run_logins(
    count: int, concurrency: int, one: Any
) -> tuple[float, list[float]]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    latencies: list[float] = []
    sessions: list[Line] = []

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            started = time.perf_counter()
            sessions.append(await one(i))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.send("OUT")
        session.close()
    return elapsed, latencies


# ---- baseline: the same round trips against a bare echo server -----------------------------
async def baseline(count: int, concurrency: int, round_trips: int) -> float:
    handlers: set[asyncio.Task[Any]] = set()

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            while line := await reader.readline():
                writer.write(line)
        except ConnectionError:
            pass
        finally:
            writer.close()
            handlers.discard(task)

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def one(_: int) -> Line:
        line = await Line.open(port)
        for i in range(round_trips):
            line.send(f"PNG {i}")
            await line.reader.readline()
        return line

    elapsed, _ = await run_logins(count, concurrency, one)
    while handlers:  # the clients have closed: let every handler see its EOF
        await asyncio.sleep(0.05)
    server.close()
    return elapsed


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def measure(
    ports: dict[str, int], logins: int, concurrency: int, server_pid: int
) -> dict[str, Any]:
    tls = _tls()
    # Pre-issue tickets for the NS-only phase (Passport done beforehand, outside the timing).
    challenge = "lc=1033,id=507,tw=40"
    half = logins
    pre = [await passport(tls, ports["https"], f"user{i}@bench.example", challenge)
           for i in range(half)]

    async def ns_only(i: int) -> Line:
        async def ticket(_: str) -> str:
            return pre[i]

        return await ns_login(ports["notification"], f"user{i}@bench.example", ticket)

    server_before, client_before = process_cpu(server_pid), time.process_time()
    ns_elapsed, ns_lat = await run_logins(half, concurrency, ns_only)
    ns_server_cpu = process_cpu(server_pid) - server_before
    ns_client_cpu = time.process_time() - client_before
    await asyncio.sleep(0.5)  # let the server finish the sign-outs

    # Messenger asks the nexus once and caches DALogin; every login does the rest in full.
    login_path = await nexus_path(tls, ports["https"])

    async def full(i: int) -> Line:
        return await full_login(ports, tls, f"user{half + i}@bench.example", login_path)

    server_before, client_before = process_cpu(server_pid), time.process_time()
    full_elapsed, full_lat = await run_logins(logins, concurrency, full)
    full_server_cpu = process_cpu(server_pid) - server_before
    full_client_cpu = time.process_time() - client_before
    base_elapsed = await baseline(logins, concurrency, round_trips=6)
    return {
        "ns_only": {"logins": half, "seconds": ns_elapsed, "per_second": half / ns_elapsed,
                    "p50_ms": _pct(ns_lat, 0.5), "p99_ms": _pct(ns_lat, 0.99),
                    "server_cpu_ms_per_login": ns_server_cpu / half * 1000,
                    "client_cpu_share": ns_client_cpu / ns_elapsed},
        "full": {"logins": logins, "seconds": full_elapsed, "per_second": logins / full_elapsed,
                 "p50_ms": _pct(full_lat, 0.5), "p99_ms": _pct(full_lat, 0.99),
                 "server_cpu_ms_per_login": full_server_cpu / logins * 1000,
                 "client_cpu_share": full_client_cpu / full_elapsed},
        "baseline_echo": {"connections": logins, "round_trips": 6, "seconds": base_elapsed,
                          "per_second": logins / base_elapsed},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run for a smoke test")
    parser.add_argument("--logins", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    logins = args.logins or (100 if args.quick else 1000)

    with tempfile.TemporaryDirectory() as data_dir:
        ready_recv, ready_send = multiprocessing.Pipe(duplex=False)
        stop_recv, stop_send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(
            target=_serve, args=(data_dir, 2 * logins, ready_send, stop_recv), daemon=True
        )
        server.start()
        print(f"creating {2 * logins} accounts...", flush=True)
        while not ready_recv.poll(1.0):  # a service that fails to start must not hang this
            if not server.is_alive():
                raise SystemExit(f"the service process exited ({server.exitcode}) at start")
        ports = ready_recv.recv()
        try:
            assert server.pid is not None
            result = asyncio.run(measure(ports, logins, args.concurrency, server.pid))
        finally:
            stop_send.send(True)
            server.join(30)

    def row(name: str, key: str, target: str) -> list[str]:
        r = result[key]
        return [name, f"{r['per_second']:.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}",
                f"{r['server_cpu_ms_per_login']:.2f}", f"{r['client_cpu_share']:.0%}", target]

    rows = [
        row("full login (DS+Passport+NS+SYN+CHG)", "full", "100"),
        row("NS-only login (pre-issued ticket)", "ns_only", "1000"),
        ["baseline: 6 echo round trips/conn", f"{result['baseline_echo']['per_second']:.0f}",
         "", "", "", "", ""],
    ]
    headers = ["operation", "per second", "p50 ms", "p99 ms", "server CPU ms/login",
               "load generator CPU", "target/s"]
    print(format_table(headers, rows))
    ratio = result["baseline_echo"]["per_second"] / result["ns_only"]["per_second"]
    print(f"NS-only login costs {ratio:.1f}x a bare 6-round-trip connection")
    path = write_json("login", {"machine": machine_info(), "concurrency": args.concurrency,
                                "results": result})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
