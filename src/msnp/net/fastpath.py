"""A connection as an asyncio Protocol, for controllers whose hot command needs no await.

`run_connection` wakes a reader task for every read and awaits a coroutine for every
command. On the switchboard, where most commands are MSG relayed without touching anything
that awaits, that machinery costs more than the relay itself. Here `data_received` parses
and hands commands to `handle_now`; only a command that must await (USR, ANS, CAL, OUT...)
starts a task, and reading pauses until it is done, so commands are still handled strictly
in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Protocol, cast

from msnp.net.connection import AddressLimiter, Controller, IdleWatchdog, TransportSink
from msnp.wire.codec import Command, Parser
from msnp.wire.errors import ProtocolError

log = logging.getLogger(__name__)

class FastController(Controller, Protocol):
    def handle_now(self, command: Command) -> bool:
        """Handle `command` without awaiting if it can be; False: `handle` it instead."""
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
    ) -> None:
        self._make_controller = make_controller
        self._write_limit = write_limit
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
            commands = self._parser.iter_feed(data)
            self._run_now(commands)
        except ProtocolError as exc:
            log.info("protocol error from %s:%d: %s", *sink.peer, exc)
            sink.close()
        except Exception:
            log.exception("error handling input from %s:%d", *sink.peer)
            sink.close()
        if self._after_input is not None:
            self._after_input()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._limiter is not None and self._address is not None:
            self._limiter.release(self._address)
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.sink is not None:
            self.sink.lost()
        busy = self._busy
        if busy is not None:  # let the running command finish first, as run_connection does
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
            if not controller.handle_now(command):
                assert self._transport is not None
                self._transport.pause_reading()
                self._busy = self._spawn(self._run_awaiting(command, commands))
                return

    async def _run_awaiting(self, first: Command, rest: Iterator[Command]) -> None:
        controller, sink = self.controller, self.sink
        assert controller is not None and sink is not None and self._transport is not None
        try:
            await controller.handle(first)
            while not sink.closed:
                for command in rest:
                    if sink.closed:
                        break
                    if not controller.handle_now(command):
                        await controller.handle(command)
                if not self._backlog:
                    break
                rest = self._parser.iter_feed(self._backlog.pop(0))
        except ProtocolError as exc:
            log.info("protocol error from %s:%d: %s", *sink.peer, exc)
            sink.close()
        except Exception:
            log.exception("error handling input from %s:%d", *sink.peer)
            sink.close()
        finally:
            self._busy = None
            if self._after_input is not None:
                self._after_input()
            if not sink.closed:
                self._transport.resume_reading()

    async def _disconnect(self) -> None:
        if self.controller is not None:
            try:
                await self.controller.on_disconnect()
            except Exception:
                log.exception("error while closing a switchboard connection")

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
