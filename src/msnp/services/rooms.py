"""Switchboard sessions ("rooms"): who is in which session, who is being rung, and when a
session ends. Protocol-neutral: participants are reached through an `Endpoint`, and the
switchboard controllers decide what lines to write.

Life of a session: created by the creator's USR; grows by CAL (a pending invitation) and ANS
(a join); shrinks by leaves; destroyed when the last participant leaves, which invalidates
every invitation still outstanding. A session with no traffic for `idle_timeout` seconds is
ended by the server (see `Rooms.on_expire`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from msnp.services.sb_tickets import SwitchboardTickets
from msnp.wire.dialects import Dialect
from msnp.wire.errors import ErrorCode
from msnp.wire.names import url_quote

log = logging.getLogger(__name__)


class Endpoint(Protocol):
    """Where a participant's lines go (structurally, `msnp.net.connection.Sink`)."""

    @property
    def closed(self) -> bool: ...

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(eq=False, slots=True)
class Participant:
    handle: str  # canonical e-mail
    name: str  # decoded display name, fixed at join time
    dialect: Dialect
    endpoint: Endpoint
    encoded_name: str = field(init=False)
    # `MSG handle name ` precomputed: every relayed message from this participant starts so.
    msg_prefix: bytes = field(init=False)
    # The other participants of the session, kept by Session on every join and leave so a
    # relay needs no per-message list.
    peers: tuple[Participant, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self.encoded_name = url_quote(self.name)
        self.msg_prefix = f"MSG {self.handle} {self.encoded_name} ".encode()


@dataclass(slots=True)
class Invitation:
    cookie: str | None  # None while the cookie is being issued
    expires: float


class Session:
    __slots__ = ("closed", "id", "last_activity", "participants", "pending", "timer")

    def __init__(self, session_id: str, now: float) -> None:
        self.id = session_id
        # Insertion order is join order: IRO lists participants in it.
        self.participants: dict[str, Participant] = {}
        self.pending: dict[str, Invitation] = {}
        self.last_activity = now
        self.closed = False
        self.timer: asyncio.TimerHandle | None = None

    def add(self, participant: Participant) -> None:
        self.participants[participant.handle] = participant
        self._update_peers()

    def remove(self, participant: Participant) -> bool:
        if self.participants.get(participant.handle) is not participant:
            return False
        del self.participants[participant.handle]
        participant.peers = ()
        self._update_peers()
        return True

    def clear(self) -> list[Participant]:
        members = list(self.participants.values())
        self.participants.clear()
        for member in members:
            member.peers = ()
        return members

    def _update_peers(self) -> None:
        members = tuple(self.participants.values())
        for member in members:
            member.peers = tuple(p for p in members if p is not member)

    def live_pending(self, now: float) -> int:
        return sum(1 for inv in self.pending.values() if inv.expires > now)


#: Called when a session times out, with the participants it had (in join order). They have
#: already been removed; the callee tells them and closes their connections.
ExpireHandler = Callable[[Session, list[Participant]], None]


class Rooms:
    """All sessions of one switchboard node."""

    def __init__(
        self,
        tickets: SwitchboardTickets,
        *,
        max_participants: int,
        idle_timeout: float,
        invite_lifetime: float,
        on_expire: ExpireHandler | None = None,
        clock: Callable[[], float] = time.monotonic,
        node: int = 0,
        nodes: int = 1,
    ) -> None:
        if not 0 <= node < nodes:
            raise ValueError(f"node {node} of {nodes}")
        self._node = node  # this switchboard process, of `nodes`: session id % nodes == node
        self._nodes = nodes
        self._tickets = tickets
        self.max_participants = max_participants
        self.idle_timeout = idle_timeout
        self.invite_lifetime = invite_lifetime
        self.on_expire = on_expire
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._background: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def _new_id(self) -> str:
        # Decimal, below 2**31: Microsoft's ids were decimal and a client might parse them.
        # With several switchboard processes, id % nodes names the one that holds it.
        nodes = self._nodes
        while True:
            base = 10_000_000 + secrets.randbelow((2**31 - 10_000_000) // nodes) * nodes
            candidate = str(base + (self._node - base) % nodes)
            if candidate not in self._sessions:
                return candidate

    # ---- membership ------------------------------------------------------------------
    def create(self, creator: Participant) -> Session:
        now = self._clock()
        session = Session(self._new_id(), now)
        session.add(creator)
        self._sessions[session.id] = session
        self._arm(session, self.idle_timeout)
        return session

    def check_invite(self, session: Session, caller: Participant, invitee: str) -> ErrorCode | None:
        """Why `caller` may not ring `invitee` now (215 or 712), or None."""
        now = self._clock()
        if invitee == caller.handle or invitee in session.participants:
            return ErrorCode.ALREADY_THERE
        invitation = session.pending.get(invitee)
        if invitation is not None:
            if invitation.expires > now:
                return ErrorCode.ALREADY_THERE
            del session.pending[invitee]
        # Outstanding invitations count: each may still turn into a participant.
        if len(session.participants) + session.live_pending(now) >= self.max_participants:
            return ErrorCode.SESSION_OVERLOAD
        return None

    def reserve(self, session: Session, invitee: str) -> Invitation:
        """Record a pending invitation before its cookie exists, so a second CAL for the
        same person meanwhile gets 215."""
        invitation = Invitation(None, self._clock() + self.invite_lifetime)
        session.pending[invitee] = invitation
        return invitation

    def cancel(self, session: Session, invitee: str, invitation: Invitation) -> None:
        if session.pending.get(invitee) is invitation:
            del session.pending[invitee]

    def is_full(self, session: Session) -> bool:
        return len(session.participants) >= self.max_participants

    def join(self, session: Session, participant: Participant) -> None:
        session.pending.pop(participant.handle, None)
        session.add(participant)
        session.last_activity = self._clock()

    def touch(self, session: Session) -> None:
        session.last_activity = self._clock()

    async def leave(self, session: Session, participant: Participant) -> list[Participant]:
        """Remove a participant; returns who remains (to be told `BYE`). A no-op if the
        participant is no longer in the session (the server removed them already)."""
        if not session.remove(participant):
            return []
        remaining = list(session.participants.values())
        if not remaining:
            await self._destroy(session)
        return remaining

    # ---- ending ----------------------------------------------------------------------
    async def _destroy(self, session: Session) -> None:
        if session.closed:
            return
        session.closed = True
        self._sessions.pop(session.id, None)
        if session.timer is not None:
            session.timer.cancel()
            session.timer = None
        cookies = [inv.cookie for inv in session.pending.values() if inv.cookie is not None]
        session.pending.clear()
        for cookie in cookies:
            await self._tickets.revoke_invite(cookie)

    def _arm(self, session: Session, delay: float) -> None:
        loop = asyncio.get_running_loop()
        session.timer = loop.call_later(delay, self._check_idle, session)

    def _check_idle(self, session: Session) -> None:
        # One timer per session, re-armed lazily: traffic only updates a timestamp.
        session.timer = None
        if session.closed:
            return
        silent = self._clock() - session.last_activity
        if silent < self.idle_timeout:
            self._arm(session, self.idle_timeout - silent)
            return
        log.info("switchboard session %s idle for %.0f s: closing", session.id, silent)
        members = session.clear()
        if self.on_expire is not None:
            self.on_expire(session, members)
        self._spawn(self._destroy(session))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Destroy every session (server shutdown). Connections are the caller's business."""
        for session in list(self._sessions.values()):
            session.clear()
            await self._destroy(session)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
