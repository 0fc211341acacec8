"""Presence fan-out: the time from one user's CHG until the last of N online watchers has
the NLN, beside the time to write the same line to N sockets directly.

The service runs in its own process (as `msnp serve` would) together with the baseline
server, a bare asyncio server that writes the same NLN line to N accepted sockets when
told to. This process holds every client socket and times both the same way: from sending
the request (`CHG` to the service, a trigger line to the baseline) until the last watcher
socket has received its line. So the ratio is the cost of the NS path (parse CHG, find
the watchers, format per dialect, write) over the cost of the writes alone.

Accounts are written straight into the store (one bulk insert, no password hashing) and
the watchers sign in with Passport tickets issued in the service process, so setting up
1,000 watchers takes seconds.

    .venv/bin/python bench/presence.py [--quick] [--watchers N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import format_table, timed, use_source_tree, write_json

use_source_tree()

from msnp.wire.codec import Parser  # noqa: E402

OWNER = "owner@bench.example"
OWNER_NAME = "Owner"
STATUSES = ("BSY", "AWY", "BRB", "NLN")  # one per round, in turn; never the current one
CAPS = "268435500"
CONNECT_CONCURRENCY = 64  # below the listen backlog, so no SYN is dropped and retried


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


def watcher_email(i: int) -> str:
    return f"w{i}@bench.example"


def presence_line(status: str) -> bytes:
    return f"NLN {status} {OWNER} {OWNER_NAME} {CAPS}\r\n".encode()


# ---- the service process --------------------------------------------------------------------
async def _create_accounts(service: Any, watchers: int) -> None:
    """The owner and N watchers, each watcher with the owner on FL (the owner has them on
    RL), inserted in one transaction."""
    import secrets
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from msnp.services.models import ListBits
    from msnp.store.tables import accounts, contact_groups, contacts, groups

    now = datetime.now(UTC)
    emails = [OWNER] + [watcher_email(i) for i in range(watchers)]

    async def write(conn: Any) -> None:
        await conn.execute(
            insert(accounts),
            [
                {
                    "email_key": email,
                    "email": email,
                    "display_name": OWNER_NAME if email == OWNER else email.split("@")[0],
                    "password_hash": "-",  # never checked: tickets are pre-issued
                    "member_id": (1 << 32) + secrets.randbelow(1 << 47),
                    "list_version": 1,
                    "created_at": now,
                }
                for email in emails
            ],
        )
        ids = {
            row.email_key: row.id
            for row in await conn.execute(select(accounts.c.email_key, accounts.c.id))
        }
        owner = ids[OWNER]
        await conn.execute(
            insert(groups),
            [{"owner_id": i, "group_id": 0, "name": "Other Contacts"} for i in ids.values()],
        )
        rows = []
        for email in emails[1:]:
            rows.append({"owner_id": ids[email], "contact_id": owner, "stored_name": OWNER_NAME,
                         "lists": int(ListBits.FL)})
            rows.append({"owner_id": owner, "contact_id": ids[email], "stored_name": email,
                         "lists": int(ListBits.RL)})
        await conn.execute(insert(contacts), rows)
        await conn.execute(
            insert(contact_groups),
            [{"owner_id": ids[e], "contact_id": owner, "group_id": 0} for e in emails[1:]],
        )

    await service.db.write(write)


class _Baseline:
    """Accepts N watcher sockets; a line on any other socket makes it write `line` to all
    of them: the same bytes the NS writes, with nothing else in between."""

    def __init__(self, watchers: int) -> None:
        self.watchers = watchers
        self.transports: list[asyncio.Transport] = []

    def protocol(self) -> asyncio.Protocol:
        baseline = self

        class Conn(asyncio.Protocol):
            transport: asyncio.Transport

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                # (uvloop's transports are not asyncio.Transport subclasses: cast, not check)
                self.transport = cast(asyncio.Transport, transport)
                if len(baseline.transports) < baseline.watchers:
                    baseline.transports.append(self.transport)

            def data_received(self, data: bytes) -> None:
                # "GO <status>\r\n" from the trigger socket.
                for line in data.split(b"\r\n"):
                    if line.startswith(b"GO "):
                        payload = presence_line(line[3:].decode())
                        for transport in baseline.transports:
                            transport.write(payload)

        return Conn()


def _serve(data_dir: str, watchers: int, ready: Any, stop: Any) -> None:
    _raise_fd_limit()
    _install_uvloop()

    async def main() -> None:
        from msnp.app import start_service
        from msnp.config import config_from_dict

        config = config_from_dict(
            {
                "server": {"data_dir": data_dir},
                "dispatch": {"listen": "127.0.0.1:0", "enabled": False},
                "notification": {"listen": "127.0.0.1:0", "challenge_delay": 3600,
                                 "max_connections_per_ip": watchers + 100},
                "switchboard": {"listen": "127.0.0.1:0"},
                "http": {"listen": "127.0.0.1:0"},
                "https": {"listen": "127.0.0.1:0"},
                "passport": {"ticket_lifetime": 3600},
            }
        )
        service = await start_service(config)
        await _create_accounts(service, watchers)
        tickets = [await service.context.passport.issue(OWNER)] + [
            await service.context.passport.issue(watcher_email(i)) for i in range(watchers)
        ]
        baseline = _Baseline(watchers)
        loop = asyncio.get_running_loop()
        base_server = await loop.create_server(baseline.protocol, "127.0.0.1", 0, backlog=1024)
        ports = dict(service.ports)
        ports["baseline"] = base_server.sockets[0].getsockname()[1]
        ready.send((ports, tickets))
        await loop.run_in_executor(None, stop.recv)
        base_server.close()
        await service.stop()

    profile = os.environ.get("BENCH_PROFILE")
    if profile:  # BENCH_PROFILE=out.prof: a server-side profile for finding hot spots
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), locals(), profile)
    else:
        asyncio.run(main())


# ---- the clients (this process) ----------------------------------------------------------------
class Watcher(asyncio.Protocol):
    """A raw NS client: signs in with its ticket, sets NLN, then only watches for the
    expected line and notes when it arrived (no parsing while timing, for either server)."""

    def __init__(self, email: str, ticket: str, status: str | None) -> None:
        self.email = email
        self.ticket = ticket
        self.status = status  # None: a baseline socket, no login
        self.parser = Parser.for_client()
        self.transport: asyncio.Transport | None = None
        self.signed_in = asyncio.get_running_loop().create_future()
        self.expect: bytes = b""
        self.tail = b""
        self.arrived: asyncio.Future[float] | None = None
        self.hotmail_messages = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        if self.status is None:
            self.signed_in.set_result(None)
        else:
            self.send("VER 1 MSNP9 MSNP8 CVR0")

    def send(self, line: str) -> None:
        assert self.transport is not None
        self.transport.write(line.encode() + b"\r\n")

    def watch_for(self, line: bytes) -> asyncio.Future[float]:
        self.expect = line
        self.tail = b""
        self.arrived = asyncio.get_running_loop().create_future()
        return self.arrived

    def data_received(self, data: bytes) -> None:
        if not self.signed_in.done():
            self._login(data)
            return
        if self.arrived is None or self.arrived.done():
            return
        now = time.perf_counter()
        seen = self.tail + data
        if self.expect in seen:
            self.arrived.set_result(now)
        else:
            self.tail = seen[-len(self.expect) :]

    def _login(self, data: bytes) -> None:
        for command in self.parser.feed(data):
            if command.is_error:
                self.signed_in.set_exception(RuntimeError(f"{self.email}: {command}"))
                return
            if command.name == "VER":
                self.send(f"USR 2 TWN I {self.email}")
            elif command.name == "USR" and command.arg(0) == "TWN":
                self.send(f"USR 3 TWN S {self.ticket}")
            elif command.name == "MSG":
                self.hotmail_messages += 1
                if self.hotmail_messages == 2:  # profile and mail notice: signed in
                    self.send(f"CHG 4 {self.status} {CAPS}")
            elif command.name == "CHG":
                self.signed_in.set_result(None)
                return  # anything after (an ILN) is not timed

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.signed_in.done():
            self.signed_in.set_exception(ConnectionError(f"{self.email}: closed"))
        if self.arrived is not None and not self.arrived.done():
            self.arrived.set_exception(ConnectionError(f"{self.email}: closed"))


async def _connect_all(
    port: int, make: Callable[[int], Watcher], count: int
) -> list[Watcher]:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(i: int) -> Watcher:
        async with gate:
            _, protocol = await loop.create_connection(lambda: make(i), "127.0.0.1", port)
            await protocol.signed_in
            return protocol

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _rounds(
    watchers: list[Watcher], rounds: int, trigger: Callable[[str], None]
) -> list[float]:
    """Seconds from the trigger until the last watcher had its line, per round."""
    results = []
    for n in range(rounds):
        status = STATUSES[n % len(STATUSES)]
        line = presence_line(status)
        arrivals = [w.watch_for(line) for w in watchers]
        await asyncio.sleep(0.05)  # quiet sockets before each round
        started = time.perf_counter()
        trigger(status)
        done = await asyncio.wait_for(asyncio.gather(*arrivals), 30)
        results.append(max(done) - started)
    return results


async def measure(ports: dict[str, int], tickets: list[str], watchers: int,
                  rounds: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    _, owner = await loop.create_connection(
        lambda: Watcher(OWNER, tickets[0], "NLN"), "127.0.0.1", ports["notification"]
    )
    await owner.signed_in
    started = time.perf_counter()
    ns_watchers = await _connect_all(
        ports["notification"],
        lambda i: Watcher(watcher_email(i), tickets[i + 1], "NLN"),
        watchers,
    )
    login_seconds = time.perf_counter() - started
    base_watchers = await _connect_all(
        ports["baseline"], lambda i: Watcher(f"b{i}", "", None), watchers
    )
    _, base_trigger = await loop.create_connection(
        lambda: Watcher("trigger", "", None), "127.0.0.1", ports["baseline"]
    )
    await asyncio.sleep(0.5)  # every socket settled (trailing ILN lines read)

    trids = iter(range(100, 1_000_000))

    def chg(status: str) -> None:
        owner.send(f"CHG {next(trids)} {status} {CAPS}")

    def go(status: str) -> None:
        base_trigger.send(f"GO {status}")

    # Interleave the two so drift in machine load affects both alike.
    ns_times: list[float] = []
    base_times: list[float] = []
    for _ in range(rounds):
        ns_times += await _rounds(ns_watchers, 1, chg)
        base_times += await _rounds(base_watchers, 1, go)
    for w in [owner, *ns_watchers, *base_watchers, base_trigger]:
        assert w.transport is not None
        w.transport.close()
    return {"ns": ns_times, "baseline": base_times, "login_seconds": login_seconds}


def server_cpu(watchers: int) -> dict[str, float]:
    """In-process, no sockets: the NS's own work per fan-out (find the watchers, format the
    line per dialect, hand it to each session), for spotting regressions in that path."""
    from msnp.ns import lines
    from msnp.services.models import Account, Contact, ListBits, ListSnapshot
    from msnp.services.presence import OnlineUser, PresenceService
    from msnp.wire.dialects import MSNP8, MSNP9

    class NullSink:
        def send(self, data: bytes) -> None:
            pass

        def kick(self, reason: str) -> None:
            pass

    presence = PresenceService()
    reverse = tuple(Contact(watcher_email(i), "w", ListBits.RL) for i in range(watchers))
    owner = OnlineUser(OWNER, OWNER_NAME, MSNP9, NullSink())
    presence.sign_in(owner, ListSnapshot(Account(1, OWNER, OWNER_NAME, 1 << 32), (), reverse))
    owner.status, owner.capabilities = "BSY", int(CAPS)
    for i in range(watchers):
        dialect = MSNP8 if i % 4 == 0 else MSNP9  # a mix, as in real life
        user = OnlineUser(watcher_email(i), "w", dialect, NullSink())
        forward = (Contact(OWNER, OWNER_NAME, ListBits.FL),)
        presence.sign_in(user, ListSnapshot(Account(i + 2, user.email, "w", 1 << 32), (),
                                            forward))
        user.status = "NLN"
    find = timed(lambda: presence.watchers(owner))
    found = presence.watchers(owner)
    assert len(found) == watchers
    send = timed(lambda: lines.send_presence(owner, found))
    return {"watchers_ms": find.median * 1000, "send_presence_ms": send.median * 1000}


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "best_ms": ordered[0] * 1000,
        "p90_ms": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run for a smoke test")
    parser.add_argument("--watchers", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    watchers = args.watchers or (100 if args.quick else 1000)
    rounds = args.rounds or (5 if args.quick else 30)
    _raise_fd_limit()
    loop_name = _install_uvloop()

    with tempfile.TemporaryDirectory() as data_dir:
        ready_recv, ready_send = multiprocessing.Pipe(duplex=False)
        stop_recv, stop_send = multiprocessing.Pipe(duplex=False)
        server = multiprocessing.Process(
            target=_serve, args=(data_dir, watchers, ready_send, stop_recv), daemon=True
        )
        server.start()
        print(f"creating 1 + {watchers} accounts...", flush=True)
        ports, tickets = ready_recv.recv()
        try:
            result = asyncio.run(measure(ports, tickets, watchers, rounds))
        finally:
            stop_send.send(True)
            server.join(30)
            with contextlib.suppress(Exception):
                server.kill()

    cpu = server_cpu(watchers)
    ns, base = _summary(result["ns"]), _summary(result["baseline"])
    ratio = ns["median_ms"] / base["median_ms"]
    rows = [
        [f"CHG -> NLN at {watchers} watchers (NS)", ns["median_ms"], ns["best_ms"], ns["p90_ms"],
         f"{ratio:.2f}x"],
        [f"same line written to {watchers} sockets", base["median_ms"], base["best_ms"],
         base["p90_ms"], "1.00x"],
    ]
    print(format_table(["fan-out", "median ms", "best ms", "p90 ms", "vs baseline"], rows))
    print(f"server CPU per fan-out (in-process, no sockets): watchers() "
          f"{cpu['watchers_ms']:.2f} ms + send_presence() {cpu['send_presence_ms']:.2f} ms")
    verdict = "met" if ratio <= 3 else "NOT met"
    print(f"target: within 3x of the baseline -> {verdict} ({ratio:.2f}x); "
          f"{watchers} watchers signed in in {result['login_seconds']:.1f} s; {rounds} rounds; "
          f"client loop {loop_name}")
    path = write_json("presence", {
        "watchers": watchers,
        "rounds": rounds,
        "ns": {**ns, "seconds": result["ns"]},
        "baseline": {**base, "seconds": result["baseline"]},
        "ratio_median": ratio,
        "target_ratio": 3.0,
        "target_met": ratio <= 3,
        "watcher_login_seconds": result["login_seconds"],
        "server_cpu": cpu,
    })
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
