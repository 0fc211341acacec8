"""Short-lived, single-use tickets: Passport login tickets, switchboard cookies, and the like.

A `TicketStore` keeps small string maps under (kind, token) for a while; `take` returns one
and deletes it in the same step, so a ticket can be redeemed once even with several nodes
sharing Redis. `PassportTickets` is the Passport 1.4 use: login2.srf issues, `USR TWN S`
redeems.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import redis.asyncio as aioredis


class TicketStore(Protocol):
    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        """Keep `data` under (kind, token) for `ttl` seconds, replacing any earlier value."""

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        """Remove and return the data, or None when absent or expired. Atomic."""


class MemoryTicketStore:
    """A TicketStore for one process. Bounded: expired entries are pruned as new ones arrive,
    and when `max_entries` live ones are held, the oldest is dropped."""

    def __init__(
        self, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._clock = clock
        # Insertion order is kept, so the first entries are the oldest.
        self._entries: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        self._puts = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        now = self._clock()
        key = (kind, token)
        self._entries.pop(key, None)
        self._puts += 1
        # Prune now and then, and always before evicting a live entry.
        if self._puts % 256 == 0 or len(self._entries) >= self._max:
            self.prune(now)
        while len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (now + ttl, dict(data))

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        entry = self._entries.pop((kind, token), None)
        if entry is None:
            return None
        expires, data = entry
        if self._clock() >= expires:
            return None
        return data

    def prune(self, now: float | None = None) -> int:
        """Drop expired entries; returns how many."""
        now = self._clock() if now is None else now
        dead = [key for key, (expires, _) in self._entries.items() if now >= expires]
        for key in dead:
            del self._entries[key]
        return len(dead)


class RedisTicketStore:
    """A TicketStore shared by every node through Redis (>= 6.2 for GETDEL). Each ticket is
    one key with a TTL holding the data as JSON; GETDEL makes `take` single-use."""

    def __init__(self, client: aioredis.Redis, prefix: str = "msnp:ticket:") -> None:
        self._redis = client
        self._prefix = prefix
        self._owns_client = False

    @classmethod
    def from_url(cls, url: str, prefix: str = "msnp:ticket:") -> RedisTicketStore:
        """A store with its own connection pool (closed by `close()`)."""
        store = cls(aioredis.Redis.from_url(url), prefix)
        store._owns_client = True
        return store

    async def close(self) -> None:
        if self._owns_client:
            await self._redis.aclose()

    def _key(self, kind: str, token: str) -> str:
        return f"{self._prefix}{kind}:{token}"

    async def put(self, kind: str, token: str, data: Mapping[str, str], ttl: float) -> None:
        millis = max(1, round(ttl * 1000))
        await self._redis.set(self._key(kind, token), json.dumps(dict(data)), px=millis)

    async def take(self, kind: str, token: str) -> dict[str, str] | None:
        raw: Any = await self._redis.getdel(self._key(kind, token))
        if raw is None:
            return None
        loaded = json.loads(raw)
        if not isinstance(loaded, dict):
            return None
        return {str(k): str(v) for k, v in loaded.items()}


# ---- Passport 1.4 login tickets ------------------------------------------------------------

PASSPORT_KIND = "passport"
MAX_TICKET_LENGTH = 256  # anything longer from a client is not one of ours


def _new_token() -> str:
    # 192 random bits in the URL-safe alphabet (A-Za-z0-9-_): no `,` `'` `&` or space, so
    # clients that split Authentication-Info on commas or quotes still find the whole value.
    return secrets.token_urlsafe(24)


def _digest(text: str) -> str:
    # The store holds a hash of the ticket, not the ticket: a leaked store dump or Redis
    # keyspace grants no logins.
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ticket_from_pp(from_pp: str) -> str | None:
    """The `t` part of a from-PP value `t=<ticket>&p=<profile>` (tolerating surrounding
    quotes and item order), or None."""
    value = from_pp.strip().strip("'\"")
    for part in value.split("&"):
        if part.startswith("t="):
            ticket = part[2:]
            if 0 < len(ticket) <= MAX_TICKET_LENGTH:
                return ticket
            return None
    return None


class PassportTickets:
    """Login tickets bound to an account: issued by login2.srf, redeemed by `USR TWN S`."""

    def __init__(self, store: TicketStore, lifetime: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._lifetime = lifetime
        self._clock = clock  # wall time: tickets may be redeemed on another node
        # Account -> when its password changed: tickets issued until then are void. Entries
        # older than a ticket's lifetime void nothing more and are dropped.
        self._voided: dict[str, float] = {}

    @property
    def lifetime(self) -> float:
        return self._lifetime

    async def issue(self, email: str) -> str:
        """A new ticket for `email`, as the from-PP value `t=<ticket>&p=<profile>`."""
        ticket = _new_token()
        profile = _new_token()
        await self._store.put(
            PASSPORT_KIND, _digest(ticket),
            {"email": email.strip().lower(), "issued": repr(self._clock())}, self._lifetime,
        )
        return f"t={ticket}&p={profile}"

    def void_issued(self, email: str) -> None:
        """The password of `email` changed: tickets issued for it until now are refused, so
        a sign-in with the old password that got as far as a ticket goes no further. (Kept
        in this process: a node that did not change the password does not know.)"""
        now = self._clock()
        for key in [k for k, when in self._voided.items() if when < now - self._lifetime]:
            del self._voided[key]
        self._voided[email.strip().lower()] = now

    async def redeem(self, from_pp: str, email: str) -> bool:
        """Whether `from_pp` holds a live ticket issued for `email` (case-insensitive).
        The ticket is used up by this call whatever the answer."""
        ticket = ticket_from_pp(from_pp)
        if ticket is None:
            return False
        data = await self._store.take(PASSPORT_KIND, _digest(ticket))
        if data is None:
            return False
        bound = data.get("email", "").encode("utf-8")
        if not bound:
            return False
        if not hmac.compare_digest(bound, email.strip().lower().encode("utf-8")):
            return False
        voided = self._voided.get(email.strip().lower())
        if voided is None:
            return True
        try:
            issued = float(data.get("issued", "0"))
        except ValueError:
            return False
        return issued > voided
