"""What the switchboard asks the notification side about an invitee who answers."""

from __future__ import annotations

from typing import NamedTuple, Protocol


class UserInfo(NamedTuple):
    display_name: str  # decoded (not URL-encoded)
    dialect: str  # "MSNP8" or "MSNP9": the protocol the user's client negotiated on the NS


class UserDirectory(Protocol):
    async def describe(self, email: str) -> tuple[str, str] | None:
        """`(display_name, dialect_name)` (a `UserInfo` will do): the current display name
        and dialect of a signed-in user (`email` canonical),
        or None when the user is not signed in (their `ANS` then fails with 911).

        The creator's name and dialect travel in the `XFR SB` cookie instead; an invitee's
        are looked up here when they answer, so a name changed since the `RNG` is current."""
        ...
