"""Test doubles and a raw-socket client for switchboard tests.

The client parses what the server sends with its own few lines of code (not the codec), so
the tests check the server's bytes independently of the codec under test elsewhere.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from msnp.config import Config, HostPort, SwitchboardConfig
from msnp.sb import SwitchboardServer, UserInfo
from msnp.services.invitations import Ring
from msnp.services.tickets import MemoryTicketStore

TIMEOUT = 3.0


@dataclass
class FakeRinger:
    """Records every ring; `refuse` holds people who are 'offline' (or block the caller)."""

    rings: list[tuple[str, Ring]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    explode: bool = False

    async def ring(self, invitee: str, ring: Ring) -> bool:
        if self.explode:
            raise RuntimeError("bus down")
        if invitee in self.refuse:
            return False
        self.rings.append((invitee, ring))
        return True

    def last(self, invitee: str) -> Ring:
        for who, ring in reversed(self.rings):
            if who == invitee:
                return ring
        raise AssertionError(f"{invitee} was never rung")


@dataclass
class FakeDirectory:
    users: dict[str, UserInfo] = field(default_factory=dict)

    async def describe(self, email: str) -> tuple[str, str] | None:
        return self.users.get(email)


@dataclass
class Line:
    raw: bytes  # the whole line with CRLF, plus the payload if any
    tokens: list[str]
    payload: bytes | None = None

    @property
    def name(self) -> str:
        return self.tokens[0]


async def eventually(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Wait until `predicate()` holds (state that settles right after a socket event)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class Closed(Exception):
    pass


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._buf = bytearray()
        self.eof = False

    @classmethod
    async def connect(cls, address: HostPort) -> Client:
        reader, writer = await asyncio.open_connection(address.host, address.port)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    def line(self, text: str) -> None:
        self.send(text.encode() + b"\r\n")

    def msg(self, trid: int, ack: str, payload: bytes) -> None:
        self.send(b"MSG %d %s %d\r\n" % (trid, ack.encode(), len(payload)) + payload)

    async def _fill(self, timeout: float) -> None:
        data = await asyncio.wait_for(self.reader.read(65536), timeout)
        if not data:
            self.eof = True
            raise Closed
        self._buf += data

    async def read(self, timeout: float = TIMEOUT) -> Line:
        while (end := self._buf.find(b"\r\n")) < 0:
            await self._fill(timeout)
        line = bytes(self._buf[: end + 2])
        tokens = line[:-2].decode().split(" ")
        if tokens[0] != "MSG":
            del self._buf[: end + 2]
            return Line(line, tokens)
        length = int(tokens[-1])
        while len(self._buf) < end + 2 + length:
            await self._fill(timeout)
        payload = bytes(self._buf[end + 2 : end + 2 + length])
        del self._buf[: end + 2 + length]
        return Line(line + payload, tokens, payload)

    async def expect(self, raw: bytes, timeout: float = TIMEOUT) -> Line:
        got = await self.read(timeout)
        assert got.raw == raw, f"expected {raw!r}, got {got.raw!r}"
        return got

    async def expect_closed(self, timeout: float = TIMEOUT) -> list[Line]:
        """Read until the server closes; returns any lines that came first."""
        lines: list[Line] = []
        try:
            while True:
                lines.append(await self.read(timeout))
        except Closed:
            return lines

    async def expect_silence(self, timeout: float = 0.1) -> None:
        """Nothing arrives for `timeout` seconds and the connection stays open."""
        if self._buf:
            raise AssertionError(f"unexpected data {bytes(self._buf)!r}")
        try:
            await self._fill(timeout)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected data {bytes(self._buf)!r}")

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


def sb_config(**overrides: object) -> Config:
    sb = replace(SwitchboardConfig(listen=HostPort("127.0.0.1", 0)), **overrides)  # type: ignore[arg-type]
    return Config(switchboard=sb)


@dataclass
class Rig:
    """A running switchboard with fake NS-side collaborators and helpers to populate it."""

    server: SwitchboardServer
    ringer: FakeRinger
    directory: FakeDirectory
    store: MemoryTicketStore
    clients: list[Client] = field(default_factory=list)

    def user(self, email: str, name: str | None = None, dialect: str = "MSNP9") -> None:
        self.directory.users[email] = UserInfo(name or email.split("@")[0].title(), dialect)

    async def connect(self) -> Client:
        client = await Client.connect(self.server.address)
        self.clients.append(client)
        return client

    async def create(self, email: str, trid: int = 1) -> Client:
        """XFR SB's cookie, then USR on the switchboard."""
        name, dialect = self.directory.users[email]
        cookie = await self.server.issue_creator(email, name, dialect)
        client = await self.connect()
        client.line(f"USR {trid} {email} {cookie}")
        reply = await client.read()
        assert reply.tokens[:3] == ["USR", str(trid), "OK"], reply.raw
        return client

    async def call(self, caller: Client, email: str, trid: int) -> str:
        caller.line(f"CAL {trid} {email}")
        reply = await caller.read()
        assert reply.tokens[:3] == ["CAL", str(trid), "RINGING"], reply.raw
        return reply.tokens[3]

    async def answer(self, email: str, trid: int = 1) -> tuple[Client, list[Line]]:
        """ANS with the last ring's cookie; returns the client and its IRO lines."""
        ring = self.ringer.last(email)
        client = await self.connect()
        client.line(f"ANS {trid} {email} {ring.cookie} {ring.session_id}")
        iros: list[Line] = []
        while True:
            line = await client.read()
            if line.name == "ANS":
                assert line.tokens == ["ANS", str(trid), "OK"], line.raw
                return client, iros
            assert line.name == "IRO", line.raw
            iros.append(line)

    async def invite(
        self, caller: Client, email: str, trid: int, others: tuple[Client, ...] = ()
    ) -> Client:
        """CAL + ANS; checks the JOI on the caller and on `others`."""
        await self.call(caller, email, trid)
        client, _ = await self.answer(email)
        name = self.directory.users[email].display_name
        for member in [caller, *others]:
            joi = await member.read()
            assert joi.tokens[:2] == ["JOI", email], joi.raw
            assert joi.tokens[2] == name.replace(" ", "%20")
        return client


P2P_BINARY_HEADER = struct.Struct("<IIQQIIIIQ")  # 48 bytes, little-endian (reference §5.2)


def p2p_message(
    dest: str,
    data: bytes = b"",
    *,
    offset: int = 0,
    total: int | None = None,
    flags: int = 0,
    session_id: int = 0,
    identifier: int = 1,
    chunk_length: int | None = None,
    footer: int = 1,
    content_type: str = "application/x-msnmsgrp2p",
    extra_headers: str = "",
) -> bytes:
    """An MSG D payload: MIME headers, 48-byte header, data, 4-byte big-endian footer."""
    mime = (
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n{extra_headers}"
        f"P2P-Dest: {dest}\r\n\r\n"
    ).encode()
    header = P2P_BINARY_HEADER.pack(
        session_id, identifier, offset, len(data) if total is None else total,
        len(data) if chunk_length is None else chunk_length, flags, 0, 0, 0,
    )
    return mime + header + data + struct.pack(">I", footer)
