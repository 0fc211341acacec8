"""CHG (status, capabilities, MSNObject), initial presence, and sign-out (§4.20-4.23)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msnp.ns import lines
from msnp.ns.challenge import schedule_challenge
from msnp.ns.context import Disconnect
from msnp.services.models import ServiceError
from msnp.services.privacy import STATUSES
from msnp.wire.codec import Command
from msnp.wire.errors import ErrorCode
from msnp.wire.msnobject import InvalidMSNObject, MSNObject

if TYPE_CHECKING:
    from msnp.ns.session import NotificationSession

MAX_CAPABILITIES = 0xFFFFFFFF


def chg(s: NotificationSession, c: Command) -> None:
    user = s.user
    assert user is not None and s.dialect is not None
    if not c.args:
        raise Disconnect
    status = c.args[0]
    if status == "FLN":
        raise ServiceError(ErrorCode.INVALID_PARAMETER, "clients may not set FLN")
    if status not in STATUSES:
        raise Disconnect  # unknown or lower-case status: the real service disconnected
    capabilities: int | None = None
    if len(c.args) >= 2:
        if not c.args[1].isdigit() or int(c.args[1]) > MAX_CAPABILITIES:
            raise ServiceError(ErrorCode.INVALID_PARAMETER, "bad capabilities")
        capabilities = int(c.args[1])
    msnobject: str | None = None
    if len(c.args) >= 3 and s.dialect.msnobject and c.args[2] != "0":
        try:
            MSNObject.from_wire(c.args[2])
        except InvalidMSNObject:
            raise ServiceError(ErrorCode.INVALID_PARAMETER, "bad MSNObject") from None
        msnobject = c.args[2]  # relayed byte for byte, never re-serialised

    first = user.status is None
    was_visible = user.visible
    user.status = status
    user.capabilities = capabilities
    user.msnobject = msnobject

    echo = [status]
    if capabilities is not None or s.dialect.chg_echo_default_caps:
        echo.append(str(capabilities or 0))
        if msnobject:
            echo.append(msnobject)
    reply = [f"CHG {c.trid} {' '.join(echo)}\r\n".encode()]
    presence = s.ctx.presence
    if first:  # the initial presence of every visible contact follows, in the same write
        trid = c.trid or 0
        reply.extend(lines.iln(trid, contact, s.dialect)
                     for contact in presence.visible_contacts(user))
        schedule_challenge(s)
    s.send(b"".join(reply))
    if user.visible or was_visible:
        lines.send_presence(user, presence.watchers(user))


def announce_offline(s: NotificationSession) -> None:
    """The session is gone (OUT, closed socket, timeout, OUT OTH): FLN to its watchers."""
    user = s.user
    if user is None:
        return
    watchers = s.ctx.presence.sign_out(user)
    line = lines.fln(user.email)
    for watcher in watchers:
        watcher.session.send(line)
    s.user = None
