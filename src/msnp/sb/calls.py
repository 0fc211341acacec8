"""`CAL trid invitee` -> `CAL trid RINGING session-id`, and its refusals (reference §1.6):
208 bad handle, 215 already there / ringing / yourself, 217 offline, invisible, unknown or
blocking (indistinguishable on purpose), 712 session full, 713 too many refused calls,
280 the invitation could not be routed."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from msnp.services.invitations import Ring
from msnp.wire.codec import Command, cmd, error
from msnp.wire.errors import ErrorCode, ProtocolError
from msnp.wire.names import is_valid_email, normalize_email

if TYPE_CHECKING:
    from msnp.sb.controller import SwitchboardController

log = logging.getLogger(__name__)


class RefusalLimiter:
    """Counts a connection's refused (217) CALs in a sliding window: a client that keeps
    calling people who are not there gets 713 instead of another presence lookup."""

    __slots__ = ("_clock", "_limit", "_times", "_window")

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._times: deque[float] = deque()

    def blocked(self) -> bool:
        horizon = self._clock() - self._window
        times = self._times
        while times and times[0] <= horizon:
            times.popleft()
        return len(times) >= self._limit

    def refused(self) -> None:
        self._times.append(self._clock())


async def handle_cal(conn: SwitchboardController, command: Command) -> None:
    trid = command.trid
    if trid is None or len(command.args) != 1:
        raise ProtocolError("malformed CAL")
    session, caller = conn.session, conn.participant
    assert session is not None and caller is not None  # only routed here when LIVE
    hub = conn.hub
    sink = conn.sink
    handle = command.args[0]
    if not is_valid_email(handle):
        sink.send(error(ErrorCode.INVALID_USERNAME, trid))
        return
    invitee = normalize_email(handle)
    if conn.calls.blocked():
        sink.send(error(ErrorCode.USER_TOO_ACTIVE, trid))
        return
    refusal = hub.rooms.check_invite(session, caller, invitee)
    if refusal is not None:
        sink.send(error(refusal, trid))
        return
    invitation = hub.rooms.reserve(session, invitee)
    try:
        cookie = await hub.tickets.issue_invite(invitee, session.id)
        invitation.cookie = cookie
        if session.closed:  # ended (timed out) while the cookie was being stored
            await hub.tickets.revoke_invite(cookie)
            return
        ring = Ring(session.id, hub.address(), cookie, caller.handle, caller.name)
        rang = await hub.ringer.ring(invitee, ring)
    except Exception:
        log.exception("CAL %s -> %s in session %s failed", caller.handle, invitee, session.id)
        hub.rooms.cancel(session, invitee, invitation)
        if invitation.cookie is not None:
            await hub.tickets.revoke_invite(invitation.cookie)
        sink.send(error(ErrorCode.SWITCHBOARD_FAILED, trid))
        return
    if not rang:
        hub.rooms.cancel(session, invitee, invitation)
        await hub.tickets.revoke_invite(cookie)
        conn.calls.refused()
        sink.send(error(ErrorCode.NOT_ONLINE, trid))
        return
    sink.send(cmd("CAL", trid, "RINGING", session.id))
