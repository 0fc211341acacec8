"""The MIME-like payload of `MSG`: header lines, a blank line, then a body of raw bytes.

Only the header block is decoded; the body stays bytes so binary (P2P) data survives exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from msnp.client.errors import MessageTooLarge
from msnp.wire.codec import MAX_SB_MESSAGE

TEXT_PLAIN = "text/plain"
TYPING = "text/x-msmsgscontrol"
P2P = "application/x-msnmsgrp2p"
DEFAULT_FORMAT = "FN=Arial; EF=; CO=0; CS=0; PF=22"


@dataclass(frozen=True)
class Message:
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @classmethod
    def parse(cls, payload: bytes) -> Message:
        """Split a payload into headers and body. Tolerates bare LF line ends in the header
        block (a few clients write them) and a payload with no blank line (headers only)."""
        end = payload.find(b"\r\n\r\n")
        if end >= 0:
            head, body = payload[:end], payload[end + 4 :]
        else:
            end = payload.find(b"\n\n")
            head, body = (payload[:end], payload[end + 2 :]) if end >= 0 else (payload, b"")
        headers: list[tuple[str, str]] = []
        for raw in head.decode("utf-8", "replace").splitlines():
            name, colon, value = raw.partition(":")
            if colon:
                headers.append((name.strip(), value.strip()))
        return cls(tuple(headers), body)

    @classmethod
    def build(cls, content_type: str, body: bytes = b"", **extra: str) -> Message:
        """A message with `MIME-Version`, `Content-Type` and extra headers (`P2P_Dest` becomes
        `P2P-Dest`: underscores in keyword names stand for dashes)."""
        headers = [("MIME-Version", "1.0"), ("Content-Type", content_type)]
        headers.extend((name.replace("_", "-"), value) for name, value in extra.items())
        return cls(tuple(headers), body)

    @classmethod
    def text(cls, text: str, format: str | None = DEFAULT_FORMAT) -> Message:
        """A chat line as official clients send it (`text/plain; charset=UTF-8`)."""
        extra = {"X-MMS-IM-Format": format} if format else {}
        return cls.build("text/plain; charset=UTF-8", text.encode("utf-8"), **extra)

    @classmethod
    def typing(cls, email: str) -> Message:
        """The typing notice; the official client sends an empty line as its body."""
        return cls.build(TYPING, b"\r\n", TypingUser=email)

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first header called `name` (case-insensitive)."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters (`text/plain`)."""
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str:
        value = self.header("Content-Type") or ""
        for param in value.split(";")[1:]:
            key, _, val = param.partition("=")
            if key.strip().lower() == "charset" and val.strip():
                return val.strip().strip('"')
        return "utf-8"

    @property
    def is_text(self) -> bool:
        return self.content_type == TEXT_PLAIN

    @property
    def is_typing(self) -> bool:
        return self.content_type == TYPING

    @property
    def text_body(self) -> str:
        """The body decoded with its charset (unknown charsets fall back to UTF-8)."""
        try:
            return self.body.decode(self.charset, "replace")
        except LookupError:
            return self.body.decode("utf-8", "replace")

    def to_bytes(self) -> bytes:
        head = "".join(f"{name}: {value}\r\n" for name, value in self.headers)
        return head.encode("utf-8") + b"\r\n" + self.body


def check_size(payload: bytes) -> None:
    """Refuse a payload the switchboard would answer by closing our connection."""
    if len(payload) > MAX_SB_MESSAGE:
        raise MessageTooLarge(
            f"message of {len(payload)} bytes exceeds the switchboard limit of {MAX_SB_MESSAGE}"
        )
