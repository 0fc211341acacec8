"""Switchboard worker processes: more switchboards on one machine, one per core.

A switchboard session lives wholly in one process, and XFR SB and RNG name the switchboard
the client connects to, so sessions are spread over processes simply by handing out their
addresses in turn (as Microsoft's many switchboard servers were). Worker k (1, 2, ...) is a
`SwitchboardServer` in a process of its own, listening on the main switchboard port + k (or
an ephemeral port when that is 0).

What a worker needs that only the main process has, it asks for over a socket pair, one JSON
object a line: the ticket store (so a cookie issued on XFR SB or CAL is redeemed wherever the
client connects), RNG through the invitee's notification session, and who an invitee is.
A worker whose link to the main process ends shuts down; a worker that dies is taken out of
the rotation and started again after a pause (longer each time it dies young).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import multiprocessing
import signal
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.process import BaseProcess
from typing import Any

from msnp.config import Config, HostPort
from msnp.sb.directory import UserDirectory, UserInfo
from msnp.sb.server import SwitchboardCounts, SwitchboardServer
from msnp.services.invitations import Ring, Ringer
from msnp.services.tickets import TicketStore

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0  # seconds for a worker to bind its port and say so
STATS_INTERVAL = 2.0  # seconds between a worker's counts (for /metrics)
RESTART_DELAY = 1.0  # seconds before a worker that ended is started again ...
RESTART_DELAY_MAX = 60.0  # ... doubling, up to this, while it keeps ending within a minute
STABLE_AFTER = 60.0
STOP_TIMEOUT = 10.0  # seconds for a worker to close its sessions and exit
MAX_LINE = 1 << 20  # bytes in one link message (a ticket, a ring: far less)
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # a wildcard, from here


class WorkerError(Exception):
    """A worker could not start (its port in use, say), or the link failed."""


# ---- the link: one JSON object a line ------------------------------------------------------


def _encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


async def _read(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message, or None at the end of the link."""
    try:
        line = await reader.readline()
    except (ConnectionError, ValueError):  # ValueError: a line over the limit
        return None
    if not line:
        return None
    message = json.loads(line)
    if not isinstance(message, dict):
        raise WorkerError(f"not a link message: {line[:80]!r}")
    return message


def _ring_to_json(ring: Ring) -> dict[str, str]:
    return {"session_id": ring.session_id, "address": str(ring.address), "cookie": ring.cookie,
            "inviter": ring.inviter, "inviter_name": ring.inviter_name}


def _ring_from_json(data: Mapping[str, Any]) -> Ring:
    return Ring(str(data["session_id"]), HostPort.parse(str(data["address"])),
                str(data["cookie"]), str(data["inviter"]), str(data["inviter_name"]))


# ---- the worker's side ---------------------------------------------------------------------


class MainLink:
    """The worker's end: requests to the main process, each answered by id."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._closed = False

    def tell(self, message: Mapping[str, Any]) -> None:
        self._writer.write(_encode(message))

    async def call(self, op: str, *args: Any) -> Any:
        if self._closed:
            raise WorkerError("the link to the main process is closed")
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        self._writer.write(_encode({"id": request_id, "op": op, "args": list(args)}))
        try:
            return await future
        finally:
            self._waiting.pop(request_id, None)

    async def run(self) -> None:
        """Deliver answers until the main process closes the link."""
        try:
            while (message := await _read(self._reader)) is not None:
                future = self._waiting.get(int(message.get("id", 0)))
                if future is None or future.done():
                    continue
                if "error" in message:
                    future.set_exception(WorkerError(str(message["error"])))
                else:
                    future.set_result(message.get("ok"))
        finally:
            self._closed = True
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(WorkerError("the main process closed the link"))


@dataclass(frozen=True)
class LinkedTickets:
    """The main process's `TicketStore`, from a worker."""

    link: MainLink

    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        await self.link.call("put", kind, token, dict(data), ttl)

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        data = await self.link.call("take", kind, token)
        return None if data is None else {str(k): str(v) for k, v in data.items()}


@dataclass(frozen=True)
class LinkedNotification:
    """The main process's `Ringer` and `UserDirectory`, from a worker."""

    link: MainLink

    async def ring(self, invitee: str, ring: Ring) -> bool:
        return bool(await self.link.call("ring", invitee, _ring_to_json(ring)))

    async def describe(self, email: str) -> tuple[str, str] | None:
        info = await self.link.call("describe", email)
        return None if info is None else UserInfo(str(info[0]), str(info[1]))


def worker_main(config: Config, index: int, sock: socket.socket, log_level: int) -> None:
    """A worker process: serve one switchboard until the main process says stop (closes the
    link) or SIGTERM comes."""
    logging.basicConfig(level=log_level,
                        format=f"%(asctime)s %(levelname)s sb{index} %(name)s: %(message)s")
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(_serve_worker(config, index, sock))


async def _serve_worker(config: Config, index: int, sock: socket.socket) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=MAX_LINE)
    link = MainLink(reader, writer)
    switchboard = config.switchboard.for_worker(index)
    notification = LinkedNotification(link)
    server = SwitchboardServer(replace(config, switchboard=switchboard), LinkedTickets(link),
                               notification, notification, node=index)
    try:
        await server.start()
    except OSError as exc:
        link.tell({"failed": f"cannot listen on {switchboard.listen}: {exc.strerror or exc}"})
        await writer.drain()
        writer.close()
        return
    link.tell({"ready": str(server.address), "port": server.bound_port})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    linked = asyncio.create_task(link.run())
    stopped = asyncio.create_task(stop.wait())
    counting = asyncio.create_task(_tell_counts(link, server))
    await asyncio.wait((linked, stopped), return_when=asyncio.FIRST_COMPLETED)
    counting.cancel()
    await server.close()
    stopped.cancel()
    linked.cancel()
    writer.close()


async def _tell_counts(link: MainLink, server: SwitchboardServer) -> None:
    last: SwitchboardCounts | None = None
    while True:
        counts = server.counts()
        if counts != last:
            link.tell({"counts": list(counts)})
            last = counts
        await asyncio.sleep(STATS_INTERVAL)


# ---- the main process's side ---------------------------------------------------------------


@dataclass
class _Worker:
    index: int
    process: BaseProcess
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    address: HostPort | None = None  # advertised
    port: int = 0  # bound
    counts: SwitchboardCounts = field(default_factory=lambda: SwitchboardCounts(0, 0))
    started: float = 0.0  # loop time it said it was ready
    delay: float = RESTART_DELAY / 2  # the wait before it was (re)started
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class SwitchboardWorkers:
    """Starts `switchboard.workers - 1` worker processes and answers what they ask."""

    def __init__(self, config: Config, tickets: TicketStore, ringer: Ringer,
                 directory: UserDirectory) -> None:
        self._config = config
        self._ops: dict[str, Callable[..., Awaitable[Any]]] = {
            "put": tickets.put,
            "take": tickets.take,
            "ring": lambda invitee, ring: ringer.ring(str(invitee), _ring_from_json(ring)),
            "describe": lambda email: directory.describe(str(email)),
        }
        self._workers: list[_Worker] = []
        self._requests: set[asyncio.Task[None]] = set()
        self._restarts: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def addresses(self) -> list[HostPort]:
        """The advertised addresses of the workers that are running."""
        return [w.address for w in self._workers if w.address is not None and w.running]

    def route(self, session_id: str) -> tuple[str, int] | None:
        """Where this process reaches the worker that holds switchboard session
        `session_id` (id % workers names it), or None: here, or no such worker running."""
        if not session_id.isdigit():
            return None
        index = int(session_id) % self._config.switchboard.workers
        for worker in self._workers:
            if worker.index == index and worker.running:
                host = self._config.switchboard.for_worker(index).listen.host
                return _LOOPBACK.get(host, host), worker.port
        return None

    def counts(self) -> SwitchboardCounts:
        """Sessions and connections on the running workers, as they last told (every
        STATS_INTERVAL seconds at most when they change)."""
        running = [w.counts for w in self._workers if w.running]
        return SwitchboardCounts(sum(c.sessions for c in running),
                                 sum(c.connections for c in running))

    def processes(self) -> list[BaseProcess]:
        return [w.process for w in self._workers]

    async def start(self) -> None:
        """Start every worker and wait until each listens. Raises WorkerError (after stopping
        the ones that did start) when one cannot."""
        try:
            for index in range(1, self._config.switchboard.workers):
                self._workers.append(await self._spawn(index))
            for worker in self._workers:
                await self._await_ready(worker)
        except BaseException:
            await self.close()
            raise

    async def _spawn(self, index: int) -> _Worker:
        ours, theirs = socket.socketpair()
        process = multiprocessing.get_context("spawn").Process(
            target=worker_main, name=f"msnp-sb{index}", daemon=True,
            args=(self._config, index, theirs, logging.getLogger().getEffectiveLevel()),
        )
        try:
            await asyncio.to_thread(process.start)  # spawning takes a while: not on the loop
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=MAX_LINE)
        return _Worker(index, process, reader, writer)

    async def _await_ready(self, worker: _Worker) -> None:
        try:
            message = await asyncio.wait_for(_read(worker.reader), START_TIMEOUT)
        except TimeoutError:
            raise WorkerError(f"switchboard worker {worker.index} did not start") from None
        if message is None or "ready" not in message:
            reason = (message or {}).get("failed", "it exited")
            raise WorkerError(f"switchboard worker {worker.index}: {reason}")
        worker.address = HostPort.parse(str(message["ready"]))
        worker.port = int(message["port"])
        worker.started = asyncio.get_running_loop().time()
        worker.task = asyncio.create_task(self._answer(worker))
        log.info("switchboard worker %d (pid %s) listening, advertised as %s",
                 worker.index, worker.process.pid, worker.address)

    async def _answer(self, worker: _Worker) -> None:
        try:
            while (request := await _read(worker.reader)) is not None:
                if "counts" in request:
                    worker.counts = SwitchboardCounts(*map(int, request["counts"]))
                    continue
                task = asyncio.create_task(self._handle(worker, request))
                self._requests.add(task)
                task.add_done_callback(self._requests.discard)
        except (WorkerError, ValueError) as exc:
            log.error("switchboard worker %d: bad link message: %s", worker.index, exc)
        finally:
            worker.writer.close()
        if self._closing:
            return  # the link was closed from here: close() waits for the exit
        await asyncio.to_thread(worker.process.join, 1.0)
        quick = asyncio.get_running_loop().time() - worker.started < STABLE_AFTER
        delay = min(worker.delay * 2, RESTART_DELAY_MAX) if quick else RESTART_DELAY
        log.error("switchboard worker %d ended (exit code %s; its conversations are lost); "
                  "out of rotation, starting it again in %.0f s",
                  worker.index, worker.process.exitcode, delay)
        task = asyncio.create_task(self._restart(worker, delay))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _restart(self, old: _Worker, delay: float) -> None:
        while not self._closing:
            await asyncio.sleep(delay)
            try:
                new = await self._spawn(old.index)
                new.delay = delay
                self._workers[self._workers.index(old)] = new
                await self._await_ready(new)
                return
            except (WorkerError, OSError) as exc:
                old = new
                delay = min(delay * 2, RESTART_DELAY_MAX)
                log.error("%s; trying again in %.0f s", exc, delay)

    async def _handle(self, worker: _Worker, request: dict[str, Any]) -> None:
        request_id = request.get("id")
        op = self._ops.get(str(request.get("op")))
        args = request.get("args")
        try:
            if op is None or not isinstance(args, list):
                raise WorkerError(f"unknown request {request.get('op')!r}")
            answer: dict[str, Any] = {"id": request_id, "ok": await op(*args)}
        except Exception as exc:
            log.exception("switchboard worker %d: %s failed", worker.index, request.get("op"))
            answer = {"id": request_id, "error": f"{type(exc).__name__}: {exc}"}
        if not worker.writer.is_closing():
            worker.writer.write(_encode(answer))

    async def close(self) -> None:
        """Stop every worker: each closes its sessions (as a single switchboard does) and
        exits once its link ends."""
        self._closing = True
        for task in list(self._restarts):
            task.cancel()
        if self._restarts:
            await asyncio.gather(*self._restarts, return_exceptions=True)
        for worker in self._workers:
            worker.writer.close()
        for worker in self._workers:
            if worker.task is not None:
                await asyncio.gather(worker.task, return_exceptions=True)
            await asyncio.to_thread(worker.process.join, STOP_TIMEOUT)
            if worker.process.is_alive():
                log.warning("switchboard worker %d did not stop; killing it", worker.index)
                worker.process.kill()
                await asyncio.to_thread(worker.process.join, STOP_TIMEOUT)
        self._workers.clear()
        if self._requests:
            await asyncio.gather(*self._requests, return_exceptions=True)


class SwitchboardPool:
    """The switchboards XFR SB hands out, in turn: this process's and the workers'. Creator
    cookies go into the shared ticket store, so any of them redeems one."""

    def __init__(self, local: SwitchboardServer, workers: SwitchboardWorkers | None) -> None:
        self._local = local
        self._workers = workers
        self._turn = 0

    async def issue_creator(self, email: str, display_name: str, dialect_name: str) -> str:
        return await self._local.issue_creator(email, display_name, dialect_name)

    def counts(self) -> SwitchboardCounts:
        """Sessions and connections on every switchboard process."""
        local = self._local.counts()
        if self._workers is None:
            return local
        others = self._workers.counts()
        return SwitchboardCounts(local.sessions + others.sessions,
                                 local.connections + others.connections)

    @property
    def process_count(self) -> int:
        """This process and the workers running now."""
        return 1 + (len(self._workers.addresses) if self._workers is not None else 0)

    def next_address(self) -> HostPort:
        choices = [self._local.address]
        if self._workers is not None:
            choices += self._workers.addresses
        self._turn = (self._turn + 1) % len(choices)
        return choices[self._turn]
