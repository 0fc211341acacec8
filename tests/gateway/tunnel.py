"""A raw HTTP polling gateway client for tests: one POST per call on a fresh connection (as
Pidgin and aMSN may), the MSNP bytes of every answer parsed as a client would."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from msnp.wire.codec import Command, Parser, encode
from wire_helpers import pattern_for

TIMEOUT = 5.0
POLL_EVERY = 0.02
SESSION_HEADER = re.compile(r"SessionID=(\d+\.\d+); GW-IP=([^;]+)(; Session=close)?\Z")


@dataclass
class GatewayReply:
    status_line: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ")[1])


async def post(
    port: int, target: str, body: bytes = b"", *, host: str = "127.0.0.1",
    content_type: str | None = "application/x-msn-messenger",
) -> GatewayReply:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = f"POST {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: MSMSGS\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        data = await asyncio.wait_for(reader.readexactly(length), TIMEOUT)
        return GatewayReply(lines[0], headers, data)
    finally:
        writer.close()


@dataclass
class Tunnel:
    """One gateway session seen from the client."""

    port: int
    absolute: bool = False  # absolute-form request targets, as Pidgin sends
    session_id: str | None = None
    gw_ip: str | None = None
    closed: bool = False
    parser: Parser = field(default_factory=Parser.for_client)
    pending: list[Command] = field(default_factory=list)
    replies: list[GatewayReply] = field(default_factory=list)

    def _target(self, query: str) -> str:
        path = f"/gateway/gateway.dll?{query}"
        if self.absolute:
            return f"http://{self.gw_ip or 'gateway.messenger.hotmail.com'}{path}"
        return path

    async def _post(self, query: str, body: bytes) -> GatewayReply:
        reply = await post(self.port, self._target(query), body)
        assert reply.status_line == "HTTP/1.1 200 OK", reply
        assert reply.headers["content-type"] == "application/x-msn-messenger"
        match = SESSION_HEADER.match(reply.headers["x-msn-messenger"])
        assert match is not None, reply.headers
        if self.session_id is not None:
            # The part before the dot stays the same (Pidgin relies on it).
            assert match.group(1).split(".")[0] == self.session_id.split(".")[0]
        self.session_id, self.gw_ip = match.group(1), match.group(2)
        self.closed = match.group(3) is not None
        self.pending.extend(self.parser.feed(reply.body))
        self.replies.append(reply)
        return reply

    async def open(self, server: str, ip: str, first: str = "") -> GatewayReply:
        body = (first + "\r\n").encode() if first else b""
        return await self._post(f"Action=open&Server={server}&IP={quote(ip)}", body)

    async def send(self, line: str, payload: bytes | None = None) -> GatewayReply:
        assert self.session_id is not None
        return await self._post(f"SessionID={self.session_id}",
                                line.encode() + b"\r\n" + (payload or b""))

    async def send_raw(self, data: bytes) -> GatewayReply:
        return await self._post(f"SessionID={self.session_id}", data)

    async def poll(self) -> GatewayReply:
        return await self._post(f"Action=poll&SessionID={self.session_id}", b"")

    async def read(self, timeout: float = TIMEOUT) -> Command:
        deadline = time.monotonic() + timeout
        while not self.pending:
            assert not self.closed, "the gateway ended the session"
            assert time.monotonic() < deadline, "nothing arrived"
            await asyncio.sleep(POLL_EVERY)
            await self.poll()
        return self.pending.pop(0)

    async def expect(self, expected: str, payload: str | None = None) -> dict[str, str]:
        command = await self.read()
        line = encode(Command(command.name, command.trid, command.args, command.payload))
        head = line.partition(b"\r\n")[0].decode()
        match = pattern_for(expected).match(head)
        assert match is not None, f"expected {expected!r}, got {head!r}"
        values = match.groupdict()
        if payload is not None:
            assert command.payload is not None
            body_match = pattern_for(payload).match(command.payload.decode())
            assert body_match is not None, command.payload
            values.update(body_match.groupdict())
        return values
