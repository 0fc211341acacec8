"""Switchboard cookies: the creator's (`XFR SB`) and each invitee's (`RNG`).

The switchboard learns who a connection is only from the cookie it issued (there is no
VER/CVR on the SB), so each cookie records the account and what the SB needs about it.
Cookies are random URL-safe tokens, single use, and live in a `TicketStore`, so a shared
(Redis) store lets one node issue what another redeems.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from msnp.services.tickets import TicketStore
from msnp.wire.dialects import BY_NAME
from msnp.wire.names import normalize_email

CREATOR_KIND = "sb-creator"
INVITE_KIND = "sb-invite"

# A token we issue is 24 characters; anything much longer is not ours and is refused before
# it reaches the store (a client must not be able to make us look up arbitrary keys).
_MAX_TOKEN_LENGTH = 64
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True, slots=True)
class CreatorTicket:
    email: str  # canonical
    display_name: str  # decoded
    dialect: str  # "MSNP8" or "MSNP9"


@dataclass(frozen=True, slots=True)
class InviteTicket:
    email: str  # canonical e-mail of the invitee
    session_id: str


def _plausible(token: str) -> bool:
    return 0 < len(token) <= _MAX_TOKEN_LENGTH and all(c in _TOKEN_ALPHABET for c in token)


class SwitchboardTickets:
    """Issues and redeems SB cookies. Every cookie is good for one redemption within
    `lifetime` seconds."""

    __slots__ = ("_lifetime", "_store")

    def __init__(self, store: TicketStore, lifetime: float) -> None:
        self._store = store
        self._lifetime = lifetime

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-], no spaces

    async def issue_creator(self, email: str, display_name: str, dialect_name: str) -> str:
        """The cookie for `XFR trid SB host:port CKI <cookie>`."""
        if dialect_name not in BY_NAME:
            raise ValueError(f"unknown dialect {dialect_name!r}")
        token = self.new_token()
        data = {"email": normalize_email(email), "name": display_name, "dialect": dialect_name}
        await self._store.put(CREATOR_KIND, token, data, self._lifetime)
        return token

    async def issue_invite(self, email: str, session_id: str) -> str:
        """The cookie for `RNG session-id host:port CKI <cookie> ...`, good for `email` only
        and for that session only."""
        token = self.new_token()
        data = {"email": normalize_email(email), "session": session_id}
        await self._store.put(INVITE_KIND, token, data, self._lifetime)
        return token

    async def redeem_creator(self, token: str) -> CreatorTicket | None:
        if not _plausible(token):
            return None
        data = await self._store.take(CREATOR_KIND, token)
        if data is None:
            return None
        try:
            return CreatorTicket(data["email"], data["name"], data["dialect"])
        except KeyError:
            return None

    async def redeem_invite(self, token: str) -> InviteTicket | None:
        if not _plausible(token):
            return None
        data = await self._store.take(INVITE_KIND, token)
        if data is None:
            return None
        try:
            return InviteTicket(data["email"], data["session"])
        except KeyError:
            return None

    async def revoke_invite(self, token: str) -> None:
        """Invalidate an invitation (its session ended, or the ring was refused)."""
        await self._store.take(INVITE_KIND, token)
