"""The narrow contract between the switchboard and the notification side.

The switchboard issues its own cookies; the notification side only delivers `RNG` (after the
invitee's presence and privacy allow it) and hands out creator cookies on `XFR SB`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from msnp.config import HostPort


@dataclass(frozen=True)
class Ring:
    """Everything an `RNG` line carries."""

    session_id: str  # decimal digits
    address: HostPort  # the switchboard the invitee connects to
    cookie: str  # the invitee's own ticket for `ANS`
    inviter: str  # canonical e-mail
    inviter_name: str  # decoded display name


class Ringer(Protocol):
    async def ring(self, invitee: str, ring: Ring) -> bool:
        """Send `RNG` to the invitee's notification session. False when the invitee is
        offline, appears offline (HDN), has not set an initial status, or does not allow
        the inviter (BL, or BLP=BL without AL): the switchboard then answers 217, so a block
        looks exactly like being offline."""
        ...
