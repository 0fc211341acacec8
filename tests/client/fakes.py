"""Scripted stand-ins for the service: a TCP server whose connections are driven line by
line by the test, and a Passport nexus/login server over HTTPS.

The fake reads the client's bytes itself (lines, plus a body for payload commands), so tests
check exactly what the client sends without trusting the codec's server-side parser.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

TIMEOUT = 5.0
#: Client commands followed by a body of the length given as their last parameter.
PAYLOAD_COMMANDS = frozenset({"MSG", "QRY", "PGD", "PAG", "SDC"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(expected: str) -> re.Pattern[str]:
    """`USR 1 alice {cookie}` -> a regex capturing `cookie` (one token)."""
    parts, pos = [], 0
    for match in _PLACEHOLDER.finditer(expected):
        parts.append(re.escape(expected[pos : match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^ ]*)")
        pos = match.end()
    parts.append(re.escape(expected[pos:]))
    return re.compile("".join(parts) + r"\Z")


class PeerClosed(AssertionError):
    pass


class Peer:
    """One accepted client connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.lines: list[str] = []
        self.payload: bytes | None = None  # body of the last payload command read

    async def line(self, timeout: float = TIMEOUT) -> str:
        """The next line the client sent (no CRLF); reads the body of payload commands."""
        try:
            raw = await asyncio.wait_for(self.reader.readline(), timeout)
        except TimeoutError:
            message = f"client sent nothing for {timeout} s; so far: {self.lines}"
            raise AssertionError(message) from None
        if not raw:
            raise PeerClosed(f"client closed the connection; so far: {self.lines}")
        assert raw.endswith(b"\r\n"), f"line without CRLF: {raw!r}"
        text = raw[:-2].decode("utf-8")
        self.lines.append(text)
        tokens = text.split(" ")
        self.payload = None
        if tokens[0] in PAYLOAD_COMMANDS:
            self.payload = await asyncio.wait_for(self.reader.readexactly(int(tokens[-1])), timeout)
        return text

    async def expect(
        self, expected: str, payload: bytes | None = None, timeout: float = TIMEOUT
    ) -> dict[str, str]:
        """Read one line and check it (with `{name}` placeholders); returns the captures."""
        text = await self.line(timeout)
        match = _pattern(expected).match(text)
        assert match is not None, f"expected {expected!r}, client sent {text!r}"
        if payload is not None:
            assert self.payload == payload, f"payload {self.payload!r} != {payload!r}"
        return match.groupdict()

    async def skip_until(self, prefix: str, timeout: float = TIMEOUT) -> str:
        """Read lines until one starts with `prefix` (for keep-alives we do not care about)."""
        while True:
            text = await self.line(timeout)
            if text.startswith(prefix):
                return text

    def send(self, *lines: str) -> None:
        for text in lines:
            self.writer.write(text.encode("utf-8") + b"\r\n")

    def send_payload(self, head: str, payload: bytes) -> None:
        """`head` without the length: `MSG Hotmail Hotmail` -> `MSG Hotmail Hotmail 12\\r\\n...`"""
        self.writer.write(f"{head} {len(payload)}\r\n".encode() + payload)

    async def expect_closed(self, timeout: float = TIMEOUT) -> None:
        """The client hangs up (after anything it still sends, which is returned in lines)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.line(timeout)
        except PeerClosed:
            return
        except TimeoutError:
            raise AssertionError(f"client did not close; so far {self.lines}") from None

    def close(self) -> None:
        self.writer.close()


Script = Callable[[Peer], Awaitable[None]]


class ScriptedServer:
    """Accepts connections on 127.0.0.1; the n-th connection runs the n-th script."""

    def __init__(self, *scripts: Script) -> None:
        self.scripts = list(scripts)
        self.peers: list[Peer] = []
        self.errors: list[BaseException] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                await self.done()
            elif self.errors and isinstance(exc[1], BaseException):
                # The script's complaint usually explains the client's failure.
                exc[1].add_note(f"server script failed first: {self.errors[0]!r}")
        finally:
            for task in self._tasks:
                task.cancel()
            for peer in self.peers:
                peer.close()
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = Peer(reader, writer)
        index = len(self.peers)
        self.peers.append(peer)
        if index >= len(self.scripts):
            self.errors.append(AssertionError(f"unexpected connection #{index + 1}"))
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.append(task)
        try:
            await self.scripts[index](peer)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            with contextlib.suppress(Exception):
                await writer.drain()
            writer.close()

    async def done(self, timeout: float = TIMEOUT) -> None:
        """Wait for every script to finish; re-raise the first failure."""
        async with asyncio.timeout(timeout):
            while len(self._tasks) < len(self.scripts) and not self.errors:
                await asyncio.sleep(0.01)
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.errors:
            raise self.errors[0]


# ---- Passport 1.4 --------------------------------------------------------------------------
@dataclass
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]


@dataclass
class FakePassport:
    """Nexus (`/rdr/pprdr.asp`) and login (`/login2.srf`) over HTTPS with a test certificate.
    `accounts` maps e-mail to password; `redirect_once` answers the first login with 302."""

    cert_file: Path
    key_file: Path
    accounts: dict[str, str] = field(default_factory=dict)
    ticket: str = "t=ticket.ABC!123&p=profile.456"
    redirect_once: bool = False
    requests: list[HttpRequest] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    @property
    def nexus_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/rdr/pprdr.asp"

    async def __aenter__(self) -> FakePassport:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode().rstrip("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while True:
                line = (await reader.readline()).decode().rstrip("\r\n")
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
            self.requests.append(HttpRequest(method, target, headers))
            writer.write(self._answer(target, headers))
            await writer.drain()
        except (ConnectionError, ssl.SSLError, ValueError):
            pass
        finally:
            writer.close()

    def _answer(self, target: str, headers: dict[str, str]) -> bytes:
        if target == "/rdr/pprdr.asp":
            urls = f"DARealm=Passport.Net,DALogin=127.0.0.1:{self.port}/login2.srf,ConfigVersion=15"
            return _response("200 OK", ("PassportURLs", urls))
        if target.endswith("/login2.srf"):
            if self.redirect_once and target == "/login2.srf":
                self.redirect_once = False
                where = f"https://127.0.0.1:{self.port}/elsewhere/login2.srf"
                return _response("302 Found", ("Location", where))
            fields = _authorization_fields(headers.get("Authorization", ""))
            email, password = fields.get("sign-in", ""), fields.get("pwd")
            if password is not None and self.accounts.get(email) == password:
                info = (
                    "Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,"
                    f"from-PP='{self.ticket}',ru=http://messenger.msn.com"
                )
                return _response("200 OK", ("Authentication-Info", info))
            return _response(
                "401 Unauthorized", ("WWW-Authenticate", "Passport1.4 da-status=failed")
            )
        return _response("404 Not Found")


def _authorization_fields(value: str) -> dict[str, str]:
    scheme, _, rest = value.partition(" ")
    assert scheme == "Passport1.4", value
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, _, val = item.partition("=")
        fields.setdefault(key, unquote(val))
    return fields


def _response(status: str, *headers: tuple[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers), "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
