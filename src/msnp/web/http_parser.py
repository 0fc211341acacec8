"""A lenient, sans-IO HTTP/1.x request parser: feed bytes, take requests. No sockets here.

Lenient where real clients of 2003-2007 need it (`protocol/clients.md`): a request line with no
HTTP version, absolute-form targets, no Host header, bare LF line ends, empty lines before a
request, folded header lines, header lines without a colon (ignored). Strict where leniency
would cost memory or correctness: every size is bounded, and a body length that cannot be
trusted is refused, because after it the start of the next request is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum, auto
from urllib.parse import parse_qsl, unquote

from msnp.web.messages import Headers, HttpError, Request


@dataclass(frozen=True)
class HttpLimits:
    """Bounds on what one connection may make the server hold or wait for."""

    max_request_line: int = 8192  # bytes, without the line end
    max_header_bytes: int = 16384  # the whole header section after the request line
    max_headers: int = 100
    max_body: int = 1 << 20
    idle_timeout: float = 60.0  # waiting for the first byte of a request (keep-alive)
    request_timeout: float = 30.0  # from the first byte of a request to its last
    write_timeout: float = 30.0  # a response the client does not read for this long
    max_connections: int = 2048
    max_connections_per_ip: int = 64


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_VERSION = re.compile(r"HTTP/(\d+)\.(\d+)\Z", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MAX_CHUNK_LINE = 1024


class _State(Enum):
    HEAD = auto()
    BODY = auto()
    CHUNK_SIZE = auto()
    CHUNK_DATA = auto()
    CHUNK_END = auto()
    TRAILERS = auto()
    BROKEN = auto()


class RequestParser:
    """Parses the requests of one connection, in order.

    `feed()` appends bytes; `next_request()` returns the next complete request or None when
    more bytes are needed, and raises `HttpError` for a request that must be refused (after
    which the parser is unusable and the connection should be closed). `pending_head` is the
    request whose body is still arriving, so the caller can answer `Expect: 100-continue`.
    """

    def __init__(self, limits: HttpLimits | None = None) -> None:
        self._limits = limits or HttpLimits()
        self._buf = bytearray()
        self._scan_from = 0
        self._state = _State.HEAD
        self._head: Request | None = None
        self._body = bytearray()
        self._remaining = 0

    # ---- public -------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def pending_head(self) -> Request | None:
        return self._head

    @property
    def has_partial(self) -> bool:
        """Whether part of a request has arrived (bytes beyond blank lines between requests)."""
        return self._head is not None or bool(self._buf.lstrip(b"\r\n"))

    def next_request(self) -> Request | None:
        if self._state is _State.BROKEN:
            raise HttpError(400, "parser is unusable after an error")
        try:
            return self._next()
        except HttpError:
            self._state = _State.BROKEN
            raise

    def feed_eof(self) -> Request | None:
        """The client closed its sending side. A head that lacks only its final empty line
        (`GET /rdr/pprdr.asp\\n` then EOF) is accepted; anything else incomplete is dropped."""
        if self._state is not _State.HEAD:
            return None
        self._skip_blank_lines()
        if not self._buf:
            return None
        try:
            request, body_mode = self._parse_head(bytes(self._buf))
        except HttpError:
            self._state = _State.BROKEN
            raise
        self._buf.clear()
        if body_mode != ("none", 0):
            return None  # a body was announced and cannot arrive any more
        return request

    # ---- states -------------------------------------------------------------------------
    def _next(self) -> Request | None:
        while True:
            if self._state is _State.HEAD:
                if not self._read_head():
                    return None
                if self._state is _State.HEAD:  # no body: the request is complete
                    return self._finish()
            elif self._state is _State.BODY:
                if not self._take_body():
                    return None
                self._state = _State.HEAD
                return self._finish()
            elif self._state is _State.CHUNK_SIZE:
                line = self._take_line(_MAX_CHUNK_LINE, 400, "chunk size line too long")
                if line is None:
                    return None
                size_text = line.split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise HttpError(400, "bad chunk size") from None
                if size < 0:
                    raise HttpError(400, "bad chunk size")
                if len(self._body) + size > self._limits.max_body:
                    raise HttpError(413, "request body too large")
                self._remaining = size
                self._state = _State.CHUNK_DATA if size else _State.TRAILERS
            elif self._state is _State.CHUNK_DATA:
                if not self._take_body():
                    return None
                self._state = _State.CHUNK_END
            elif self._state is _State.CHUNK_END:
                line = self._take_line(_MAX_CHUNK_LINE, 400, "missing line end after chunk")
                if line is None:
                    return None
                if line.strip():
                    raise HttpError(400, "missing line end after chunk")
                self._state = _State.CHUNK_SIZE
            elif self._state is _State.TRAILERS:
                # Trailer fields are read and dropped; nothing here uses them.
                line = self._take_line(self._limits.max_header_bytes, 431, "trailers too large")
                if line is None:
                    return None
                if not line.strip():
                    self._state = _State.HEAD
                    return self._finish()
            else:  # pragma: no cover - BROKEN is handled by next_request
                raise HttpError(400, "parser is unusable after an error")

    def _finish(self) -> Request:
        head = self._head
        assert head is not None
        body = bytes(self._body)
        self._head = None
        self._body = bytearray()
        return replace(head, body=body) if body else head

    def _skip_blank_lines(self) -> None:
        # Clients may send stray line ends between requests (e.g. after a POST body).
        stripped = len(self._buf) - len(self._buf.lstrip(b"\r\n"))
        if stripped:
            del self._buf[:stripped]
            self._scan_from = max(0, self._scan_from - stripped)

    def _read_head(self) -> bool:
        self._skip_blank_lines()
        if not self._buf:
            return False
        first = self._buf[0]
        if not (0x41 <= first <= 0x5A or 0x61 <= first <= 0x7A):
            # Not a method: e.g. a TLS ClientHello on the plain port. Refuse at once
            # instead of waiting for a line end that will never come.
            raise HttpError(400, "not an HTTP request")
        match = _HEAD_END.search(self._buf, max(0, self._scan_from - 3))
        limits = self._limits
        if match is None:
            self._scan_from = len(self._buf)
            first_line_end = self._buf.find(b"\n")
            if first_line_end < 0 and len(self._buf) > limits.max_request_line:
                raise HttpError(414, "request line too long")
            if len(self._buf) > limits.max_request_line + limits.max_header_bytes + 4:
                raise HttpError(431, "request header section too large")
            return False
        raw = bytes(self._buf[: match.start()])
        del self._buf[: match.end()]
        self._scan_from = 0
        request, (mode, length) = self._parse_head(raw)
        self._head = request
        if mode == "length":
            self._remaining = length
            self._state = _State.BODY
        elif mode == "chunked":
            self._state = _State.CHUNK_SIZE
        return True

    def _take_body(self) -> bool:
        """Move up to `_remaining` buffered bytes into the body; True once all have come."""
        take = min(self._remaining, len(self._buf))
        self._body += self._buf[:take]
        del self._buf[:take]
        self._remaining -= take
        return not self._remaining

    def _take_line(self, limit: int, status: int, message: str) -> bytes | None:
        end = self._buf.find(b"\n")
        if end < 0:
            if len(self._buf) > limit:
                raise HttpError(status, message)
            return None
        if end > limit:
            raise HttpError(status, message)
        line = bytes(self._buf[:end]).rstrip(b"\r")
        del self._buf[: end + 1]
        return line

    # ---- the head -----------------------------------------------------------------------
    def _parse_head(self, raw: bytes) -> tuple[Request, tuple[str, int]]:
        limits = self._limits
        lines = raw.decode("latin-1").split("\n")
        request_line = lines[0].rstrip("\r")
        if len(request_line) > limits.max_request_line:
            raise HttpError(414, "request line too long")
        if len(raw) - len(lines[0]) > limits.max_header_bytes:
            raise HttpError(431, "request header section too large")
        method, target, version = _parse_request_line(request_line)
        headers = _parse_header_lines(lines[1:], limits.max_headers)
        path, query_string, authority = _split_target(method, target)
        try:
            query = dict(parse_qsl(query_string, keep_blank_values=True))
        except ValueError:
            raise HttpError(400, "bad query string") from None
        host = headers.get("Host") or authority or None
        body = _body_mode(headers, limits.max_body)
        request = Request(
            method=method,
            target=target,
            path=path,
            query=query,
            query_string=query_string,
            version=version,
            headers=headers,
            host=host,
        )
        return request, body


def _parse_request_line(line: str) -> tuple[str, str, str]:
    parts = line.split()
    if len(parts) < 2:
        raise HttpError(400, "bad request line")
    method = parts[0].upper()
    if not _TOKEN.match(method):
        raise HttpError(400, "bad method")
    version = ""
    rest = parts[1:]
    match = _VERSION.match(rest[-1]) if len(rest) > 1 else None
    if match is not None:
        rest = rest[:-1]
        major, minor = int(match.group(1)), int(match.group(2))
        if major >= 2:
            raise HttpError(505, "only HTTP/1.x is spoken here")
        if major == 1:
            version = "HTTP/1.0" if minor == 0 else "HTTP/1.1"
    # A target with raw spaces (seen from sloppy clients) is kept, spaces %-encoded.
    target = "%20".join(rest)
    return method, target, version


def _parse_header_lines(lines: list[str], max_headers: int) -> Headers:
    items: list[tuple[str, str]] = []
    for raw_line in lines:
        line = raw_line.rstrip("\r")
        if not line:
            continue
        if line[0] in " \t":
            if items:  # obsolete line folding: continue the previous value
                name, value = items[-1]
                items[-1] = (name, f"{value} {line.strip()}".strip())
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _TOKEN.match(name):
            continue  # not a header field; ignored rather than refused
        items.append((name, value.strip()))
        if len(items) > max_headers:
            raise HttpError(431, "too many header fields")
    return Headers(items)


def _split_target(method: str, target: str) -> tuple[str, str, str | None]:
    """(decoded path, raw query string, authority of an absolute-form target)."""
    authority: str | None = None
    rest = target.split("#", 1)[0]
    if _SCHEME.match(rest):
        after = rest.split("://", 1)[1]
        cut = len(after)
        for sep in "/?":
            index = after.find(sep)
            if 0 <= index < cut:
                cut = index
        authority = after[:cut].rpartition("@")[2] or None
        rest = after[cut:]
        if not rest.startswith("/"):
            rest = "/" + rest
    elif rest == "*" or method == "CONNECT":
        return rest, "", None
    elif not rest.startswith("/"):
        rest = "/" + rest
    path, _, query_string = rest.partition("?")
    return unquote(path), query_string, authority


def _body_mode(headers: Headers, max_body: int) -> tuple[str, int]:
    codings = [
        c.strip().lower()
        for value in headers.get_all("Transfer-Encoding")
        for c in value.split(",")
        if c.strip()
    ]
    if codings:
        if codings[-1] != "chunked":
            raise HttpError(400, "unsupported transfer coding")
        return "chunked", 0
    values = {v.strip() for value in headers.get_all("Content-Length") for v in value.split(",")}
    if not values:
        return "none", 0
    if len(values) != 1:
        raise HttpError(400, "conflicting Content-Length")
    text = values.pop()
    if not text.isdigit() or not text.isascii():
        raise HttpError(400, "bad Content-Length")
    length = int(text)
    if length > max_body:
        raise HttpError(413, "request body too large")
    return ("length", length) if length else ("none", 0)
