"""The HTTP polling gateway: `POST /gateway/gateway.dll` carries the unchanged byte stream of
one NS or SB connection inside HTTP bodies (reference: switchboard-and-services.md §4).

Each tunnel is a `GatewaySession`: a buffering `Sink` (output waits for the client's next
request), a parser and a controller made by the factory for its `Server=` type. Controllers
cannot tell a tunnel from a socket: a tunnel that ends (the controller closed it, too much
unread output, a protocol error, or no request for `gateway.idle_timeout` seconds) gets
`on_disconnect` exactly like a closed TCP connection.

Requests (query keys matched case-insensitively; no particular request Content-Type needed):

* `Action=open&Server=NS|SB&IP=<host>` - a new tunnel; the body holds its first commands.
* `SessionID=<id>` - the body holds more commands.
* `Action=poll&SessionID=<id>` - nothing to send; collect queued output.

Every answer to a known tunnel is `200 OK` with `X-MSN-Messenger: SessionID=<id>; GW-IP=<IP as
requested>` (plus `; Session=close` once the tunnel has ended), `Content-Type:
application/x-msn-messenger` and everything queued as the body. The commands of a request are
handled in order before the answer is made, so their replies ride on that same answer. An
unknown or expired SessionID, a second request while one is running, or a malformed request
is a 400 (what Escargot answers); a full gateway is a 503.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping

from msnp.config import GatewayConfig
from msnp.net.connection import AddressLimiter, Controller, Sink
from msnp.web.messages import Request, Response
from msnp.web.router import Router
from msnp.wire.codec import Parser
from msnp.wire.errors import ProtocolError

log = logging.getLogger(__name__)

GATEWAY_PATH = "/gateway/gateway.dll"
CONTENT_TYPE = "application/x-msn-messenger"
SWEEP_MAX = 1.0  # seconds between expiry checks at most

ControllerFactory = Callable[[Sink], Controller]

#: What may be echoed back as GW-IP: a host name, an IPv4 address or a bracketed IPv6 one.
_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


class GatewaySink:
    """Queues output until the tunnel's next request. A client that lets more than `limit`
    bytes pile up is dropped, as a TCP reader that does not read is. The peer port is 0:
    over the gateway the profile's ClientPort is 0."""

    __slots__ = ("_closed", "_limit", "_on_close", "_parts", "_peer", "_size")

    def __init__(self, address: str, limit: int, on_close: Callable[[], None]) -> None:
        self._peer = (address, 0)
        self._limit = limit
        self._on_close = on_close
        self._parts: list[bytes] = []
        self._size = 0
        self._closed = False

    @property
    def peer(self) -> tuple[str, int]:
        return self._peer

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, data: bytes) -> None:
        if self._closed:
            return
        self._parts.append(data)
        self._size += len(data)
        if self._size > self._limit:
            log.warning("dropping gateway client %s: %d bytes not collected", self._peer[0],
                        self._size)
            self._parts.clear()
            self._size = 0
            self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()

    def take(self) -> bytes:
        """Everything queued so far (and forget it)."""
        data = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        return data


def _session_id() -> str:
    # `<digits>.<digits>` (Pidgin splits at the first dot). The id is all that names a
    # tunnel, so it must not be guessable: about 66 random bits.
    return f"{secrets.randbelow(10**10):010d}.{secrets.randbelow(10**10):010d}"


class GatewaySession:
    """One tunnel: one NS or SB connection carried over HTTP."""

    def __init__(
        self,
        session_id: str,
        server: str,
        gw_ip: str,
        address: str,
        make_controller: ControllerFactory,
        max_queued: int,
    ) -> None:
        self.id = session_id
        self.server = server
        self.gw_ip = gw_ip
        self.address = address
        now = time.monotonic()
        self.last_request = now  # any request, polls included: the tunnel is alive
        self.last_input = now  # a request that carried bytes: the controller's idle clock
        self.busy = False
        self._lock = asyncio.Lock()  # commands and on_disconnect never interleave
        self._ending: asyncio.Task[None] | None = None
        self.ended = False
        self.sink = GatewaySink(address, max_queued, self._schedule_end)
        self.parser = Parser.for_server()
        self.controller = make_controller(self.sink)

    def _schedule_end(self) -> None:
        if self._ending is None:
            self._ending = asyncio.get_running_loop().create_task(self._end())

    async def _end(self) -> None:
        async with self._lock:  # let a command that is running finish first
            try:
                await self.controller.on_disconnect()
            except Exception:
                log.exception("error while closing gateway session %s", self.id)
            finally:
                self.ended = True

    async def finish(self) -> None:
        """End the tunnel (if it has not ended) and wait until `on_disconnect` has run."""
        self.sink.close()
        if self._ending is not None:
            await asyncio.shield(self._ending)

    async def exchange(self, body: bytes) -> tuple[bytes, bool]:
        """Handle the commands in `body`, in order; returns the queued output and whether
        the tunnel has ended."""
        self.last_request = time.monotonic()
        if body and not self.sink.closed:
            self.last_input = self.last_request
            async with self._lock:
                try:
                    for command in self.parser.iter_feed(body):
                        if self.sink.closed:
                            break
                        await self.controller.handle(command)
                except ProtocolError as exc:
                    log.info("protocol error from gateway client %s: %s", self.address, exc)
                    self.sink.close()
                except Exception:
                    log.exception("error handling gateway input from %s", self.address)
                    self.sink.close()
            # Coalesced output (the switchboard's Outbox) is flushed by a callback the loop
            # runs before this task resumes.
            await asyncio.sleep(0)
        if self.sink.closed:
            await self.finish()
        return self.sink.take(), self.ended

    def controller_expired(self, now: float) -> bool:
        """Silent for longer than the controller allows (its idle clock counts commands)."""
        timeout = None if self.sink.closed else self.controller.idle_timeout()
        return timeout is not None and now - self.last_input >= timeout


class Gateway:
    """Every tunnel of this node. `factories` maps a `Server=` value (upper case) to what
    makes a controller for it."""

    def __init__(self, config: GatewayConfig, factories: Mapping[str, ControllerFactory]) -> None:
        self.config = config
        self._factories = {name.upper(): make for name, make in factories.items()}
        self._sessions: dict[str, GatewaySession] = {}
        self._limiter = AddressLimiter(config.max_sessions_per_ip)
        self._sweeper: asyncio.Task[None] | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> GatewaySession | None:
        return self._sessions.get(session_id)

    # ---- HTTP ---------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        query = {key.lower(): value for key, value in request.query.items()}
        action = query.get("action", "").lower()
        address = request.client[0] if request.client else "0.0.0.0"
        if action == "open":
            opened = self._open(query, request.host, address)
            if isinstance(opened, Response):
                return opened
            session = opened
        else:
            session_id = query.get("sessionid")
            if not session_id:
                return _refuse(400, "SessionID or Action=open required")
            found = self._sessions.get(session_id)
            if found is None:
                return _refuse(400, "unknown or expired SessionID")
            session = found
        if session.busy:
            return _refuse(400, "one request at a time per session")
        session.busy = True
        try:
            data, ended = await session.exchange(request.body)
        finally:
            session.busy = False
        if ended:
            self._forget(session)
        return _answer(session, data, ended)

    def _open(
        self, query: Mapping[str, str], host: str | None, address: str
    ) -> GatewaySession | Response:
        server = query.get("server", "").upper()
        make = self._factories.get(server)
        if make is None:
            return _refuse(400, "Server must be one of " + ", ".join(sorted(self._factories)))
        gw_ip = _gw_ip(query.get("ip"), host)
        if self._closed or len(self._sessions) >= self.config.max_sessions:
            return _refuse(503, "gateway full")
        if not self._limiter.acquire(address):
            log.warning("refusing a gateway session for %s: %d open", address,
                        self._limiter.per_address)
            return _refuse(503, "too many sessions from this address")
        session_id = _session_id()
        while session_id in self._sessions:
            session_id = _session_id()
        session = GatewaySession(
            session_id, server, gw_ip, address, make, self.config.max_queued
        )
        self._sessions[session_id] = session
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())
        return session

    def _forget(self, session: GatewaySession) -> None:
        if self._sessions.pop(session.id, None) is not None:
            self._limiter.release(session.address)

    # ---- expiry -------------------------------------------------------------------------
    async def _sweep(self) -> None:
        interval = min(SWEEP_MAX, max(0.05, self.config.idle_timeout / 4))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for session in list(self._sessions.values()):
                if session.busy:
                    continue
                if now - session.last_request >= self.config.idle_timeout:
                    # The client is gone: end the tunnel as a closed socket, forget the id.
                    if not session.sink.closed:
                        log.info("gateway session %s of %s expired", session.id,
                                 session.address)
                        session.sink.close()  # on_disconnect runs in its own task
                    self._forget(session)
                elif session.controller_expired(now):
                    # Still polling but silent too long for its controller (e.g. login
                    # timeout): closed; the client hears `Session=close` on its next poll.
                    session.sink.close()

    async def close(self) -> None:
        """End every tunnel (each gets `on_disconnect`) and stop expiring."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        sessions = list(self._sessions.values())
        await asyncio.gather(*(s.finish() for s in sessions), return_exceptions=True)
        for session in sessions:
            self._forget(session)


def _gw_ip(requested: str | None, host: str | None) -> str:
    """The `IP` the client asked for, echoed back (all our names lead here); else the
    request's host without its port. Anything that could break the header is dropped."""
    if host and not host.startswith("[") and host.count(":") == 1:
        host = host.partition(":")[0]
    elif host and host.startswith("["):
        host = host.partition("]")[0] + "]"
    for candidate in (requested, host):
        if candidate and _HOST.fullmatch(candidate):
            return candidate
    return "127.0.0.1"


def _answer(session: GatewaySession, body: bytes, ended: bool) -> Response:
    info = f"SessionID={session.id}; GW-IP={session.gw_ip}"
    if ended:
        info += "; Session=close"
    return Response(200, [("X-MSN-Messenger", info), ("Content-Type", CONTENT_TYPE)], body)


def _refuse(status: int, reason: str) -> Response:
    return Response.text(status, reason + "\n")


def install_gateway(router: Router, gateway: Gateway) -> None:
    """Mount `POST /gateway/gateway.dll`."""
    router.add("POST", GATEWAY_PATH, gateway.handle)
