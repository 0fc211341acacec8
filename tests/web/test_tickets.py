"""Ticket stores (memory and the real Redis) and Passport login tickets."""

from __future__ import annotations

import asyncio
import hmac
import os
import re
import socket
import uuid
from collections.abc import AsyncIterator, Mapping

import pytest
import redis.asyncio as aioredis

from msnp.services.tickets import (
    MemoryTicketStore,
    PassportTickets,
    RedisTicketStore,
    TicketStore,
    ticket_from_pp,
)

from .conftest import FakeClock

FROM_PP = re.compile(r"t=([A-Za-z0-9!*$._-]+)&p=([A-Za-z0-9!*$._-]+)\Z")


# ---- the Redis fixture -----------------------------------------------------------------


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@pytest.fixture(scope="session")
def redis_reachable() -> None:
    """Probe once per session with a plain socket (redis-py retries for seconds)."""
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            sock.settimeout(0.5)
            reply = sock.recv(16)
        if not reply.startswith(b"+PONG"):
            raise OSError(f"unexpected reply {reply!r}")
    except OSError as exc:
        message = f"Redis at {REDIS_HOST}:{REDIS_PORT} unreachable: {exc}"
        if os.environ.get("MSNP_REQUIRE_REDIS") == "1":
            pytest.fail(message + " (MSNP_REQUIRE_REDIS=1)")
        pytest.skip(message)


@pytest.fixture
async def redis_client(redis_reachable: None) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1)
    yield client
    await client.aclose()


@pytest.fixture
async def redis_store(redis_client: aioredis.Redis) -> AsyncIterator[RedisTicketStore]:
    prefix = f"msnp-test:{uuid.uuid4().hex}:"
    yield RedisTicketStore(redis_client, prefix=prefix)
    keys = [key async for key in redis_client.scan_iter(match=prefix + "*")]
    if keys:
        await redis_client.delete(*keys)


# ---- behaviour every store shares ------------------------------------------------------


async def check_store_contract(store: TicketStore) -> None:
    await store.put("sb", "tok1", {"email": "a@b.c", "session": "7"}, ttl=60)
    assert await store.take("sb", "tok1") == {"email": "a@b.c", "session": "7"}
    assert await store.take("sb", "tok1") is None  # single use
    await store.put("sb", "tok2", {"x": "1"}, ttl=60)
    assert await store.take("passport", "tok2") is None  # kinds are separate
    assert await store.take("sb", "tok2") == {"x": "1"}
    await store.put("sb", "tok3", {"v": "old"}, ttl=60)
    await store.put("sb", "tok3", {"v": "new"}, ttl=60)
    assert await store.take("sb", "tok3") == {"v": "new"}
    # Many concurrent takers, one winner.
    await store.put("sb", "race", {"v": "1"}, ttl=60)
    results = await asyncio.gather(*(store.take("sb", "race") for _ in range(20)))
    assert sum(r is not None for r in results) == 1


async def test_memory_store_contract() -> None:
    await check_store_contract(MemoryTicketStore())


@pytest.mark.redis
async def test_redis_store_contract(redis_store: RedisTicketStore) -> None:
    await check_store_contract(redis_store)


async def test_memory_store_expiry() -> None:
    clock = FakeClock()
    store = MemoryTicketStore(clock=clock)
    await store.put("k", "a", {"v": "1"}, ttl=10)
    await store.put("k", "b", {"v": "2"}, ttl=10)
    clock.now += 9.9
    assert await store.take("k", "a") == {"v": "1"}
    clock.now += 0.1
    assert await store.take("k", "b") is None


async def test_memory_store_is_bounded_and_prunes() -> None:
    clock = FakeClock()
    store = MemoryTicketStore(max_entries=3, clock=clock)
    for name in "abcde":
        await store.put("k", name, {"v": name}, ttl=10)
    assert len(store) == 3
    assert await store.take("k", "a") is None  # oldest dropped
    assert await store.take("k", "e") == {"v": "e"}
    await store.put("k", "short", {}, ttl=1)
    clock.now += 5
    assert store.prune() == 1
    assert len(store) == 2
    await store.put("k", "x", {}, ttl=10)
    assert len(store) == 3
    clock.now += 20
    await store.put("k", "fresh", {}, ttl=10)  # full of expired entries: pruned, not evicted
    assert len(store) == 1


async def test_memory_stores_do_not_share_state() -> None:
    first, second = MemoryTicketStore(), MemoryTicketStore()
    await first.put("k", "t", {"v": "1"}, ttl=10)
    assert await second.take("k", "t") is None


def test_memory_store_needs_room() -> None:
    with pytest.raises(ValueError):
        MemoryTicketStore(max_entries=0)


@pytest.mark.redis
async def test_redis_store_sets_a_ttl_and_expires(
    redis_store: RedisTicketStore, redis_client: aioredis.Redis
) -> None:
    prefix = redis_store._prefix
    await redis_store.put("passport", "t1", {"email": "a@b.c"}, ttl=30)
    ttl_ms = await redis_client.pttl(f"{prefix}passport:t1")
    assert 29_000 < ttl_ms <= 30_000
    await redis_store.put("passport", "t2", {"email": "a@b.c"}, ttl=0.05)
    await asyncio.sleep(0.15)
    assert await redis_store.take("passport", "t2") is None


@pytest.mark.redis
async def test_redis_store_from_url_shares_tickets_between_nodes(
    redis_store: RedisTicketStore,
) -> None:
    other_node = RedisTicketStore.from_url(
        f"redis://{REDIS_HOST}:{REDIS_PORT}/0", prefix=redis_store._prefix
    )
    try:
        tickets = PassportTickets(redis_store, lifetime=60)
        from_pp = await tickets.issue("alice@example.com")
        assert await PassportTickets(other_node, lifetime=60).redeem(from_pp, "alice@example.com")
        assert not await tickets.redeem(from_pp, "alice@example.com")
    finally:
        await other_node.close()


# ---- Passport tickets ------------------------------------------------------------------


class RecordingStore:
    """Wraps a MemoryTicketStore and records what is stored."""

    def __init__(self) -> None:
        self.inner = MemoryTicketStore()
        self.puts: list[tuple[str, str, dict[str, str], float]] = []

    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        self.puts.append((kind, token, dict(data), ttl))
        await self.inner.put(kind, token, data, ttl)

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        return await self.inner.take(kind, token)


async def test_issue_format_and_entropy() -> None:
    store = RecordingStore()
    tickets = PassportTickets(store, lifetime=300, clock=lambda: 1234.5)
    issued = [await tickets.issue("Alice@Example.com") for _ in range(50)]
    assert len(set(issued)) == 50
    for from_pp in issued:
        match = FROM_PP.match(from_pp)
        assert match is not None, from_pp
        ticket, profile = match.groups()
        assert len(ticket) >= 22 and len(profile) >= 22  # >= 128 bits in base64url
        for forbidden in ",' &\r\n":
            assert forbidden not in ticket and forbidden not in profile
    kind, token, data, ttl = store.puts[0]
    assert (kind, data, ttl) == (
        "passport", {"email": "alice@example.com", "issued": "1234.5"}, 300)
    # The store keeps a digest, never the ticket itself.
    ticket = FROM_PP.match(issued[0]).group(1)  # type: ignore[union-attr]
    assert ticket not in token


async def test_redeem_single_use_bound_and_case_insensitive() -> None:
    tickets = PassportTickets(MemoryTicketStore(), lifetime=300)
    from_pp = await tickets.issue("alice@example.com")
    assert await tickets.redeem(from_pp, "ALICE@example.COM")
    assert not await tickets.redeem(from_pp, "alice@example.com")
    other = await tickets.issue("alice@example.com")
    assert not await tickets.redeem(other, "bob@example.com")
    assert not await tickets.redeem(other, "alice@example.com")  # consumed by the wrong try


async def test_a_password_change_voids_the_tickets_issued_before_it() -> None:
    clock = FakeClock()
    tickets = PassportTickets(MemoryTicketStore(clock=clock), lifetime=300, clock=clock)
    old = await tickets.issue("alice@example.com")
    other = await tickets.issue("bob@example.com")
    clock.now += 1
    tickets.void_issued("Alice@Example.com")
    assert not await tickets.redeem(old, "alice@example.com")
    assert await tickets.redeem(other, "bob@example.com")  # someone else's stay good
    clock.now += 1
    new = await tickets.issue("alice@example.com")
    assert await tickets.redeem(new, "alice@example.com")
    # Once no ticket from before the change can be alive, the record of it goes.
    clock.now += 400
    tickets.void_issued("carol@example.com")
    assert "alice@example.com" not in tickets._voided


async def test_redeem_expired() -> None:
    clock = FakeClock()
    tickets = PassportTickets(MemoryTicketStore(clock=clock), lifetime=300)
    from_pp = await tickets.issue("alice@example.com")
    clock.now += 300
    assert not await tickets.redeem(from_pp, "alice@example.com")


async def test_redeem_tolerates_order_quotes_and_rejects_garbage() -> None:
    tickets = PassportTickets(MemoryTicketStore(), lifetime=300)
    from_pp = await tickets.issue("a@b.c")
    t_part, p_part = from_pp.split("&")
    assert await tickets.redeem(f"{p_part}&{t_part}", "a@b.c")
    quoted = await tickets.issue("a@b.c")
    assert await tickets.redeem(f"'{quoted}'", "a@b.c")
    for garbage in ["", "t=", "p=x", "garbage", "t=" + "x" * 300, "&&&", "t=nothere&p=x"]:
        assert not await tickets.redeem(garbage, "a@b.c")


def test_ticket_from_pp() -> None:
    assert ticket_from_pp("t=abc&p=def") == "abc"
    assert ticket_from_pp("t=abc") == "abc"
    assert ticket_from_pp("p=def") is None


async def test_redeem_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    # The tickets module calls hmac.compare_digest through the hmac module.
    monkeypatch.setattr(hmac, "compare_digest", recording)
    tickets = PassportTickets(MemoryTicketStore(), lifetime=300)
    assert await tickets.redeem(await tickets.issue("a@b.c"), "A@B.C")
    assert calls == [(b"a@b.c", b"a@b.c")]


@pytest.mark.redis
async def test_passport_tickets_on_redis(redis_store: RedisTicketStore) -> None:
    tickets = PassportTickets(redis_store, lifetime=60)
    from_pp = await tickets.issue("alice@example.com")
    assert await tickets.redeem(from_pp, "Alice@Example.com")
    assert not await tickets.redeem(from_pp, "alice@example.com")
