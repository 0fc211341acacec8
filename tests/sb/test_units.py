"""The SB cookies and the rooms without a network; the advertised address."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from msnp.config import Config, HostPort, ServerConfig, SwitchboardConfig
from msnp.sb import SwitchboardServer, messages
from msnp.sb.outbox import Flusher, Outbox
from msnp.services.rooms import Participant, Rooms
from msnp.services.sb_tickets import CREATOR_KIND, INVITE_KIND, SwitchboardTickets
from msnp.services.tickets import MemoryTicketStore
from msnp.wire.dialects import MSNP9
from msnp.wire.errors import ErrorCode

from .harness import FakeDirectory, FakeRinger


class CountingStore(MemoryTicketStore):
    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0
        self.keys: list[tuple[str, str]] = []

    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        self.keys.append((kind, token))
        await super().put(kind, token, data, ttl)

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        self.lookups += 1
        return await super().take(kind, token)


async def test_cookies_are_random_url_safe_and_single_use() -> None:
    store = CountingStore()
    tickets = SwitchboardTickets(store, 120)
    tokens = {await tickets.issue_creator("Alice@Example.com", "A b", "MSNP9") for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{24}", token) for token in tokens)
    token = tokens.pop()
    ticket = await tickets.redeem_creator(token)
    assert ticket is not None
    assert (ticket.email, ticket.display_name, ticket.dialect) == ("alice@example.com", "A b",
                                                                  "MSNP9")
    assert await tickets.redeem_creator(token) is None
    assert all(kind == CREATOR_KIND for kind, _ in store.keys)


async def test_invite_cookie_is_its_own_kind_and_revocable() -> None:
    store = CountingStore()
    tickets = SwitchboardTickets(store, 120)
    token = await tickets.issue_invite("Bob@Example.com", "12345678")
    assert store.keys == [(INVITE_KIND, token)]
    assert await tickets.redeem_creator(token) is None
    token = await tickets.issue_invite("bob@example.com", "12345678")
    await tickets.revoke_invite(token)
    assert await tickets.redeem_invite(token) is None
    token = await tickets.issue_invite("Bob@Example.com", "12345678")
    invite = await tickets.redeem_invite(token)
    assert invite is not None and (invite.email, invite.session_id) == ("bob@example.com",
                                                                       "12345678")


async def test_implausible_tokens_never_reach_the_store() -> None:
    store = CountingStore()
    tickets = SwitchboardTickets(store, 120)
    for token in ("", "a" * 65, "has space", "semi;colon", "ü"):
        assert await tickets.redeem_creator(token) is None
        assert await tickets.redeem_invite(token) is None
    assert store.lookups == 0


@dataclass
class NullEndpoint:
    closed: bool = False

    def send(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def person(handle: str, name: str = "N a%me") -> Participant:
    return Participant(handle, name, MSNP9, NullEndpoint())


async def test_rooms_membership_and_capacity() -> None:
    now = [100.0]
    store = MemoryTicketStore()
    tickets = SwitchboardTickets(store, 120)
    rooms = Rooms(tickets, max_participants=3, idle_timeout=60, invite_lifetime=10,
                  clock=lambda: now[0])
    alice = person("alice@example.com")
    assert alice.msg_prefix == b"MSG alice@example.com N%20a%25me "
    session = rooms.create(alice)
    assert session.id.isdigit() and 10_000_000 <= int(session.id) < 2**31
    assert rooms.get(session.id) is session
    assert rooms.check_invite(session, alice, "alice@example.com") is ErrorCode.ALREADY_THERE
    assert rooms.check_invite(session, alice, "bob@example.com") is None
    rooms.reserve(session, "bob@example.com")
    assert rooms.check_invite(session, alice, "bob@example.com") is ErrorCode.ALREADY_THERE
    rooms.reserve(session, "carol@example.com")
    assert rooms.check_invite(session, alice, "dave@example.com") is ErrorCode.SESSION_OVERLOAD
    now[0] += 11  # both invitations expired: the seats are free again
    assert rooms.check_invite(session, alice, "bob@example.com") is None
    assert rooms.check_invite(session, alice, "dave@example.com") is None
    bob = person("bob@example.com")
    rooms.join(session, bob)
    assert list(session.participants) == ["alice@example.com", "bob@example.com"]
    assert (alice.peers, bob.peers) == ((bob,), (alice,))
    assert await rooms.leave(session, alice) == [bob]
    assert (alice.peers, bob.peers) == ((), ())
    assert await rooms.leave(session, alice) == []  # twice: a no-op
    invitation = rooms.reserve(session, "carol@example.com")
    invitation.cookie = await tickets.issue_invite("carol@example.com", session.id)
    assert await rooms.leave(session, bob) == []
    assert session.closed and rooms.get(session.id) is None and len(rooms) == 0
    assert len(store) == 0  # carol's invitation went with the session


async def test_advertised_address() -> None:
    def server(config: Config, advertise: HostPort | None = None) -> SwitchboardServer:
        return SwitchboardServer(config, MemoryTicketStore(), FakeRinger(), FakeDirectory(),
                                 advertise=advertise)

    listen = SwitchboardConfig(listen=HostPort("127.0.0.1", 0))
    bound = server(Config(switchboard=listen))
    port = await bound.start()
    try:
        assert port != 0 and bound.address == HostPort("127.0.0.1", port)
    finally:
        await bound.close()
    public = Config(server=ServerConfig(public_host="sb.example.com"), switchboard=listen)
    assert server(public).address == HostPort("sb.example.com", 0)  # not bound yet
    configured = SwitchboardConfig(advertise=HostPort("gw.example.com", 1864))
    assert server(Config(switchboard=configured)).address == HostPort("gw.example.com", 1864)
    override = HostPort("10.0.0.7", 1863)
    assert server(Config(switchboard=configured), override).address == override


class RecordingSink(NullEndpoint):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.peer = ("127.0.0.1", 1)

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.writes.append(data)


async def test_outbox_coalesces_one_loop_iteration() -> None:
    flusher = Flusher()
    inner, other = RecordingSink(), RecordingSink()
    outbox, second = Outbox(inner, flusher), Outbox(other, flusher)
    outbox.send(b"MSG a A 1\r\nx")
    second.send(b"JOI b B\r\n")
    outbox.send(b"ACK 2\r\n")
    assert inner.writes == [] and other.writes == []
    await asyncio.sleep(0)
    assert inner.writes == [b"MSG a A 1\r\nxACK 2\r\n"] and other.writes == [b"JOI b B\r\n"]
    outbox.send(b"BYE c\r\n")
    outbox.close()  # flushes first
    assert inner.writes[-1] == b"BYE c\r\n" and inner.closed and outbox.closed
    outbox.send(b"late")
    await asyncio.sleep(0)
    assert inner.writes[-1] == b"BYE c\r\n"


@pytest.mark.parametrize(
    ("heads", "answers"),
    [
        (b"1 N2 U", b""),
        (b"7 A", b"ACK 7\r\n"),
        (b"1 A20 A300 S", b"ACK 1\r\nACK 20\r\nACK 300\r\n"),
        (b"1 A2 N3 S4 U", b"ACK 1\r\nACK 3\r\n"),
        (b"0 U10 A", b"ACK 10\r\n"),
    ],
)
def test_run_answers_ack_a_and_s_in_order(heads: bytes, answers: bytes) -> None:
    assert messages.run_answers(heads) == answers


@pytest.mark.parametrize(("node", "nodes"), [(0, 1), (0, 3), (2, 3), (63, 64)])
async def test_session_ids_name_their_switchboard_process(node: int, nodes: int) -> None:
    """With worker processes, session id % nodes is the process that holds the session (the
    gateway routes an ANS by it); ids stay decimal, from 10,000,000 to below 2**31."""
    rooms = Rooms(SwitchboardTickets(MemoryTicketStore(), 120), max_participants=3,
                  idle_timeout=60, invite_lifetime=10, node=node, nodes=nodes)
    ids = [int(rooms.create(person(f"p{i}@example.com")).id) for i in range(300)]
    assert all(i % nodes == node and 10_000_000 <= i < 2**31 for i in ids)
    assert len(set(ids)) == len(ids)
    await rooms.close()


def test_a_node_outside_the_nodes_is_refused() -> None:
    tickets = SwitchboardTickets(MemoryTicketStore(), 120)
    with pytest.raises(ValueError, match="node 3 of 3"):
        Rooms(tickets, max_participants=3, idle_timeout=60, invite_lifetime=10, node=3, nodes=3)
