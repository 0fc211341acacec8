"""The notification-server connection: a state machine that routes each command to the
handler module that owns it (one module per command family, see `routes.py`)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from msnp.net.connection import Sink
from msnp.ns.context import Disconnect, NSContext, State
from msnp.ns.status import announce_offline
from msnp.services.models import Account, ListSnapshot, ServiceError
from msnp.services.presence import OnlineUser
from msnp.wire.codec import Command, Parser, cmd, error
from msnp.wire.dialects import Dialect
from msnp.wire.errors import ErrorCode

log = logging.getLogger(__name__)


# A handler answers at once and returns None, or returns the awaitable that finishes the
# command (a database read or write); handlers that never wait are plain functions, so a
# login's VER, CVR, USR I and CHG cost no coroutine or task.
Handler = Callable[["NotificationSession", Command], Awaitable[None] | None]


@dataclass(frozen=True)
class Route:
    handler: Handler
    state: State  # the least state the command is allowed in
    needs_trid: bool = True


class NotificationSession:
    """One client connection to the NS (or DS: same login front, different routes)."""

    def __init__(self, ctx: NSContext, sink: Sink, routes: Mapping[str, Route]) -> None:
        self.ctx = ctx
        self.sink = sink
        self.routes = routes
        self.state = State.CONNECTED
        self.dialect: Dialect | None = None
        self.login_email: str | None = None
        self.account: Account | None = None
        self.user: OnlineUser | None = None
        self.login_snapshot: ListSnapshot | None = None  # kept for the first SYN only
        self.mspauth = ""
        self.challenge: str | None = None
        self.rename_times: deque[float] = deque(maxlen=8)
        self._timers: list[asyncio.TimerHandle] = []

    # ---- PresenceSink -------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sink.send(data)

    def kick(self, reason: str) -> None:
        self.sink.send(cmd("OUT", None, reason))
        self.close()

    # ---- helpers for handlers -----------------------------------------------------------
    def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self.sink.close()

    def later(self, delay: float, callback: Callable[[], None]) -> None:
        self._timers.append(asyncio.get_running_loop().call_later(delay, callback))

    def reply_error(self, code: int, trid: int | None) -> None:
        self.sink.send(error(code, trid))

    @property
    def email(self) -> str:
        assert self.user is not None  # handlers behind State.AUTHENTICATED only
        return self.user.email

    # ---- Controller ---------------------------------------------------------------------
    def idle_timeout(self) -> float | None:
        if self.state < State.AUTHENTICATED:
            return self.ctx.config.notification.login_timeout
        return self.ctx.config.notification.idle_timeout

    def handle_now(self, command: Command) -> Awaitable[None] | None:
        route = self.routes.get(command.name)
        # Unknown and out-of-place commands: the real service just closed the socket.
        if route is None or self.state < route.state or (route.needs_trid and command.trid is None):
            log.info("closing %s:%d on %s (state %s)", *self.sink.peer, command.name,
                     self.state.name)
            self.close()
            return None
        try:
            pending = route.handler(self, command)
        except Exception as exc:
            self._failed(command, exc)
            return None
        return None if pending is None else self._finish(command, pending)

    def take_messages(self, parser: Parser, data: bytes) -> None:
        """Nothing is relayed raw on the NS: every command is parsed whole."""
        parser.append(data)

    async def handle(self, command: Command) -> None:
        pending = self.handle_now(command)
        if pending is not None:
            await pending

    async def _finish(self, command: Command, pending: Awaitable[None]) -> None:
        try:
            await pending
        except Exception as exc:
            self._failed(command, exc)

    def _failed(self, command: Command, exc: Exception) -> None:
        if isinstance(exc, ServiceError):
            self.reply_error(exc.code, command.trid)
        elif isinstance(exc, Disconnect):
            self.close()
        else:
            log.error("internal error handling %s", command, exc_info=exc)
            self.reply_error(ErrorCode.INTERNAL_SERVER_ERROR, command.trid)

    async def on_disconnect(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self.user is not None:
            announce_offline(self)
