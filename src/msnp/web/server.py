"""An asyncio HTTP/1.x server around the lenient parser: one task per connection, requests
answered in order, keep-alive, bounded time and size, TLS when given a context.

A client mistake gets a 4xx and, when the parser cannot resynchronise, a closed connection;
a handler exception is logged and answered 500, and the server carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import Counter
from dataclasses import replace
from email.utils import formatdate
from typing import Any

from msnp.web.http_parser import HttpLimits, RequestParser
from msnp.web.messages import HttpError, Request, Response, encode_response
from msnp.web.router import Handler

log = logging.getLogger(__name__)

READ_CHUNK = 65536
TLS_HANDSHAKE_TIMEOUT = 15.0


def _peer(writer: asyncio.StreamWriter) -> tuple[str, int] | None:
    info = writer.get_extra_info("peername")
    if isinstance(info, tuple) and len(info) >= 2:
        return str(info[0]), int(info[1])
    return None


def _expects_continue(request: Request) -> bool:
    expect = request.headers.get("Expect") or ""
    return request.version == "HTTP/1.1" and expect.strip().lower() == "100-continue"


class HttpServer:
    """Serves one handler (usually a `Router`) on any number of listeners.

    `start()` may be called several times (e.g. plain HTTP and HTTPS with the same routes);
    `close()` stops them all, lets requests already being handled finish for up to `grace`
    seconds, and drops idle keep-alive connections at once.
    """

    def __init__(self, handler: Handler, limits: HttpLimits | None = None) -> None:
        self._handler = handler
        self._limits = limits or HttpLimits()
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy: set[asyncio.Task[Any]] = set()
        self._per_ip: Counter[str] = Counter()
        self._closing = False

    @property
    def limits(self) -> HttpLimits:
        return self._limits

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None = None) -> int:
        """Listen on host:port (0 picks a free port); returns the bound port."""
        if self._closing:
            raise RuntimeError("server is closed")
        tls = ssl_context is not None

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._connection(reader, writer, tls)

        server = await asyncio.start_server(
            on_connect,
            host,
            port,
            ssl=ssl_context,
            ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT if tls else None,
        )
        self._servers.append(server)
        bound = int(server.sockets[0].getsockname()[1])
        log.info("http%s listening on %s:%d", "s" if tls else "", host, bound)
        return bound

    async def close(self, grace: float = 5.0) -> None:
        self._closing = True
        for server in self._servers:
            server.close()
        for task in self._tasks - self._busy:
            task.cancel()
        busy = set(self._busy)
        if busy:
            _, pending = await asyncio.wait(busy, timeout=grace)
            for task in pending:
                task.cancel()
        remaining = set(self._tasks)
        if remaining:
            await asyncio.gather(*remaining, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    # ---- one connection -----------------------------------------------------------------
    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tls: bool
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = _peer(writer)
        ip = peer[0] if peer else "?"
        limits = self._limits
        if self._closing:
            writer.close()
            return
        self._tasks.add(task)
        self._per_ip[ip] += 1
        try:
            if (
                len(self._tasks) > limits.max_connections
                or self._per_ip[ip] > limits.max_connections_per_ip
            ):
                refusal = Response.text(503, "Too many connections\n", [("Retry-After", "10")])
                await self._send(writer, refusal, head_only=False, keep_alive=False, version="")
                return
            await self._serve(reader, writer, peer, tls, task)
        except (ConnectionError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
            pass  # the client went away or stopped reading; nothing left to tell it
        except Exception:
            log.exception("http connection from %s failed", ip)
        finally:
            self._tasks.discard(task)
            self._busy.discard(task)
            self._per_ip[ip] -= 1
            if self._per_ip[ip] <= 0:
                del self._per_ip[ip]
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: tuple[str, int] | None,
        tls: bool,
        task: asyncio.Task[Any],
    ) -> None:
        parser = RequestParser(self._limits)
        while not self._closing:
            try:
                parsed = await self._read_request(reader, writer, parser)
            except HttpError as exc:
                log.debug("refused request from %s: %s", peer, exc)
                error = Response.text(exc.status, exc.message + "\n")
                await self._send(writer, error, head_only=False, keep_alive=False, version="")
                return
            if parsed is None:
                return
            request = replace(parsed, client=peer, tls=tls)
            self._busy.add(task)
            try:
                response = await self._dispatch(request)
                keep = request.keep_alive and not response.close and not self._closing
                await self._send(
                    writer,
                    response,
                    head_only=request.method == "HEAD",
                    keep_alive=keep,
                    version=request.version,
                )
            finally:
                self._busy.discard(task)
            if not keep:
                return

    async def _read_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, parser: RequestParser
    ) -> Request | None:
        loop = asyncio.get_running_loop()
        limits = self._limits
        deadline: float | None = None
        continue_sent = False
        while True:
            request = parser.next_request()
            if request is not None:
                return request
            head = parser.pending_head
            if head is not None and not continue_sent and _expects_continue(head):
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                continue_sent = True
            if parser.has_partial:
                if deadline is None:
                    deadline = loop.time() + limits.request_timeout
                timeout = deadline - loop.time()
            else:
                timeout = limits.idle_timeout
            try:
                async with asyncio.timeout(max(timeout, 0.0)):
                    data = await reader.read(READ_CHUNK)
            except TimeoutError:
                if parser.has_partial:
                    raise HttpError(408, "request not received in time") from None
                return None  # an idle keep-alive connection: close quietly
            if not data:
                return parser.feed_eof()
            parser.feed(data)

    async def _dispatch(self, request: Request) -> Response:
        try:
            response = await self._handler(request)
            # Encode once here so a handler's unusable header is a 500, not a dead socket.
            encode_response(response)
            return response
        except Exception:
            log.exception("handler failed for %s %s", request.method, request.target)
            return Response.text(500, "Internal Server Error\n")

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        response: Response,
        *,
        head_only: bool,
        keep_alive: bool,
        version: str,
    ) -> None:
        data = encode_response(
            response,
            head_only=head_only,
            keep_alive=keep_alive,
            version=version,
            date=formatdate(usegmt=True),
        )
        writer.write(data)
        async with asyncio.timeout(self._limits.write_timeout):
            await writer.drain()
