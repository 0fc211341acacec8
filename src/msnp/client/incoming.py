"""What the notification server sends on its own (presence, reverse-list notices, BPR,
challenges, invitations, alerts) and what list replies change: applied to the client's
model and turned into events. `Client` inherits these handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine

from msnp.client.challenge import challenge_response
from msnp.client.config import ClientConfig, parse_address
from msnp.client.connection import Connection
from msnp.client.contacts import ContactList, save_cache
from msnp.client.errors import ClientError
from msnp.client.events import (
    AddedBy,
    ContactOffline,
    ContactPropertyChanged,
    EventHub,
    Invitation,
    Notification,
    PresenceChanged,
    RemovedBy,
    ServerMessage,
    StatusForced,
)
from msnp.client.message import Message
from msnp.client.names import decode_name
from msnp.client.status import Status
from msnp.client.sync import SyncCollector
from msnp.services.models import Group, ListBits
from msnp.wire.codec import Command
from msnp.wire.dialects import Dialect

log = logging.getLogger("msnp.client")

MIN_PING_INTERVAL = 1.0
_LIST_REPLIES = frozenset({"ADD", "REM", "ADG", "RMG", "REG", "REA", "BLP", "GTC", "PRP"})


def to_int(token: str | None, default: int = 0) -> int:
    return int(token) if token is not None and token.isdigit() else default


class IncomingHandlers:
    """Mixin for `Client`: the state below is set up by `Client.__init__`."""

    email: str
    config: ClientConfig
    events: EventHub
    contacts: ContactList
    dialect: Dialect | None
    display_name: str
    status: str
    capabilities: int | None
    msnobject: str | None
    profile: Message | None
    _sync: SyncCollector | None
    _bpr_target: str | None
    _ping_interval: float
    _ping_reset: asyncio.Event
    _out_reason: str | None
    _tasks: set[asyncio.Task[None]]

    @property
    def _ns_conn(self) -> Connection:
        raise NotImplementedError  # Client: the signed-in notification connection

    def _on_command(self, command: Command, is_reply: bool) -> None:
        name = command.name
        sync = self._sync
        if sync is not None and command.trid is None and sync.feed(command):
            self._bpr_target = sync.last_contact
            return
        if is_reply:
            if name == "SYN":
                self._begin_sync(command)
            elif name == "CHG" and command.args:
                # Applied here, not after the await: a `CHG 0` may follow right behind.
                self.status = command.args[0]
                self.capabilities = to_int(command.args[1]) if len(command.args) >= 2 else None
                self.msnobject = command.arg(2)
            elif name in _LIST_REPLIES:
                self._apply_list_reply(command)
            return
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, command)
        elif not command.is_error:
            log.debug("notification server: ignoring %s", command)

    def _apply_list_reply(self, command: Command) -> None:
        args = command.args
        lists = self.contacts
        name = command.name
        # Every list reply is "NAME trid version ..." except ADD/REM, "NAME trid LIST version ...".
        if name in ("ADD", "REM"):
            if len(args) < 3:
                return
            bits = ListBits.from_name(args[0]) if args[0] in ("FL", "AL", "BL", "RL") else None
            version = to_int(args[1], lists.version)
            if bits is None:
                return
            if name == "ADD" and len(args) >= 4:
                group = to_int(args[4]) if len(args) >= 5 else None
                lists.add(bits, args[2], decode_name(args[3]), group)
            elif name == "REM":
                group = to_int(args[3]) if len(args) >= 4 else None
                lists.remove(bits, args[2], group)
        else:
            if not args:
                return
            version = to_int(args[0], lists.version)
            rest = args[1:]
            if name == "ADG" and len(rest) >= 2:
                lists.groups[to_int(rest[1])] = Group(to_int(rest[1]), decode_name(rest[0]))
            elif name == "RMG" and rest:
                lists.remove_group(to_int(rest[0]))
            elif name == "REG" and len(rest) >= 2:
                lists.groups[to_int(rest[0])] = Group(to_int(rest[0]), decode_name(rest[1]))
            elif name == "REA" and len(rest) >= 2:
                if rest[0].lower() == self.email.lower():
                    self.display_name = decode_name(rest[1])
                else:
                    contact = lists.get(rest[0])
                    if contact is not None:
                        contact.stored_name = decode_name(rest[1])
            elif name == "BLP" and rest:
                lists.blp = rest[0]
            elif name == "GTC" and rest:
                lists.gtc = rest[0]
            elif name == "PRP" and rest:
                if len(rest) >= 2:
                    lists.properties[rest[0]] = decode_name(rest[1])
                else:
                    lists.properties.pop(rest[0], None)
        lists.version = version
        self._save_cache()

    def _on_presence(self, command: Command) -> None:
        # ILN trid status email name caps [msnobj] / NLN status email name caps [msnobj]
        args = command.args
        if len(args) < 3:
            return
        status, email, name = args[0], args[1], decode_name(args[2])
        caps = to_int(command.arg(3))
        msnobject = command.arg(4)
        contact = self.contacts.get(email)
        if contact is not None:
            contact.status = status
            contact.display_name = name
            contact.capabilities = caps
            contact.msnobject = msnobject
        self.events.emit(
            PresenceChanged(email, status, name, caps, msnobject, initial=command.name == "ILN")
        )

    def _on_offline(self, command: Command) -> None:
        if not command.args:
            return
        contact = self.contacts.get(command.args[0])
        if contact is not None:
            contact.status = Status.OFFLINE
        self.events.emit(ContactOffline(command.args[0]))

    def _on_reverse(self, command: Command) -> None:
        # ADD 0 RL version email name / REM 0 RL version email
        args = command.args
        if command.trid not in (0, None) or len(args) < 3 or args[0] != "RL":
            self._apply_list_reply(command)  # a late reply to a request that timed out
            return
        version, email = to_int(args[1]), args[2]
        if command.name == "ADD":
            name = decode_name(args[3]) if len(args) >= 4 else email
            self.contacts.add(ListBits.RL, email, name)
            event: AddedBy | RemovedBy = AddedBy(email, name, version)
        else:
            self.contacts.remove(ListBits.RL, email)
            event = RemovedBy(email, version)
        self.contacts.version = version
        self._save_cache()
        self.events.emit(event)

    def _on_bpr(self, command: Command) -> None:
        args = command.args
        if args and not args[0].isdigit():
            # In-SYN form (`BPR prop value`): belongs to the LST before it.
            contact = self.contacts.get(self._bpr_target or "")
            if contact is not None:
                if len(args) >= 2:
                    contact.properties[args[0]] = decode_name(args[1])
                else:
                    contact.properties.pop(args[0], None)
                self._save_cache()
            return
        if len(args) < 3:
            return
        version, email, prop = to_int(args[0]), args[1], args[2]
        value = decode_name(args[3]) if len(args) >= 4 else None
        contact = self.contacts.get(email)
        if contact is not None:
            if value is None:
                contact.properties.pop(prop, None)
            else:
                contact.properties[prop] = value
        self.contacts.version = version
        self._save_cache()
        self.events.emit(ContactPropertyChanged(email, prop, value, version))

    def _on_challenge(self, command: Command) -> None:
        challenge = command.arg(0)
        if challenge is not None:
            self._spawn(self._answer_challenge(challenge))

    async def _answer_challenge(self, challenge: str) -> None:
        digest = challenge_response(challenge, self.config.product_key).encode("ascii")
        try:
            await self._ns_conn.request("QRY", self.config.product_id, payload=digest)
        except ClientError as exc:
            log.warning("challenge answer refused: %s", exc)

    def _on_qng(self, command: Command) -> None:
        seconds = command.arg(0)
        if seconds is not None and seconds.isdigit() and self.dialect and self.dialect.qng_interval:
            self._ping_interval = max(MIN_PING_INTERVAL, float(seconds))
            self._ping_reset.set()

    def _on_out(self, command: Command) -> None:
        self._out_reason = command.arg(0) or self._out_reason or "OUT"

    def _on_ring(self, command: Command) -> None:
        # RNG session-id host:port CKI cookie inviter-email inviter-name
        args = command.args
        if len(args) < 5:
            return
        try:
            host, port = parse_address(args[1])
        except ValueError:
            log.warning("bad switchboard address in %s", command)
            return
        name = decode_name(args[5]) if len(args) >= 6 else args[4]
        self.events.emit(Invitation(args[0], host, port, args[3], args[4], name))

    def _on_message(self, command: Command) -> None:
        if command.payload is None:
            return
        message = Message.parse(command.payload)
        if self.profile is None and message.content_type == "text/x-msmsgsprofile":
            self.profile = message
        self.events.emit(ServerMessage(message))

    def _on_notification(self, command: Command) -> None:
        self.events.emit(Notification(command.name, command.payload or b""))

    def _on_chg(self, command: Command) -> None:
        if command.trid == 0 and command.args:
            self.status = command.args[0]
            self.events.emit(StatusForced(command.args[0]))

    def _begin_sync(self, reply: Command) -> None:
        if len(reply.args) >= 3:
            self._sync = SyncCollector(
                to_int(reply.args[0]), to_int(reply.args[1]), to_int(reply.args[2])
            )
            self._bpr_target = None

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _save_cache(self) -> None:
        path = self.config.cache_path
        if path is None or self._sync is not None:
            return
        try:
            save_cache(path, self.email, self.contacts)
        except OSError as exc:
            log.warning("cannot write the contact cache %s: %s", path, exc)



_HANDLERS = {
    "ILN": IncomingHandlers._on_presence,
    "NLN": IncomingHandlers._on_presence,
    "FLN": IncomingHandlers._on_offline,
    "ADD": IncomingHandlers._on_reverse,
    "REM": IncomingHandlers._on_reverse,
    "BPR": IncomingHandlers._on_bpr,
    "CHL": IncomingHandlers._on_challenge,
    "QNG": IncomingHandlers._on_qng,
    "OUT": IncomingHandlers._on_out,
    "RNG": IncomingHandlers._on_ring,
    "MSG": IncomingHandlers._on_message,
    "NOT": IncomingHandlers._on_notification,
    "IPG": IncomingHandlers._on_notification,
    "CHG": IncomingHandlers._on_chg,
}
