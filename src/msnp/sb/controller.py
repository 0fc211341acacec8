"""One switchboard connection: AWAIT_AUTH (only USR or ANS) -> LIVE (CAL, MSG, OUT).

Each command family lives in its own module (auth, calls, messages, leaving); this module only
routes. Anything a state does not expect is a protocol violation and closes the connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from msnp.net.connection import Sink
from msnp.sb import auth, calls, leaving, messages
from msnp.sb.hub import Hub
from msnp.sb.outbox import Outbox
from msnp.services.rooms import Participant, Session
from msnp.wire.codec import Command, Parser
from msnp.wire.errors import ProtocolError

Handler = Callable[["SwitchboardController", Command], Awaitable[None]]

_AUTH_HANDLERS: dict[str, Handler] = {"USR": auth.handle_usr, "ANS": auth.handle_ans}
_LIVE_HANDLERS: dict[str, Handler] = {
    "CAL": calls.handle_cal,
    "OUT": leaving.handle_out,
    # Not in the protocol, but some clients end a session with `BYE trid email`: a leave.
    "BYE": leaving.handle_out,
}


# A read shorter than this (about two chat messages) is cheaper to take message by message:
# `take_run` costs a few microseconds more per read and saves about one per message.
_RUN_MIN_BYTES = 400


class SwitchboardController:
    """Implements `msnp.net.connection.Controller`. `session` is None until USR/ANS succeeds."""

    __slots__ = ("calls", "hub", "participant", "session", "sink")

    def __init__(self, hub: Hub, sink: Sink) -> None:
        self.hub = hub
        self.sink = sink
        self.session: Session | None = None
        self.participant: Participant | None = None
        self.calls = calls.RefusalLimiter(hub.max_refusals, hub.refusal_window, hub.clock)
        hub.connections.add(self)

    def go_live(self, session: Session, participant: Participant) -> None:
        self.session = session
        self.participant = participant

    def fail(self, data: bytes) -> None:
        """Send a last line (an error) and close."""
        self.sink.send(data)
        self.sink.close()

    def take_messages(self, parser: Parser, data: bytes) -> None:
        """The hot path: plainly formed MSGs in a live session go straight from the read to
        the recipients; whatever is left is parsed as commands."""
        session = self.session
        if session is None:
            parser.append(data)
            return
        sender = self.participant
        assert sender is not None
        peers = sender.peers
        if len(peers) == 1 and len(data) >= _RUN_MIN_BYTES and not peers[0].endpoint.closed:
            # Two parties: a read of plain messages goes across in one piece.
            run = parser.take_run(data, sender.msg_prefix)
            if run is not None:
                if run.messages:
                    session.last_activity = self.hub.clock()
                    messages.deliver_run(self, peers[0], run)
                return
        taken = parser.take_msgs(data)
        if not taken:
            return
        session.last_activity = self.hub.clock()
        messages.deliver_all(self, session, taken)

    def handle_now(self, command: Command) -> Awaitable[None] | None:
        """The hot path: MSG in a live session is relayed without awaiting anything."""
        session = self.session
        if session is None or command.name != "MSG":
            return self.handle(command)
        session.last_activity = self.hub.clock()
        messages.handle_msg(self, session, command)
        return None

    async def handle(self, command: Command) -> None:
        session = self.session
        if session is None:
            auth_handler = _AUTH_HANDLERS.get(command.name)
            if auth_handler is None:
                raise ProtocolError(f"{command.name} before authentication")
            await auth_handler(self, command)
            return
        session.last_activity = self.hub.clock()
        if command.name == "MSG":  # the hot path: synchronous, no extra coroutine
            messages.handle_msg(self, session, command)
            return
        handler = _LIVE_HANDLERS.get(command.name)
        if handler is None:
            raise ProtocolError(f"unexpected {command.name} on the switchboard")
        await handler(self, command)

    async def on_disconnect(self) -> None:
        self.hub.connections.discard(self)
        if isinstance(self.sink, Outbox):
            self.sink.flush()  # before the transport closes under it
        session, participant = self.session, self.participant
        self.session = None
        if session is not None and participant is not None:
            await leaving.leave(self.hub, session, participant)

    def idle_timeout(self) -> float | None:
        # Once in a session, idleness is the session's business (Rooms), not the socket's.
        return self.hub.auth_timeout if self.session is None else None
