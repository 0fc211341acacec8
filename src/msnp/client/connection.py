"""One client connection to a dispatch, notification or switchboard server.

A reader task parses what the server sends (`Parser.for_client()`) and hands every command,
in order, to the owner's handler. Requests are matched to replies by transaction id: the
first reply with the request's trid and an expected name (or a numeric error) completes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from msnp.client.errors import ConnectionClosed, RequestTimeout, ServerError
from msnp.wire.codec import Command, Parser, encode
from msnp.wire.errors import ProtocolError

log = logging.getLogger(__name__)

READ_CHUNK = 65536
#: handler(command, is_reply): called for every command before any waiting request resumes.
Handler = Callable[[Command, bool], None]


class TridCounter:
    """Transaction ids, shared by the DS and NS connections so counting continues (as the
    official client does across the referral)."""

    def __init__(self, start: int = 1) -> None:
        self._next = start

    def next(self) -> int:
        trid = self._next
        self._next = trid + 1 if trid < 0xFFFFFFFF else 1
        return trid

    @property
    def peek(self) -> int:
        return self._next


@dataclass
class _Pending:
    request: str
    expect: frozenset[str]
    future: asyncio.Future[Command]


class Connection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        handler: Handler,
        trids: TridCounter | None = None,
        timeout: float = 10.0,
        label: str = "server",
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._handler = handler
        self.trids = trids or TridCounter()
        self.timeout = timeout
        self.label = label
        self._parser = Parser.for_client()
        self._pending: dict[int, _Pending] = {}
        self._closed = False
        self._close_error: ConnectionClosed = ConnectionClosed(f"{label} connection closed")
        self._on_close: list[Callable[[ConnectionClosed], None]] = []
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        *,
        handler: Handler,
        trids: TridCounter | None = None,
        timeout: float = 10.0,
        label: str = "server",
    ) -> Connection:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port)
        except TimeoutError:
            raise ConnectionClosed(f"cannot reach {label} {host}:{port}: timed out") from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConnectionClosed(f"cannot reach {label} {host}:{port}: {reason}") from None
        connection = cls(reader, writer, handler=handler, trids=trids, timeout=timeout, label=label)
        connection._task = asyncio.create_task(connection._read_loop())
        return connection

    # ---- state -------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def local_address(self) -> tuple[str, int]:
        info = self._writer.get_extra_info("sockname") or ("", 0)
        return (str(info[0]), int(info[1]))

    def on_close(self, callback: Callable[[ConnectionClosed], None]) -> None:
        """Run `callback(error)` once when the connection ends (at once if it already has)."""
        if self._closed:
            callback(self._close_error)
        else:
            self._on_close.append(callback)

    # ---- sending -----------------------------------------------------------------------
    def send(self, command: Command) -> None:
        """Write one command without waiting for a reply."""
        if self._closed:
            raise self._close_error
        self._writer.write(encode(command))

    def send_new(self, name: str, *args: str, payload: bytes | None = None) -> int:
        """Send a command with a fresh trid, not waiting for any reply; returns the trid."""
        trid = self.trids.next()
        self.send(Command(name, trid, args, payload))
        return trid

    async def request(
        self,
        name: str,
        *args: str,
        payload: bytes | None = None,
        expect: tuple[str, ...] = (),
        timeout: float | None = None,
    ) -> Command:
        """Send `name trid args...` and wait for its reply. A numeric error raises
        `ServerError`; silence raises `RequestTimeout`; a lost connection `ConnectionClosed`."""
        if self._closed:
            raise self._close_error
        trid = self.trids.next()
        future: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
        self._pending[trid] = _Pending(name, frozenset(expect or (name,)), future)
        self._writer.write(encode(Command(name, trid, args, payload)))
        limit = self.timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                with contextlib.suppress(ConnectionError):
                    await self._writer.drain()  # a failed write shows up as the close below
                return await future
        except TimeoutError:
            raise RequestTimeout(
                f"no reply to {name} from the {self.label} within {limit:g} s"
            ) from None
        finally:
            self._pending.pop(trid, None)

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self._writer.drain()

    # ---- receiving ---------------------------------------------------------------------
    async def _read_loop(self) -> None:
        reason = f"{self.label} closed the connection"
        try:
            while True:
                data = await self._reader.read(READ_CHUNK)
                if not data:
                    break
                for command in self._parser.iter_feed(data):
                    self._deliver(command)
        except ProtocolError as exc:
            reason = f"{self.label} broke the protocol: {exc}"
            log.warning("%s", reason)
        except (ConnectionError, OSError) as exc:
            reason = f"{self.label} connection lost: {exc}"
        finally:
            self._finish(reason)

    def _deliver(self, command: Command) -> None:
        pending = self._pending.get(command.trid) if command.trid is not None else None
        is_reply = pending is not None and (command.is_error or command.name in pending.expect)
        try:
            self._handler(command, is_reply)
        except Exception:
            log.exception("handler failed on %s", command)
        if pending is None or not is_reply or pending.future.done():
            return
        assert command.trid is not None
        del self._pending[command.trid]
        if command.is_error:
            pending.future.set_exception(ServerError(int(command.name), pending.request))
        else:
            pending.future.set_result(command)

    def _finish(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        self._close_error = ConnectionClosed(reason)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(ConnectionClosed(reason))
        self._pending.clear()
        self._writer.close()
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            try:
                callback(self._close_error)
            except Exception:
                log.exception("close callback failed")

    async def close(self) -> None:
        """Close and wait until the reader has seen the end."""
        if not self._closed:
            self._writer.close()
        if self._task is not None and self._task is not asyncio.current_task():
            try:
                async with asyncio.timeout(self.timeout):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._task.cancel()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
