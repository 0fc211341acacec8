"""A chat: one switchboard connection (§1 of the switchboard reference).

Created by `Client.start_chat()` (XFR SB -> USR -> CAL) or `Client.accept()` (RNG -> ANS).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from msnp.client.connection import Connection
from msnp.client.errors import ClientError, ConnectionClosed, DeliveryFailed, RequestTimeout
from msnp.client.events import (
    ChatClosed,
    EventHub,
    MessageNotDelivered,
    MessageReceived,
    ParticipantJoined,
    ParticipantLeft,
    TextReceived,
    TypingReceived,
)
from msnp.client.message import DEFAULT_FORMAT, Message, check_size
from msnp.client.names import decode_name
from msnp.wire.codec import Command

if TYPE_CHECKING:
    from msnp.client.notification import Client

log = logging.getLogger(__name__)

#: Ack types (§1.9). The caller waits for the reply only where one always comes.
ACK_TYPES = frozenset({"U", "N", "A", "D", "S"})
WAITS_FOR_REPLY = frozenset({"A", "D"})


class Chat:
    """A conversation. `participants` maps each other person's e-mail to their name."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._conn: Connection | None = None
        self.session_id: str | None = None
        self.participants: dict[str, str] = {}
        self.events = EventHub(parent=client.events)
        self.closed = False
        self._changed = asyncio.Event()

    def __repr__(self) -> str:
        who = ",".join(self.participants) or "-"
        return f"<Chat {self.session_id or '?'} with {who}{' closed' if self.closed else ''}>"

    # ---- opening ------------------------------------------------------------------------
    async def _connect(self, host: str, port: int) -> Connection:
        conn = await Connection.open(
            host,
            port,
            handler=self._on_command,
            timeout=self._client.config.timeout,
            label="switchboard",
        )
        self._conn = conn
        conn.on_close(self._on_closed)
        return conn

    async def _start(self, host: str, port: int, cookie: str) -> None:
        """Authenticate as the creator (`USR trid email cookie`)."""
        conn = await self._connect(host, port)
        await conn.request("USR", self._client.email, cookie)

    async def _answer(self, host: str, port: int, cookie: str, session_id: str) -> None:
        """Join as an invitee: IRO lines name who is there, then `ANS trid OK`."""
        conn = await self._connect(host, port)
        self.session_id = session_id
        await conn.request("ANS", self._client.email, cookie, session_id)

    # ---- membership ---------------------------------------------------------------------
    async def invite(self, email: str, *, wait: bool = True, timeout: float | None = None) -> None:
        """CAL someone; with `wait`, return once they have joined. Raises ServerError 217
        when they are offline or refuse us, 215 when already here or ringing."""
        reply = await self._connection.request("CAL", email)
        if reply.arg(0) == "RINGING" and reply.arg(1):
            self.session_id = reply.arg(1)
        if wait:
            await self.wait_for_participants(email, timeout=timeout)

    async def wait_for_participants(self, *emails: str, timeout: float | None = None) -> None:
        """Return when everyone named is in the chat."""
        wanted = {e.lower() for e in emails}
        limit = self._client.config.join_timeout if timeout is None else timeout
        try:
            async with asyncio.timeout(limit):
                while not wanted <= {p.lower() for p in self.participants}:
                    if self.closed:
                        raise ConnectionClosed("the chat closed before everyone joined")
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            missing = sorted(wanted - {p.lower() for p in self.participants})
            raise RequestTimeout(f"{', '.join(missing)} did not join within {limit:g} s") from None

    # ---- sending ------------------------------------------------------------------------
    async def send_text(
        self, text: str, *, ack: str = "A", format: str | None = DEFAULT_FORMAT
    ) -> int:
        """Send a chat line (`text/plain; charset=UTF-8`). With ack A this returns once the
        switchboard confirmed delivery (DeliveryFailed on NAK); with N it returns at once
        and a later NAK arrives as `MessageNotDelivered`. Returns the trid."""
        if ack not in ("A", "N"):
            raise ValueError("text messages use ack A or N")
        return await self.send_message(Message.text(text, format), ack=ack)

    async def send_typing(self) -> None:
        """Tell the others we are typing (`text/x-msmsgscontrol`, ack U, never answered)."""
        await self.send_message(Message.typing(self._client.email), ack="U")

    async def send_message(self, message: Message | bytes, *, ack: str = "N") -> int:
        """Send any payload. Ack A and D wait for ACK (NAK -> DeliveryFailed, 282 ->
        ServerError); U, N and S return at once. Returns the trid."""
        if ack not in ACK_TYPES:
            raise ValueError(f"ack type must be one of {', '.join(sorted(ACK_TYPES))}")
        dialect = self._client.dialect
        if ack == "D" and dialect is not None and not dialect.data_ack:
            raise ValueError(f"ack type D does not exist in {dialect.name}")
        payload = message.to_bytes() if isinstance(message, Message) else message
        check_size(payload)
        conn = self._connection
        if ack in WAITS_FOR_REPLY:
            reply = await conn.request("MSG", ack, payload=payload, expect=("ACK", "NAK"))
            if reply.name == "NAK":
                raise DeliveryFailed("the message was not delivered (NAK)")
            assert reply.trid is not None
            return reply.trid
        trid = conn.send_new("MSG", ack, payload=payload)
        await conn.drain()
        return trid

    async def leave(self) -> None:
        """Leave the chat (`OUT`) and close the connection."""
        conn = self._conn
        if conn is None or conn.closed:
            return
        try:
            conn.send(Command("OUT"))
            await conn.drain()
        except ClientError:
            pass
        await conn.close()

    # ---- receiving ----------------------------------------------------------------------
    @property
    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            raise ConnectionClosed("the chat is closed")
        return self._conn

    def _on_command(self, command: Command, is_reply: bool) -> None:
        name = command.name
        if name == "IRO" and len(command.args) >= 4:
            # IRO trid index total email name
            self._join(command.args[2], decode_name(command.args[3]), announce=False)
        elif name == "JOI" and command.args:
            self._join(command.args[0], decode_name(command.arg(1, command.args[0]) or ""))
        elif name == "BYE" and command.args:
            email = command.args[0]
            for known in list(self.participants):
                if known.lower() == email.lower():
                    del self.participants[known]
            self._changed.set()
            self.events.emit(ParticipantLeft(self, email, command.arg(1) == "1"))
        elif name == "MSG" and command.payload is not None and len(command.args) >= 2:
            self._on_message(command.args[0], decode_name(command.args[1]), command.payload)
        elif name == "NAK" and not is_reply and command.trid is not None:
            self.events.emit(MessageNotDelivered(self, command.trid))
        elif name == "CAL" and command.arg(0) == "RINGING" and command.arg(1):
            self.session_id = command.arg(1)
        elif not is_reply and name not in ("ACK", "USR", "ANS"):
            log.debug("switchboard: ignoring %s", command)

    def _join(self, email: str, name: str, announce: bool = True) -> None:
        self.participants[email] = name
        self._changed.set()
        if announce:
            self.events.emit(ParticipantJoined(self, email, name))

    def _on_message(self, sender: str, sender_name: str, payload: bytes) -> None:
        message = Message.parse(payload)
        if message.is_text:
            self.events.emit(TextReceived(self, sender, sender_name, message.text_body, message))
        elif message.is_typing:
            self.events.emit(TypingReceived(self, message.header("TypingUser") or sender))
        else:
            self.events.emit(MessageReceived(self, sender, sender_name, message))

    def _on_closed(self, error: ConnectionClosed) -> None:
        self.closed = True
        self._changed.set()
        self._client._chat_closed(self)
        self.events.emit(ChatClosed(self))
        self.events.close()
