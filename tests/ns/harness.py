"""Raw-socket notification-server clients for tests.

`NSHarness` wraps one running service: it makes fresh accounts (unique per call, so tests
sharing a service never see each other's people), wires contact lists straight through the
list service, and signs raw `Wire` clients in. Login skips the HTTPS Passport round trip by
issuing the ticket in-process (the Passport exchange has its own tests and the transcripts
do it for real); everything after `USR TWN S` is the real wire.

`Client.sync()` is the barrier every "nothing arrived" check relies on: it sends `PNG` and
collects whatever the server wrote to this connection before the `QNG`. Presence fan-out
is written synchronously inside the handler of the command that caused it, so once the
causing client has read its own reply, anything meant for this client is already queued
ahead of the QNG.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import cast

from msnp.app import RunningService
from msnp.services.models import ListBits
from msnp.services.tickets import PassportTickets
from msnp.wire.names import url_quote
from wire_helpers import Wire, pattern_for

PASSWORD = "secret-pw"


@dataclass
class Client:
    """A signed-in raw connection. `email` is the account; `dialect` MSNP8 or MSNP9."""

    wire: Wire
    email: str
    dialect: str
    trids: itertools.count[int] = field(default_factory=lambda: itertools.count(10))
    last_payload: bytes = b""

    def trid(self) -> int:
        return next(self.trids)

    async def send(self, line: str, payload: bytes | None = None) -> None:
        await self.wire.send(line, payload)

    async def expect(self, expected: str, payload: str | None = None) -> dict[str, str]:
        """Read one command and match it (see `wire_helpers.pattern_for`); its payload, if
        any, is kept in `last_payload`."""
        line, body = await self.wire.read_line()
        self.last_payload = body or b""
        match = pattern_for(expected).match(line)
        assert match is not None, f"{self.email}: expected {expected!r}, got {line!r}"
        values = match.groupdict()
        if payload is not None:
            text = self.last_payload.decode("utf-8")
            body_match = pattern_for(payload).match(text)
            assert body_match is not None, f"payload mismatch:\n{text!r}\nvs\n{payload!r}"
            values.update(body_match.groupdict())
        self.wire.captured.update(values)
        return values

    async def line(self) -> str:
        line, body = await self.wire.read_line()
        self.last_payload = body or b""
        return line

    async def sync(self) -> list[str]:
        """Every line the server queued for this client before now (PNG/QNG barrier)."""
        await self.wire.send("PNG")
        got: list[str] = []
        while True:
            line = await self.line()
            if line == "QNG" or line.startswith("QNG "):
                return got
            got.append(line)

    async def expect_nothing(self) -> None:
        got = await self.sync()
        assert got == [], f"{self.email} expected nothing, got {got}"

    async def expect_closed(self) -> None:
        # Lines already read off the socket but not yet consumed count as "got something".
        assert not self.wire.pending, f"expected a close, got {self.wire.pending}"
        await self.wire.expect_closed()

    async def request(self, line: str, payload: bytes | None = None) -> str:
        """Send one command and return the first line of the answer."""
        await self.send(line, payload)
        return await self.line()

    async def close(self) -> None:
        await self.wire.close()


class NSHarness:
    """Fresh accounts and signed-in clients on one running service."""

    def __init__(self, service: RunningService) -> None:
        self.service = service
        self._serial = itertools.count(1)
        self._clients: list[Client] = []

    @property
    def tickets(self) -> PassportTickets:
        # The wiring passes the PassportTickets object itself as the context's port.
        return cast(PassportTickets, self.service.context.passport)

    async def account(self, name: str = "user", display_name: str | None = None) -> str:
        email = f"{name}{next(self._serial)}@example.com"
        await self.service.accounts.create(email, PASSWORD, display_name or name.capitalize())
        return email

    async def accounts(self, *names: str) -> list[str]:
        return [await self.account(name) for name in names]

    async def add(self, owner: str, bit: ListBits, contact: str, group: int | None = None) -> int:
        """Put `contact` on the owner's list directly in the store; returns the version."""
        change = await self.service.lists.add_contact(owner, bit, contact, contact, group)
        return change.version

    async def watch(self, watcher: str, owner: str, *, allow: bool = False) -> None:
        """`watcher` has `owner` on FL (owner gets watcher on RL); optionally owner's AL."""
        await self.add(watcher, ListBits.FL, owner)
        if allow:
            await self.add(owner, ListBits.AL, watcher)

    async def friends(self, a: str, b: str) -> None:
        """Both on each other's FL and AL, as the official client leaves two contacts."""
        for one, other in ((a, b), (b, a)):
            await self.add(one, ListBits.FL, other)
            await self.add(one, ListBits.AL, other)

    async def version(self, email: str) -> int:
        return (await self.service.lists.snapshot(email)).account.list_version

    async def login(
        self,
        email: str,
        *,
        dialect: str = "MSNP9",
        status: str | None = "NLN",
        caps: str | None = "0",
        syn: bool = False,
    ) -> Client:
        """Sign in on the NS (trids 1-3). With `status`, send the first CHG (trid 5) and
        consume its echo; ILN lines that follow are left for the test to read."""
        wire = await Wire.connect("127.0.0.1", self.service.ports["notification"])
        offer = "MSNP9 MSNP8 CVR0" if dialect == "MSNP9" else "MSNP8 CVR0"
        await wire.send(f"VER 1 {offer}")
        await wire.expect(f"VER 1 {dialect}")
        await wire.send(f"USR 2 TWN I {email}")
        await wire.expect("USR 2 TWN S {challenge}")
        from_pp = await self.tickets.issue(email)
        await wire.send(f"USR 3 TWN S {from_pp}")
        await wire.expect(f"USR 3 OK {email} {{name}} 1 0")
        await wire.expect("MSG Hotmail Hotmail {n}")
        await wire.expect("MSG Hotmail Hotmail {n}")
        client = Client(wire, email, dialect)
        self._clients.append(client)
        if syn:
            await wire.send("SYN 4 0")
            await wire.expect("SYN 4 {version} {contacts} {groups}")
        if status is not None:
            request = f"CHG 5 {status}" + (f" {caps}" if caps is not None else "")
            await wire.send(request)
            echo_caps = caps if caps is not None else ("0" if dialect == "MSNP8" else None)
            await wire.expect(f"CHG 5 {status}" + (f" {echo_caps}" if echo_caps else ""))
        return client

    async def close_all(self) -> None:
        for client in self._clients:
            await client.close()
        self._clients.clear()


def presence_line(kind: str, status: str, email: str, name: str, caps: int = 0,
                  msnobj: str | None = None, trid: int | None = None) -> str:
    """`NLN BSY a@x Name 0` / `ILN 5 BSY ...` as the server writes it."""
    head = kind if trid is None else f"{kind} {trid}"
    line = f"{head} {status} {email} {url_quote(name)} {caps}"
    return line if msnobj is None else f"{line} {msnobj}"
