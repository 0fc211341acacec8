"""A byte-level HTTP client for tests: send exact bytes (as old clients do), read replies
without interpreting more than needed, over plain TCP or TLS with chosen versions."""

from __future__ import annotations

import asyncio
import ssl
import warnings
from dataclasses import dataclass

TIMEOUT = 5.0


def client_context(
    version: ssl.TLSVersion | None = None, *, cafile: str | None = None
) -> ssl.SSLContext:
    """A client context pinned to one TLS version (None: any). Without `cafile` the
    certificate is not checked, like many clients of the era."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile is None:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.load_verify_locations(cafile)
    # OpenSSL 3 needs security level 0 for TLS 1.0/1.1 on the client side too.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    if version is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
            context.minimum_version = version
            context.maximum_version = version
    return context


def tls10() -> ssl.SSLContext:
    return client_context(ssl.TLSVersion.TLSv1)


@dataclass(frozen=True)
class RawResponse:
    status_line: str
    headers: list[tuple[str, str]]  # exactly as received, names in their case
    body: bytes
    raw: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ")[1])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def without(self, *names: str) -> bytes:
        """The raw head with the named header lines removed (e.g. Date), for comparisons."""
        drop = {n.lower() for n in names}
        head, _, body = self.raw.partition(b"\r\n\r\n")
        lines = [
            line
            for line in head.split(b"\r\n")
            if line.split(b":", 1)[0].decode("latin-1").lower() not in drop
        ]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body


def parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return lines[0], headers


class Conn:
    """One connection: write bytes, read whole responses (by Content-Length)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(
        cls,
        port: int,
        context: ssl.SSLContext | None = None,
        server_hostname: str | None = "",
    ) -> Conn:
        # server_hostname "" sends no SNI, as several old clients do.
        kwargs = {"ssl": context, "server_hostname": server_hostname} if context else {}
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, **kwargs),  # type: ignore[arg-type]
            TIMEOUT,
        )
        return cls(reader, writer)

    @property
    def tls_version(self) -> str | None:
        ssl_object = self.writer.get_extra_info("ssl_object")
        return None if ssl_object is None else ssl_object.version()

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self, head_only: bool = False) -> RawResponse:
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        status_line, headers = parse_head(head[:-4])
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
        body = b""
        if length and not head_only:
            body = await asyncio.wait_for(self.reader.readexactly(length), TIMEOUT)
        return RawResponse(status_line, headers, body, head + body)

    async def at_eof(self) -> bool:
        """Whether the server closed the connection (nothing more arrives)."""
        data = await asyncio.wait_for(self.reader.read(1), TIMEOUT)
        return data == b""

    async def close(self) -> None:
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), TIMEOUT)
        except (TimeoutError, OSError, ssl.SSLError):
            pass


async def exchange(
    port: int,
    data: bytes,
    context: ssl.SSLContext | None = None,
    server_hostname: str | None = "",
) -> RawResponse:
    """Open, send `data`, read one response, close."""
    conn = await Conn.open(port, context, server_hostname)
    try:
        await conn.send(data)
        return await conn.response()
    finally:
        await conn.close()


async def read_all(
    port: int, data: bytes, context: ssl.SSLContext | None = None, half_close: bool = False
) -> bytes:
    """Send `data` and read until the server closes (for requests the server must end)."""
    conn = await Conn.open(port, context)
    try:
        await conn.send(data)
        if half_close:
            conn.writer.write_eof()
        return await asyncio.wait_for(conn.reader.read(), TIMEOUT)
    finally:
        await conn.close()
