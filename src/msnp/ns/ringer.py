"""The notification side of switchboard invitations: RNG delivery and who-is-who lookups,
both answered from the presence state of this node."""

from __future__ import annotations

from msnp.services.invitations import Ring
from msnp.services.presence import PresenceService
from msnp.wire.names import url_quote


class PresenceRinger:
    """Implements the switchboard's `Ringer` and `UserDirectory` protocols."""

    def __init__(self, presence: PresenceService) -> None:
        self._presence = presence

    async def ring(self, invitee: str, ring: Ring) -> bool:
        target = self._presence.can_invite(ring.inviter, invitee)
        if target is None:
            return False  # offline, hidden, IMS OFF or blocking: all look the same
        target.session.send(
            f"RNG {ring.session_id} {ring.address} CKI {ring.cookie} {ring.inviter} "
            f"{url_quote(ring.inviter_name)}\r\n".encode()
        )
        return True

    async def describe(self, email: str) -> tuple[str, str] | None:
        user = self._presence.get(email)
        if user is None:
            return None
        return user.display_name, user.dialect.name
