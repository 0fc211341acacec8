"""HTTP request and response values shared by the parser, the router, the server and handlers.

Plain data, no I/O. Header names keep the case they were written with: the official client
looks for `PassportURLs` case-sensitively, so a response header goes out exactly as a handler
spelled it, and request headers are looked up case-insensitively.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Reason phrases sent on the status line. Fixed here rather than taken from `http.HTTPStatus`
#: because some phrases change between Python versions and clients match status lines literally.
REASONS: Mapping[int, str] = MappingProxyType(
    {
        100: "Continue",
        200: "OK",
        201: "Created",
        204: "No Content",
        301: "Moved Permanently",
        302: "Found",
        303: "See Other",
        304: "Not Modified",
        307: "Temporary Redirect",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        408: "Request Timeout",
        409: "Conflict",
        411: "Length Required",
        413: "Payload Too Large",
        414: "URI Too Long",
        415: "Unsupported Media Type",
        429: "Too Many Requests",
        431: "Request Header Fields Too Large",
        500: "Internal Server Error",
        501: "Not Implemented",
        502: "Bad Gateway",
        503: "Service Unavailable",
        505: "HTTP Version Not Supported",
    }
)


def reason_phrase(status: int) -> str:
    return REASONS.get(status, "Unknown")


class HttpError(Exception):
    """A request the server refuses with `status`; the connection is closed afterwards when
    the parser can no longer tell where the next request starts."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


class Headers:
    """An ordered multi-map of header fields: lookup ignores case, iteration keeps it."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of `name`, or `default`."""
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == wanted:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self._items if key.lower() == wanted]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass(frozen=True)
class Request:
    """One parsed request.

    `path` is the %-decoded path of the target (absolute-form targets are reduced to their
    path); `query` maps each query parameter to its last value; `host` is the Host header, or
    the authority of an absolute-form target, or None. `version` is "HTTP/1.0", "HTTP/1.1" or
    "" for a request line that carried no version at all.
    """

    method: str
    target: str
    path: str
    query: Mapping[str, str]
    query_string: str
    version: str
    headers: Headers
    body: bytes = b""
    host: str | None = None
    client: tuple[str, int] | None = None
    tls: bool = False

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.headers.get("Connection") or "").split(",")}
        if self.version == "HTTP/1.1":
            return "close" not in tokens
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return False  # no version: a minimal client that reads until the server closes


@dataclass
class Response:
    """What a handler returns. Headers go out in order with the names exactly as given;
    the server adds Content-Length (unless given), Date and Connection."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: Close the connection after this response even if the client wants to keep it.
    close: bool = False

    @classmethod
    def text(cls, status: int, text: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls(
            status,
            [("Content-Type", "text/plain; charset=utf-8"), *headers],
            text.encode("utf-8"),
        )

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None


def _no_bodies(status: int) -> bool:
    return 100 <= status < 200 or status in (204, 304)


def encode_response(
    response: Response,
    *,
    head_only: bool = False,
    keep_alive: bool = True,
    version: str = "HTTP/1.1",
    date: str | None = None,
) -> bytes:
    """The bytes of a response: always `HTTP/1.1 <code> <reason>`, headers in the given order
    and case, then Content-Length / Date / Connection where the handler did not set them.

    `version` is the request's ("" for a version-less request) and decides whether keeping
    the connection open must be announced. Raises ValueError for a header that would split
    the response (CR or LF inside a name or value).
    """
    lines = [f"HTTP/1.1 {response.status} {reason_phrase(response.status)}"]
    present: set[str] = set()
    for name, value in response.headers:
        if not name or any(c in name for c in "\r\n:") or "\r" in value or "\n" in value:
            raise ValueError(f"unsafe response header {name!r}: {value!r}")
        present.add(name.lower())
        lines.append(f"{name}: {value}")
    body = b"" if _no_bodies(response.status) else response.body
    if "content-length" not in present and not _no_bodies(response.status):
        lines.append(f"Content-Length: {len(body)}")
    if "date" not in present and date is not None:
        lines.append(f"Date: {date}")
    if "connection" not in present:
        if not keep_alive:
            lines.append("Connection: close")
        elif version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body
