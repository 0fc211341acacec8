"""Test helpers for golden wire transcripts: a raw client that sends exact lines and checks
exact replies, with `{name}` placeholders only for values that legitimately vary."""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass, field

from msnp.wire.codec import Command, Parser, encode

TIMEOUT = 5.0
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def pattern_for(expected: str) -> re.Pattern[str]:
    """`XFR 3 NS {ns} 0 {ds}` -> a regex capturing ns and ds (one token each)."""
    out, pos = [], 0
    for match in _PLACEHOLDER.finditer(expected):
        out.append(re.escape(expected[pos : match.start()]))
        out.append(f"(?P<{match.group(1)}>[^ \\r\\n]*)")
        pos = match.end()
    out.append(re.escape(expected[pos:]))
    return re.compile("".join(out) + r"\Z", re.S)


@dataclass
class Wire:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    parser: Parser = field(default_factory=Parser.for_client)
    pending: list[Command] = field(default_factory=list)
    captured: dict[str, str] = field(default_factory=dict)
    skip: set[str] = field(default_factory=set)  # command names `read` passes over (e.g. CHL)

    @classmethod
    async def connect(cls, host: str, port: int) -> Wire:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, line: str, payload: bytes | None = None) -> None:
        data = line.encode("utf-8") + b"\r\n" + (payload or b"")
        self.writer.write(data)
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read(self, timeout: float = TIMEOUT) -> Command:
        while True:
            while not self.pending:
                data = await asyncio.wait_for(self.reader.read(65536), timeout)
                if not data:
                    raise EOFError("server closed the connection")
                self.pending.extend(self.parser.feed(data))
            command = self.pending.pop(0)
            if command.name not in self.skip:
                return command

    async def read_line(self, timeout: float = TIMEOUT) -> tuple[str, bytes | None]:
        command = await self.read(timeout)
        line = encode(Command(command.name, command.trid, command.args, command.payload))
        head, _, _ = line.partition(b"\r\n")
        return head.decode("utf-8"), command.payload

    async def expect(self, expected: str, payload: str | None = None) -> dict[str, str]:
        """Read one command and match it against `expected` (and its payload)."""
        line, body = await self.read_line()
        match = pattern_for(expected).match(line)
        assert match is not None, f"expected {expected!r}, got {line!r}"
        values = match.groupdict()
        if payload is not None:
            assert body is not None, f"{line!r} carried no payload"
            text = body.decode("utf-8")
            body_match = pattern_for(payload).match(text)
            assert body_match is not None, f"payload mismatch:\n{text!r}\nvs\n{payload!r}"
            values.update(body_match.groupdict())
        self.captured.update(values)
        return values

    async def expect_closed(self, timeout: float = TIMEOUT) -> None:
        """The server closes the connection without sending anything more (lines already
        read but not yet expected count as something more)."""
        unexpected = [c for c in self.pending if c.name not in self.skip]
        assert not unexpected, f"expected the connection to close, got {unexpected}"
        while True:
            try:
                data = await asyncio.wait_for(self.reader.read(65536), timeout)
            except ConnectionResetError:
                return
            if not data:
                return
            commands = self.parser.feed(data)
            assert not commands, f"expected the connection to close, got {commands}"

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass
