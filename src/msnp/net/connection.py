"""What a connection is made of: the `Sink` controllers write to (with a bound on what a slow
reader may queue), the `Controller` interface, the idle watchdog and the per-address limit.
Controllers see only the `Sink`, so the same controller runs over TCP (fastpath.py) or the
HTTP gateway."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from msnp.wire.codec import Command

log = logging.getLogger(__name__)

READ_CHUNK = 65536
WATCHDOG_MAX = 2.0  # seconds between idle checks at most


class Sink(Protocol):
    """Where a controller writes. `send` never blocks."""

    @property
    def peer(self) -> tuple[str, int]: ...

    @property
    def closed(self) -> bool: ...

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class Controller(Protocol):
    async def handle(self, command: Command) -> None:
        """Process one command. Raising ProtocolError closes the connection."""

    async def on_disconnect(self) -> None:
        """The connection is gone (closed by either side, idle, or a protocol error)."""

    def idle_timeout(self) -> float | None:
        """Seconds of silence after which the connection is closed (None: never)."""


class TransportSink:
    """`Sink` over a transport; drops a reader that lets `write_limit` bytes pile up."""

    __slots__ = ("_closed", "_peer", "_transport", "last_activity", "write_limit")

    def __init__(self, transport: asyncio.Transport, write_limit: int) -> None:
        self._transport = transport
        peer = transport.get_extra_info("peername") or ("0.0.0.0", 0)
        self._peer: tuple[str, int] = (str(peer[0]), int(peer[1]))
        self._closed = False
        self.write_limit = write_limit
        self.last_activity = time.monotonic()

    @property
    def peer(self) -> tuple[str, int]:
        return self._peer

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, data: bytes) -> None:
        if self._closed:
            return
        transport = self._transport
        transport.write(data)
        # A reader that cannot keep up is dropped rather than buffered without bound.
        if transport.get_write_buffer_size() > self.write_limit:
            log.warning("closing %s:%d: %d bytes unread", *self._peer,
                        transport.get_write_buffer_size())
            self._closed = True
            transport.abort()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.close()

    def lost(self) -> None:
        """The transport is gone: nothing more can be sent."""
        self._closed = True


class IdleWatchdog:
    """Closes a connection once its controller's idle timeout has passed since the sink's
    last activity. Re-checks at least every WATCHDOG_MAX s: the timeout shrinks after login."""

    __slots__ = ("_controller", "_handle", "_on_idle", "_sink")

    def __init__(
        self, sink: TransportSink, controller: Controller, on_idle: Callable[[], None]
    ) -> None:
        self._sink = sink
        self._controller = controller
        self._on_idle = on_idle
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._check()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _check(self) -> None:
        sink = self._sink
        if sink.closed:
            return
        delay = WATCHDOG_MAX
        timeout = self._controller.idle_timeout()
        if timeout is not None:
            silent = time.monotonic() - sink.last_activity
            if silent >= timeout:
                log.info("closing %s:%d after %.0f s of silence", *sink.peer, silent)
                self._on_idle()
                return
            delay = min(max(0.05, timeout - silent), WATCHDOG_MAX)
        self._handle = asyncio.get_running_loop().call_later(delay, self._check)


class AddressLimiter:
    """Counts open connections per remote address; one address may not take them all."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        count = self._open.get(address, 0)
        if count >= self.per_address:
            return False
        self._open[address] = count + 1
        return True

    def release(self, address: str) -> None:
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)
