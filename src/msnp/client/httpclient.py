"""Just enough HTTP/1.1 for Passport 1.4: one GET per connection, headers kept in order and
case as sent. (The standard library's clients block; this one is asyncio.)"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 65536
MAX_BODY_BYTES = 1 << 20


class HttpError(Exception):
    """The server's answer is not HTTP we can read, or the connection failed."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """First header called `name`, compared case-insensitively (we are lenient readers)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


async def http_get(
    url: str,
    headers: Mapping[str, str],
    *,
    ssl_context: ssl.SSLContext | None,
    timeout: float,
) -> HttpResponse:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HttpError(f"not an http(s) URL: {url!r}")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    lines.append("Connection: close")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    context = ssl_context if secure else None
    if secure and context is None:
        context = ssl.create_default_context()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                parts.hostname,
                port,
                ssl=context,
                server_hostname=parts.hostname if secure else None,
            )
            try:
                writer.write(request)
                await writer.drain()
                return await _read_response(reader)
            finally:
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                    await writer.wait_closed()
    except TimeoutError:
        raise HttpError(f"{url}: no answer within {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise HttpError(f"{url}: certificate not trusted ({exc.verify_message})") from None
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise HttpError(f"{url}: {exc}") from None


async def _read_response(reader: asyncio.StreamReader) -> HttpResponse:
    status_line = (await reader.readline()).decode("latin-1").rstrip("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/") or not code.isdigit():
        raise HttpError(f"not an HTTP response: {status_line!r}")
    headers: list[tuple[str, str]] = []
    size = 0
    while True:
        line = await reader.readline()
        size += len(line)
        if size > MAX_HEADER_BYTES:
            raise HttpError("response headers too large")
        if not line:
            raise HttpError("connection closed inside the response headers")
        text = line.decode("latin-1").rstrip("\r\n")
        if not text:
            break
        name, colon, value = text.partition(":")
        if colon:
            headers.append((name.strip(), value.strip()))
    response = HttpResponse(int(code), reason, tuple(headers), b"")
    body = await _read_body(reader, response)
    return HttpResponse(response.status, response.reason, response.headers, body)


async def _read_body(reader: asyncio.StreamReader, response: HttpResponse) -> bytes:
    if response.status in (204, 304) or 100 <= response.status < 200:
        return b""
    if (response.header("Transfer-Encoding") or "").lower() == "chunked":
        chunks = bytearray()
        while True:
            size_line = (await reader.readline()).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise HttpError("bad chunk size") from None
            if size == 0:
                return bytes(chunks)
            if len(chunks) + size > MAX_BODY_BYTES:
                raise HttpError("response body too large")
            chunks += await reader.readexactly(size)
            await reader.readline()
    length = response.header("Content-Length")
    if length is not None:
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            raise HttpError(f"bad Content-Length {length!r}")
        return await reader.readexactly(int(length))
    with contextlib.suppress(ssl.SSLError, ConnectionError):
        return await reader.read(MAX_BODY_BYTES)
    return b""
