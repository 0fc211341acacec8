"""Getting in: `USR` (the creator, with the XFR SB cookie) and `ANS` (an invitee, with the
RNG cookie). Bad cookie or handle: 911 and close (reference §1.4, §1.5)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from msnp.services.rooms import Participant
from msnp.wire.codec import Command, cmd, error
from msnp.wire.dialects import BY_NAME
from msnp.wire.errors import ErrorCode, ProtocolError
from msnp.wire.names import normalize_email

if TYPE_CHECKING:
    from msnp.sb.controller import SwitchboardController

log = logging.getLogger(__name__)


async def handle_usr(conn: SwitchboardController, command: Command) -> None:
    """`USR trid email cookie` -> `USR trid OK email name`."""
    trid = command.trid
    if trid is None or len(command.args) != 2:
        raise ProtocolError("malformed USR")
    email, cookie = command.args
    ticket = await conn.hub.tickets.redeem_creator(cookie)
    if ticket is None or normalize_email(email) != ticket.email:
        conn.fail(error(ErrorCode.AUTHENTICATION_FAILED, trid))
        return
    participant = Participant(ticket.email, ticket.display_name, BY_NAME[ticket.dialect],
                              conn.sink)
    session = conn.hub.rooms.create(participant)
    conn.go_live(session, participant)
    conn.sink.send(cmd("USR", trid, "OK", participant.handle, participant.encoded_name))


async def handle_ans(conn: SwitchboardController, command: Command) -> None:
    """`ANS trid email cookie session-id` -> `IRO trid i n handle name` for each participant
    present, `ANS trid OK`; then `JOI handle name` to those participants."""
    trid = command.trid
    if trid is None or len(command.args) != 3:
        raise ProtocolError("malformed ANS")
    email, cookie, session_id = command.args
    hub = conn.hub
    ticket = await hub.tickets.redeem_invite(cookie)
    if ticket is None or normalize_email(email) != ticket.email:
        conn.fail(error(ErrorCode.AUTHENTICATION_FAILED, trid))
        return
    if ticket.session_id != session_id:
        raise ProtocolError("ANS for another session")  # Escargot: a silent close
    info = await hub.directory.describe(ticket.email)
    if info is None:
        conn.fail(error(ErrorCode.AUTHENTICATION_FAILED, trid))
        return
    name, dialect_name = info
    dialect = BY_NAME.get(dialect_name)
    if dialect is None:
        log.error("directory gave %s the unknown dialect %r", ticket.email, dialect_name)
        conn.fail(error(ErrorCode.INTERNAL_SERVER_ERROR, trid))
        return
    # Looked up after the awaits: the session may have ended meanwhile.
    session = hub.rooms.get(session_id)
    if session is None:
        raise ProtocolError("ANS for a session that has ended")
    if ticket.email in session.participants:
        raise ProtocolError("ANS by a participant already in the session")
    if hub.rooms.is_full(session):
        conn.fail(error(ErrorCode.SESSION_OVERLOAD, trid))
        return
    joiner = Participant(ticket.email, name, dialect, conn.sink)
    present = list(session.participants.values())
    total = len(present)
    lines = [
        cmd("IRO", trid, index, total, p.handle, p.encoded_name)
        for index, p in enumerate(present, 1)
    ]
    lines.append(cmd("ANS", trid, "OK"))
    conn.sink.send(b"".join(lines))
    # Joined in the same step as the JOIs go out: whatever the others send after seeing JOI
    # reaches the joiner.
    hub.rooms.join(session, joiner)
    conn.go_live(session, joiner)
    joi = cmd("JOI", None, joiner.handle, joiner.encoded_name)
    for participant in present:
        participant.endpoint.send(joi)
