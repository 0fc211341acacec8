"""Who may see whom (reference §5). Pure functions over list membership, no I/O."""

from __future__ import annotations

from collections.abc import Mapping

from msnp.services.models import ListBits

#: Statuses a client may set with CHG. HDN looks offline to everyone.
STATUSES = frozenset({"NLN", "BSY", "IDL", "BRB", "AWY", "PHN", "LUN", "HDN"})
#: Statuses shown to watchers (everything but HDN).
VISIBLE_STATUSES = STATUSES - {"HDN"}


def allows(owner_blp: str, owner_lists: Mapping[str, ListBits], other: str) -> bool:
    """Does the owner let `other` see their presence and invite them?

    BL membership always wins, AL membership always allows, otherwise BLP decides:
    AL = allow everyone not blocked, BL = allow only the allow list.
    """
    return allows_bits(owner_blp, owner_lists.get(other, ListBits.NONE))


_AL, _BL = int(ListBits.AL), int(ListBits.BL)  # plain ints: IntFlag operators run in Python


def allows_bits(owner_blp: str, bits: int) -> bool:
    """`allows` for one entry: `bits` is the owner's list membership of the other user."""
    bits = int(bits)
    if bits & _BL:
        return False
    if bits & _AL:
        return True
    return owner_blp == "AL"


def is_visible(status: str | None) -> bool:
    """A status watchers see as online. None: the user has not sent its first CHG yet."""
    return status is not None and status in VISIBLE_STATUSES
