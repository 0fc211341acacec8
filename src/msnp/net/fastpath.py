"""A TCP connection as an asyncio Protocol: bytes in -> codec -> controller.

A reader task per connection that awaits a coroutine per command costs more than most
commands do: on the switchboard MSG is relayed without touching anything that awaits, and a
notification-server login is six short round trips. So `data_received` parses and hands
commands to `handle_now`; only a command that must await (a database read or write, a
ticket store on another machine) starts a task, and reading pauses until it is done, so
commands are still handled strictly in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, Protocol, cast

from msnp.net.connection import AddressLimiter, Controller, IdleWatchdog, TransportSink
from msnp.wire.codec import Command, Parser
from msnp.wire.errors import ProtocolError

log = logging.getLogger(__name__)

class FastController(Controller, Protocol):
    def take_messages(self, parser: Parser, data: bytes) -> None:
        """Buffer a read in the parser, first handling what it can straight from the bytes
        (the switchboard's relay of plain MSGs); the rest is then parsed into commands."""
        ...

    def handle_now(self, command: Command) -> Awaitable[None] | None:
        """Handle `command` now if it needs no await (None), or return what is left to await
        (the connection reads nothing more until it is done)."""
        ...


class CommandProtocol(asyncio.Protocol):
    """One connection: bytes -> codec -> `handle_now` (or `handle` in a task)."""

    def __init__(
        self,
        make_controller: Callable[[TransportSink], FastController],
        *,
        write_limit: int = 1 << 20,
        after_input: Callable[[], None] | None = None,
        tasks: set[asyncio.Task[None]] | None = None,
        limiter: AddressLimiter | None = None,
        on_close: Callable[[CommandProtocol], None] | None = None,
    ) -> None:
        self._make_controller = make_controller
        self._write_limit = write_limit
        self._on_close = on_close
        self._after_input = after_input  # e.g. flush coalesced output once per chunk read
        self._tasks = tasks if tasks is not None else set()
        self._limiter = limiter
        self._address: str | None = None  # counted against the limiter while open
        self._parser = Parser.for_server()
        self._backlog: list[bytes] = []
        self._busy: asyncio.Task[None] | None = None
        self._watchdog: IdleWatchdog | None = None
        self._transport: asyncio.Transport | None = None
        self.sink: TransportSink | None = None
        self.controller: FastController | None = None

    # ---- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport; they have its methods.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        if self._limiter is not None:
            address = str((transport.get_extra_info("peername") or ("?", 0))[0])
            if not self._limiter.acquire(address):
                log.warning("refusing %s: %d connections open", address,
                            self._limiter.per_address)
                transport.abort()
                return
            self._address = address
        self.sink = TransportSink(transport, self._write_limit)
        self.controller = self._make_controller(self.sink)
        self._watchdog = IdleWatchdog(self.sink, self.controller, self.sink.close)
        self._watchdog.start()

    def data_received(self, data: bytes) -> None:
        sink = self.sink
        if sink is None:  # refused in connection_made
            return
        assert self._transport is not None
        sink.last_activity = time.monotonic()
        if self._busy is not None:  # an awaiting command is running: keep order
            self._backlog.append(data)
            self._transport.pause_reading()
            return
        try:
            parser = self._parser
            assert self.controller is not None
            self.controller.take_messages(parser, data)
            if parser.unparsed and not sink.closed:
                self._run_now(parser.iter_feed(b""))
        except Exception as exc:
            self._fail(exc)
        if self._after_input is not None:
            self._after_input()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._on_close is not None:
            self._on_close(self)
        if self._limiter is not None and self._address is not None:
            self._limiter.release(self._address)
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.sink is not None:
            self.sink.lost()
        busy = self._busy
        if busy is not None:  # let the running command finish first
            busy.add_done_callback(lambda _: self._spawn(self._disconnect()))
        else:
            self._spawn(self._disconnect())

    # ---- internals ----------------------------------------------------------------------
    def _run_now(self, commands: Iterator[Command]) -> None:
        controller, sink = self.controller, self.sink
        assert controller is not None and sink is not None
        for command in commands:
            if sink.closed:
                return
            pending = controller.handle_now(command)
            if pending is not None:
                assert self._transport is not None
                self._transport.pause_reading()
                self._busy = self._spawn(self._run_awaiting(pending, commands))
                return

    async def _run_awaiting(self, first: Awaitable[None], rest: Iterator[Command]) -> None:
        controller, sink = self.controller, self.sink
        assert controller is not None and sink is not None and self._transport is not None
        try:
            await first
            while not sink.closed:
                for command in rest:
                    if sink.closed:
                        break
                    pending = controller.handle_now(command)
                    if pending is not None:
                        await pending
                if not self._backlog:
                    break
                rest = self._parser.iter_feed(self._backlog.pop(0))
        except Exception as exc:
            self._fail(exc)
        finally:
            self._busy = None
            if self._after_input is not None:
                self._after_input()
            if not sink.closed:
                self._transport.resume_reading()

    def _fail(self, exc: Exception) -> None:
        """Close on a protocol violation (or a bug), but first send what earlier commands
        were answered with (output the controller is still holding back for coalescing)."""
        assert self.sink is not None
        if isinstance(exc, ProtocolError):
            log.info("protocol error from %s:%d: %s", *self.sink.peer, exc)
        else:
            log.error("error handling input from %s:%d", *self.sink.peer, exc_info=exc)
        if self._after_input is not None:
            self._after_input()
        self.sink.close()

    async def _disconnect(self) -> None:
        if self.controller is not None and self.sink is not None:
            try:
                await self.controller.on_disconnect()
            except Exception:
                log.exception("error while closing the session of %s:%d", *self.sink.peer)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class CommandServer:
    """A listener whose connections are `CommandProtocol`s; `close` also closes every open
    connection and waits for their sessions to finish (asyncio's Server leaves them open)."""

    def __init__(
        self,
        make_controller: Callable[[TransportSink], FastController],
        *,
        write_limit: int = 1 << 20,
        limiter: AddressLimiter | None = None,
        after_input: Callable[[], None] | None = None,
    ) -> None:
        self._make_controller = make_controller
        self._write_limit = write_limit
        self._limiter = limiter
        self._after_input = after_input
        self._tasks: set[asyncio.Task[None]] = set()
        self._open: set[CommandProtocol] = set()
        self._server: asyncio.Server | None = None

    async def listen(self, host: str, port: int) -> int:
        """Bind (without accepting yet: see `start`); returns the bound port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host, port, start_serving=False)
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        assert self._server is not None
        await self._server.start_serving()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._after_input is not None:  # output still held back goes out first
            self._after_input()
        for protocol in list(self._open):
            if protocol.sink is not None:
                protocol.sink.close()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def _protocol(self) -> CommandProtocol:
        protocol = CommandProtocol(
            self._make_controller,
            write_limit=self._write_limit,
            after_input=self._after_input,
            tasks=self._tasks,
            limiter=self._limiter,
            on_close=self._open.discard,
        )
        self._open.add(protocol)
        return protocol
