"""Who is online on this node, what they show, and who may see it.

The service answers "who must be told" and keeps each online user's lists cached (loaded at
login, updated with every committed change), so presence fan-out never touches the database.
It knows nothing of the wire: the notification layer formats and sends the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from msnp.services.models import ListBits, ListSnapshot
from msnp.services.privacy import allows, is_visible
from msnp.wire.dialects import Dialect

_RL, _AL, _BL = int(ListBits.RL), int(ListBits.AL), int(ListBits.BL)


class PresenceSink(Protocol):
    """The notification session of an online user, as the presence service sees it."""

    def send(self, data: bytes) -> None: ...

    def kick(self, reason: str) -> None:
        """Send `OUT reason` and close (OTH: signed in elsewhere, SSD: shutdown)."""


@dataclass(eq=False)
class OnlineUser:
    email: str
    display_name: str
    dialect: Dialect
    session: PresenceSink
    member_id: int = 0  # Passport member id, for alerts (NOT `TO pid`)
    lists: dict[str, ListBits] = field(default_factory=dict)
    blp: str = "AL"
    status: str | None = None  # None until the first CHG
    capabilities: int | None = None  # None: the client never sent any
    msnobject: str | None = None  # URL-encoded token exactly as the client sent it
    accepts_invitations: bool = True  # IMS ON/OFF
    list_version: int = 0  # kept current with every committed change, for async BPR lines

    @property
    def visible(self) -> bool:
        return is_visible(self.status)

    def allows(self, other: str) -> bool:
        return allows(self.blp, self.lists, other)

    def shown_to(self, watcher: str) -> bool:
        """Does `watcher` currently see this user online?"""
        return (
            self.visible
            and bool(self.lists.get(watcher, ListBits.NONE) & ListBits.RL)
            and self.allows(watcher)
        )


@dataclass(frozen=True)
class VisibilityChange:
    """A watcher whose view of the owner flipped after a list or BLP change."""

    watcher: OnlineUser
    now_visible: bool  # True: send NLN, False: send FLN


class PresenceService:
    def __init__(self) -> None:
        self._online: dict[str, OnlineUser] = {}

    # ---- sessions ------------------------------------------------------------------------
    def get(self, email: str) -> OnlineUser | None:
        return self._online.get(email)

    def __len__(self) -> int:
        return len(self._online)

    def users(self) -> list[OnlineUser]:
        return list(self._online.values())

    def sign_in(self, user: OnlineUser, snapshot: ListSnapshot) -> None:
        """Register a freshly authenticated user (the caller has already signed out, and
        told OUT OTH, any older session of the same account)."""
        user.lists = {c.email: c.lists for c in snapshot.contacts}
        user.blp = snapshot.account.blp
        user.list_version = snapshot.account.list_version
        self._online[user.email] = user

    def sign_out(self, user: OnlineUser) -> list[OnlineUser]:
        """Forget the user; returns the watchers that must get `FLN`. A session that was
        already replaced (OUT OTH) changes nothing: its successor owns the presence."""
        if self._online.get(user.email) is not user:
            return []
        watchers = self.watchers(user) if user.visible else []
        del self._online[user.email]
        user.status = None
        return watchers

    # ---- who sees whom -------------------------------------------------------------------
    def watchers(self, user: OnlineUser) -> list[OnlineUser]:
        """Online users who have `user` on their FL, are allowed by `user`, and have sent
        their first CHG (before that they get ILN instead).

        This is the presence fan-out's hot loop (every CHG of a user with 1,000 contacts
        walks 1,000 entries), so it tests plain ints: IntFlag's `&` builds a new enum member
        per call and made this loop about ten times slower."""
        online = self._online
        # Allowed: on AL, or (BLP AL) not on BL. Wanted: RL, allowed, not BL.
        need = _RL if user.blp == "AL" else _RL | _AL
        result = []
        for email, bits in user.lists.items():
            b = int(bits)
            if b & need != need or b & _BL:
                continue
            watcher = online.get(email)
            if watcher is not None and watcher.status is not None:
                result.append(watcher)
        return result

    def visible_contacts(self, user: OnlineUser) -> list[OnlineUser]:
        """FL contacts that are online, not hidden, and allow `user`: one ILN each."""
        online = self._online
        result = []
        for email, bits in user.lists.items():
            if not bits & ListBits.FL:
                continue
            contact = online.get(email)
            if contact is not None and contact.shown_to(user.email):
                result.append(contact)
        return result

    def can_invite(self, inviter: str, invitee: str) -> OnlineUser | None:
        """The invitee's session if `inviter` may ring them, else None (looks offline)."""
        target = self._online.get(invitee)
        if target is None or not target.visible or not target.accepts_invitations:
            return None
        if not target.allows(inviter):
            return None
        return target

    # ---- cache maintenance after committed changes ----------------------------------------
    def _watcher_views(self, owner: OnlineUser, emails: Iterable[str]) -> dict[str, bool]:
        return {email: owner.shown_to(email) for email in emails}

    def _diff(self, owner: OnlineUser, before: dict[str, bool]) -> list[VisibilityChange]:
        changes = []
        for email, was_visible in before.items():
            watcher = self._online.get(email)
            if watcher is None or watcher.status is None:
                continue
            now = owner.shown_to(email)
            if now != was_visible:
                changes.append(VisibilityChange(watcher, now))
        return changes

    def set_membership(
        self, owner: OnlineUser, contact: str, bits: ListBits
    ) -> list[VisibilityChange]:
        """The owner's lists now hold `bits` for `contact`. Returns the watcher whose view of
        the owner flipped (newly blocked: FLN, newly allowed: NLN)."""
        before = self._watcher_views(owner, (contact,))
        if bits:
            owner.lists[contact] = bits
        else:
            owner.lists.pop(contact, None)
        return self._diff(owner, before)

    def set_blp(self, owner: OnlineUser, blp: str) -> list[VisibilityChange]:
        reverse = [e for e, b in owner.lists.items() if b & ListBits.RL]
        before = self._watcher_views(owner, reverse)
        owner.blp = blp
        return self._diff(owner, before)

    def forget_account(self, email: str, versions: Mapping[str, int]) -> OnlineUser | None:
        """`email` was deleted, and with it every entry for it (`versions`: each affected
        owner's new list version). Online owners' caches follow, so their next SYN is not
        told "up to date". Returns the deleted user's session if online, to be signed out."""
        for owner, version in versions.items():
            user = self._online.get(owner)
            if user is not None:
                user.lists.pop(email, None)
                user.list_version = version
        return self._online.get(email)

    def set_reverse(self, owner: str, member: str, present: bool) -> OnlineUser | None:
        """`member` added (or removed) `owner` to their FL: keep the owner's cached RL true.
        Returns the owner's session if online."""
        user = self._online.get(owner)
        if user is None:
            return None
        bits = user.lists.get(member, ListBits.NONE)
        bits = bits | ListBits.RL if present else bits & ~ListBits.RL
        if bits:
            user.lists[member] = bits
        else:
            user.lists.pop(member, None)
        return user
