"""Leaving: `OUT` (or a client's non-standard `BYE`, or a closed socket) is a leave, told to
the others as `BYE handle`; a session that times out tells everyone `BYE handle 1`
(reference §1.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msnp.sb.hub import Hub
from msnp.services.rooms import Participant, Session
from msnp.wire.codec import Command, cmd

if TYPE_CHECKING:
    from msnp.sb.controller import SwitchboardController


async def handle_out(conn: SwitchboardController, command: Command) -> None:
    # Nothing is sent back; the BYE to the others goes out from on_disconnect, which every
    # way of leaving passes through.
    conn.sink.close()


async def leave(hub: Hub, session: Session, participant: Participant) -> None:
    remaining = await hub.rooms.leave(session, participant)
    if remaining:
        bye = cmd("BYE", None, participant.handle)
        for other in remaining:
            other.endpoint.send(bye)


def expire(session: Session, members: list[Participant]) -> None:
    """A session timed out: each participant hears that the server removed everyone else
    (`BYE handle 1`), then is disconnected. Someone alone is disconnected silently."""
    for member in members:
        lines = [cmd("BYE", None, other.handle, 1) for other in members if other is not member]
        if lines:
            member.endpoint.send(b"".join(lines))
        member.endpoint.close()
