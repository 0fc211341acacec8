"""Switchboard tunnels of the HTTP gateway when there are worker processes.

A gateway tunnel names only a host (`IP=`), and every switchboard process shares it, so the
gateway cannot pick a process by address. A tunnel that creates a session (USR) is served in
this process: its cookie is good anywhere and RNG then names this process. A tunnel that
answers a ring (ANS) is served where the session is: the session id says which process holds
it, and a session on a worker is reached over TCP, the tunnel's commands going there and
whatever the worker sends coming back as the tunnel's output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from msnp.net.connection import Controller, Sink
from msnp.wire.codec import Command, encode

log = logging.getLogger(__name__)

# How long a command that is answered (all but MSG U/N) waits for the worker's first reply,
# so that the reply rides on the answer to the same gateway request where it can.
ANSWER_WAIT = 2.0
_SILENT = frozenset({"U", "N"})


class RoutedSwitchboard:
    """A gateway SB tunnel: this process's switchboard, or a worker's after an ANS for a
    session that lives there. Implements `Controller`."""

    def __init__(self, sink: Sink, local: Callable[[Sink], Controller],
                 route: Callable[[str], tuple[str, int] | None]) -> None:
        self._sink = sink
        self._route = route
        self._target: Controller = local(sink)
        self._decided = False

    async def handle(self, command: Command) -> None:
        if not self._decided:
            self._decided = True
            where = self._route(command.args[-1]) if command.name == "ANS" and command.args \
                else None
            if where is not None:
                await self._target.on_disconnect()  # it never got a command: nothing to end
                self._target = WorkerTunnel(self._sink, *where)
        await self._target.handle(command)

    async def on_disconnect(self) -> None:
        await self._target.on_disconnect()

    def idle_timeout(self) -> float | None:
        return self._target.idle_timeout()


class WorkerTunnel:
    """The tunnel's commands to a worker's switchboard over TCP, its bytes back as output.
    The worker applies the protocol (and its timeouts); this only carries bytes."""

    def __init__(self, sink: Sink, host: str, port: int) -> None:
        self._sink = sink
        self._host = host
        self._port = port
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task[None] | None = None
        self._output = asyncio.Event()

    async def handle(self, command: Command) -> None:
        if self._writer is None:
            try:
                reader, self._writer = await asyncio.open_connection(self._host, self._port)
            except OSError as exc:
                log.warning("gateway: switchboard worker %s:%d unreachable: %s",
                            self._host, self._port, exc)
                self._sink.close()
                return
            self._pump = asyncio.create_task(self._carry_back(reader))
        self._output.clear()
        self._writer.write(encode(command))
        await self._writer.drain()
        answered = not (command.name == "MSG" and command.args and command.args[0] in _SILENT)
        if answered:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._output.wait(), ANSWER_WAIT)

    async def _carry_back(self, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(65536):
                self._sink.send(data)
                self._output.set()
        except ConnectionError:
            pass
        finally:
            self._output.set()
            self._sink.close()  # the worker closed the connection: the tunnel ends too

    async def on_disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._pump is not None:
            await asyncio.gather(self._pump, return_exceptions=True)

    def idle_timeout(self) -> float | None:
        return None
