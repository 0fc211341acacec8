"""Write coalescing: everything sent to one connection during one event-loop iteration goes
out as a single write.

A relayed message is one `send` to each recipient; written straight through, that is one
system call per message per recipient. Buffered here and flushed once per iteration (one
`call_soon` for all connections together, never one per message), a busy session costs one
write per connection per iteration while an idle one adds no delay (the flush runs as soon
as the current batch of input is handled). Order is kept: a connection's output is one
queue, and a line plus its payload is always one item of it.
"""

from __future__ import annotations

import asyncio

from msnp.net.connection import Sink


class Flusher:
    """Flushes every outbox that has output, once per loop iteration."""

    __slots__ = ("_dirty", "_loop", "_scheduled")

    def __init__(self) -> None:
        self._dirty: list[Outbox] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduled = False

    def mark(self, outbox: Outbox) -> None:
        # The connection flushes right after each chunk of input it handles; the scheduled
        # flush covers output produced elsewhere (tasks, timers). One pending at most.
        if not self._scheduled:
            loop = self._loop
            if loop is None:
                loop = self._loop = asyncio.get_running_loop()
            loop.call_soon(self._scheduled_flush)
            self._scheduled = True
        self._dirty.append(outbox)

    def _scheduled_flush(self) -> None:
        self._scheduled = False
        self.flush()

    def flush(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, []
        for outbox in dirty:
            outbox.flush()


class Outbox:
    """A `Sink` that buffers until the `Flusher` runs (or until it is closed)."""

    __slots__ = ("_flusher", "_parts", "_sink")

    def __init__(self, sink: Sink, flusher: Flusher) -> None:
        self._sink = sink
        self._flusher = flusher
        self._parts: list[bytes] = []

    @property
    def peer(self) -> tuple[str, int]:
        return self._sink.peer

    @property
    def closed(self) -> bool:
        return self._sink.closed

    def send(self, data: bytes) -> None:
        if self._sink.closed:
            return
        if not self._parts:
            self._flusher.mark(self)
        self._parts.append(data)

    def flush(self) -> None:
        parts = self._parts
        if not parts:
            return
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        parts.clear()
        self._sink.send(data)  # drops a reader too slow to take it (write limit)

    def close(self) -> None:
        self.flush()
        self._sink.close()
