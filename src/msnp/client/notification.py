"""`Client`: one signed-in account on the notification server.

    client = Client("alice@example.com", "secret", ClientConfig(ca_file=Path("cert.pem")))
    await client.sign_in()                       # DS -> XFR -> NS, Passport, SYN, CHG NLN
    chat = await client.start_chat("bob@example.com")
    await chat.send_text("hello")
    await client.sign_out()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from types import TracebackType

from msnp.client.challenge import challenge_response
from msnp.client.config import ClientConfig, parse_address
from msnp.client.connection import Connection, TridCounter
from msnp.client.contacts import ContactList, load_cache, save_cache
from msnp.client.errors import (
    AuthenticationError,
    ClientError,
    ConnectionClosed,
    ServerError,
)
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
    SignedOut,
    StatusForced,
)
from msnp.client.message import Message
from msnp.client.names import decode_name
from msnp.client.passport import get_ticket
from msnp.client.status import Status
from msnp.client.switchboard import Chat
from msnp.client.sync import SyncCollector
from msnp.services.models import Group, ListBits
from msnp.wire.codec import Command
from msnp.wire.dialects import BY_NAME, Dialect
from msnp.wire.msnobject import MSNObject
from msnp.wire.names import url_quote

log = logging.getLogger(__name__)

MAX_REFERRALS = 3  # XFR NS hops followed during one sign-in
MIN_PING_INTERVAL = 1.0
#: Replies that change the contact list and carry its new version (ADD/REM after the list).
_LIST_REPLIES = frozenset({"ADD", "REM", "ADG", "RMG", "REG", "REA", "BLP", "GTC", "PRP"})


def _list_bits(name: str | ListBits) -> tuple[str, ListBits]:
    if isinstance(name, ListBits):
        name = name.name or ""
    if name not in ("FL", "AL", "BL"):
        raise ValueError(f"list must be FL, AL or BL, not {name!r}")
    return name, ListBits.from_name(name)


def _int(token: str | None, default: int = 0) -> int:
    return int(token) if token is not None and token.isdigit() else default


class Client:
    """An MSN Messenger account session. Events: `client.events` (an `EventHub`)."""

    def __init__(self, email: str, password: str, config: ClientConfig | None = None) -> None:
        self.email = email
        self.password = password
        self.config = config or ClientConfig()
        self.events = EventHub()
        self.contacts = ContactList()
        self.dialect: Dialect | None = None
        self.display_name = email
        self.verified = True
        self.status: str = Status.OFFLINE
        self.capabilities: int | None = None
        self.msnobject: str | None = None
        self.profile: Message | None = None
        self.chats: set[Chat] = set()
        #: True when the last SYN found the cached list current (no dump was sent).
        self.list_from_cache = False
        self._trids = TridCounter()
        self._ns: Connection | None = None
        self._sync: SyncCollector | None = None
        self._bpr_target: str | None = None  # contact the in-SYN BPR lines belong to
        self._ping_interval = self.config.ping_interval
        self._ping_reset = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._out_reason: str | None = None
        self._closed = asyncio.Event()
        self._close_reason = "closed"

    # ---- context manager ----------------------------------------------------------------
    async def __aenter__(self) -> Client:
        await self.sign_in()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.sign_out()

    # ---- signing in ---------------------------------------------------------------------
    @property
    def signed_in(self) -> bool:
        return self._ns is not None and not self._ns.closed and not self._closed.is_set()

    async def sign_in(self, status: Status | str | None = Status.ONLINE) -> None:
        """Log in (following `XFR NS`), synchronise the list, then set `status` (None: stay
        without an initial status; no presence or chats until `set_status`)."""
        if self._closed.is_set():
            raise ClientError("this Client has signed out; make a new one to sign in again")
        if self._ns is not None:
            raise ClientError("already signed in (or signing in)")
        await self._log_in()
        try:
            await self._synchronise()
            if status is not None:
                await self.set_status(status)
        except BaseException:
            await self.close()
            raise
        self._spawn(self._keep_alive())

    async def _log_in(self) -> None:
        host, port = self.config.address
        label = "dispatch server" if self.config.via_dispatch else "notification server"
        try:
            for _ in range(MAX_REFERRALS + 1):
                conn = await Connection.open(
                    host,
                    port,
                    handler=self._on_command,
                    trids=self._trids,
                    timeout=self.config.timeout,
                    label=label,
                )
                self._ns = conn
                try:
                    referral = await self._authenticate(conn)
                except BaseException:
                    await conn.close()
                    raise
                if referral is None:
                    conn.on_close(self._on_ns_closed)
                    return
                # XFR NS: the official client hangs up and starts over there, trids going on.
                await conn.close()
                host, port = referral
                label = "notification server"
            raise ClientError(f"more than {MAX_REFERRALS} referrals (XFR NS) while signing in")
        except BaseException:
            self._ns = None  # a failed sign-in may be tried again
            raise

    async def _authenticate(self, conn: Connection) -> tuple[str, int] | None:
        offered = self.config.offered
        ver = await conn.request("VER", *offered)
        chosen = ver.arg(0)
        if chosen is None or chosen not in BY_NAME or chosen not in offered:
            raise ClientError(f"the server speaks none of {' '.join(offered[:-1])}")
        self.dialect = BY_NAME[chosen]
        await conn.request(
            "CVR",
            self.config.locale,
            "winnt",
            "5.1",
            "i386",
            "MSNMSGR",
            self.config.cvr_version,
            "MSMSGS",
            self.email,
        )
        try:
            reply = await conn.request("USR", "TWN", "I", self.email, expect=("USR", "XFR"))
        except ServerError as exc:
            raise self._auth_error(exc) from None
        if reply.name == "XFR":
            if reply.arg(0) != "NS" or reply.arg(1) is None:
                raise ClientError(f"unexpected referral: {reply}")
            return parse_address(reply.arg(1) or "")
        if reply.args[:2] != ("TWN", "S") or len(reply.args) < 3:
            raise ClientError(f"unexpected answer to USR TWN I: {reply}")
        ticket = await get_ticket(
            self.email,
            self.password,
            reply.args[2],
            nexus_url=self.config.nexus_url,
            ssl_context=self.config.ssl_context(),
            timeout=self.config.timeout,
        )
        try:
            ok = await conn.request("USR", "TWN", "S", ticket)
        except ServerError as exc:
            raise self._auth_error(exc) from None
        # USR trid OK email friendly-name verified restricted
        if ok.arg(0) != "OK":
            raise ClientError(f"unexpected answer to USR TWN S: {ok}")
        self.email = ok.arg(1) or self.email
        self.display_name = decode_name(ok.arg(2) or self.email)
        self.verified = ok.arg(3, "1") == "1"
        return None

    @staticmethod
    def _auth_error(exc: ServerError) -> ClientError:
        if exc.code in (911, 928, 917):
            return AuthenticationError(f"sign-in refused: {exc.meaning} ({exc.code})", exc.code)
        return exc

    async def _synchronise(self) -> None:
        path = self.config.cache_path
        cached = load_cache(path, self.email) if path is not None else None
        version = cached.version if cached is not None else 0
        reply = await self._ns_conn.request("SYN", str(version))
        collector = self._sync
        if collector is not None:
            try:
                async with asyncio.timeout(self.config.timeout):
                    await collector.done
            except TimeoutError:
                raise ClientError("the SYN dump did not arrive in full") from None
            finally:
                self._sync = None
            self.contacts = collector.lists
        else:
            # Versions equal: nothing follows and the cache is current.
            self.contacts = cached if cached is not None else ContactList()
            self.list_from_cache = cached is not None
            self.contacts.version = _int(reply.arg(0), version)
        self._save_cache()

    def _begin_sync(self, reply: Command) -> None:
        if len(reply.args) >= 3:
            self._sync = SyncCollector(
                _int(reply.args[0]), _int(reply.args[1]), _int(reply.args[2])
            )
            self._bpr_target = None

    # ---- status and names ---------------------------------------------------------------
    async def set_status(
        self,
        status: Status | str,
        *,
        capabilities: int | None = None,
        msnobject: MSNObject | str | None = None,
    ) -> None:
        """CHG. `msnobject` (MSNP9): an MSNObject, or its URL-encoded token."""
        code = Status.parse(status) if not isinstance(status, Status) else status
        if code is Status.OFFLINE:
            raise ValueError("FLN cannot be set; use sign_out() or HDN")
        caps = self.config.capabilities if capabilities is None else capabilities
        args: list[str] = [code.value]
        token = msnobject.to_wire() if isinstance(msnobject, MSNObject) else msnobject
        if token and self.dialect is not None and self.dialect.msnobject:
            args += [str(caps or 0), token]  # the MSNObject needs the capabilities before it
        elif caps is not None:
            args.append(str(caps))
        await self._ns_conn.request("CHG", *args)  # the echo is applied by _on_command

    async def set_display_name(self, name: str) -> None:
        """REA on our own handle: contacts see the new name."""
        await self._ns_conn.request("REA", self.email, url_quote(name))

    async def rename_contact(self, email: str, name: str) -> None:
        """REA on a contact: changes only the name stored in our list."""
        await self._ns_conn.request("REA", email, url_quote(name))

    # ---- lists and groups ---------------------------------------------------------------
    async def add_to_list(
        self,
        list_name: str | ListBits,
        email: str,
        name: str | None = None,
        *,
        group: int | None = None,
    ) -> int:
        """ADD to FL, AL or BL; returns the new list version."""
        code, bits = _list_bits(list_name)
        args = [code, email, url_quote(name or email)]
        if bits is ListBits.FL and group is not None:
            args.append(str(group))
        reply = await self._ns_conn.request("ADD", *args)
        return _int(reply.arg(1))

    async def remove_from_list(
        self, list_name: str | ListBits, email: str, *, group: int | None = None
    ) -> int:
        """REM from FL, AL or BL (FL with `group`: leave only that group)."""
        code, bits = _list_bits(list_name)
        args = [code, email]
        if bits is ListBits.FL and group is not None:
            args.append(str(group))
        reply = await self._ns_conn.request("REM", *args)
        return _int(reply.arg(1))

    async def add_contact(
        self, email: str, name: str | None = None, *, group: int | None = None
    ) -> None:
        """Watch someone as Messenger does: FL, and AL unless they are on AL or BL already."""
        contact = self.contacts.get(email)
        if contact is None or not contact.on(ListBits.FL) or group is not None:
            await self.add_to_list(ListBits.FL, email, name, group=group)
        contact = self.contacts.get(email)
        if contact is None or not contact.on(ListBits.AL | ListBits.BL):
            await self.add_to_list(ListBits.AL, email, name)

    async def remove_contact(self, email: str) -> None:
        """Stop watching someone (REM FL); privacy lists are left as they are."""
        await self.remove_from_list(ListBits.FL, email)

    async def block(self, email: str) -> None:
        """Move someone to the block list (REM AL, ADD BL)."""
        contact = self.contacts.get(email)
        if contact is not None and contact.on(ListBits.AL):
            await self.remove_from_list(ListBits.AL, email)
        contact = self.contacts.get(email)
        if contact is None or not contact.on(ListBits.BL):
            await self.add_to_list(ListBits.BL, email, contact.stored_name if contact else None)

    async def unblock(self, email: str) -> None:
        """Move someone back to the allow list (REM BL, ADD AL)."""
        contact = self.contacts.get(email)
        if contact is not None and contact.on(ListBits.BL):
            await self.remove_from_list(ListBits.BL, email)
        contact = self.contacts.get(email)
        if contact is None or not contact.on(ListBits.AL):
            await self.add_to_list(ListBits.AL, email, contact.stored_name if contact else None)

    async def add_group(self, name: str) -> Group:
        """ADG; returns the new group with the id the server chose."""
        reply = await self._ns_conn.request("ADG", url_quote(name), "0")
        return Group(_int(reply.arg(2)), decode_name(reply.arg(1) or url_quote(name)))

    async def remove_group(self, group_id: int) -> None:
        await self._ns_conn.request("RMG", str(group_id))

    async def rename_group(self, group_id: int, name: str) -> None:
        await self._ns_conn.request("REG", str(group_id), url_quote(name), "0")

    async def set_privacy(self, mode: str) -> None:
        """BLP: "AL" everyone not blocked may see and message us, "BL" only the allow list."""
        if mode not in ("AL", "BL"):
            raise ValueError("privacy mode must be AL or BL")
        await self._ns_conn.request("BLP", mode)

    async def set_add_prompt(self, ask: bool) -> None:
        """GTC: whether our client should ask before adding people who add us."""
        await self._ns_conn.request("GTC", "A" if ask else "N")

    async def set_property(self, name: str, value: str | None) -> None:
        """PRP: PHH, PHW, PHM (phone numbers) or MOB (Y/N); None clears it."""
        args = [name] if value is None else [name, url_quote(value)]
        await self._ns_conn.request("PRP", *args)

    # ---- chats --------------------------------------------------------------------------
    async def start_chat(self, *emails: str, wait: bool = True) -> Chat:
        """XFR SB, USR on the switchboard, then CAL each person; with `wait`, return once all
        have joined. Errors (217 offline, 913 while appearing offline) raise ServerError."""
        reply = await self._ns_conn.request("XFR", "SB")
        # XFR trid SB host:port CKI cookie
        if reply.arg(0) != "SB" or len(reply.args) < 4:
            raise ClientError(f"unexpected answer to XFR SB: {reply}")
        host, port = parse_address(reply.args[1])
        chat = Chat(self)
        self.chats.add(chat)
        try:
            await chat._start(host, port, reply.args[3])
            for email in emails:
                await chat.invite(email, wait=False)
            if wait and emails:
                await chat.wait_for_participants(*emails)
        except BaseException:
            await chat.leave()
            self.chats.discard(chat)
            raise
        return chat

    async def accept(self, invitation: Invitation) -> Chat:
        """Join the chat an `Invitation` (RNG) offers."""
        chat = Chat(self)
        self.chats.add(chat)
        try:
            await chat._answer(
                invitation.host, invitation.port, invitation.cookie, invitation.session_id
            )
        except BaseException:
            await chat.leave()
            self.chats.discard(chat)
            raise
        return chat

    def _chat_closed(self, chat: Chat) -> None:
        self.chats.discard(chat)

    # ---- signing out --------------------------------------------------------------------
    async def sign_out(self) -> None:
        """Leave every chat, send OUT, and wait (briefly) for the server to hang up."""
        for chat in list(self.chats):
            await chat.leave()
        conn = self._ns
        if conn is not None and not conn.closed:
            self._out_reason = self._out_reason or "OUT"
            try:
                conn.send(Command("OUT"))
                await conn.drain()
                async with asyncio.timeout(min(self.config.timeout, 5.0)):
                    await self._closed.wait()
            except (ClientError, TimeoutError):
                pass
        await self.close()

    async def close(self) -> None:
        """Drop every connection at once (no OUT)."""
        for task in list(self._tasks):
            task.cancel()
        for chat in list(self.chats):
            if chat._conn is not None:
                await chat._conn.close()
        if self._ns is not None:
            await self._ns.close()
        self._save_cache()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_closed(self) -> str:
        """Wait until the notification session ends; returns the SignedOut reason."""
        await self._closed.wait()
        return self._close_reason

    # ---- what the server sends ----------------------------------------------------------
    @property
    def _ns_conn(self) -> Connection:
        if self._ns is None or self._ns.closed:
            raise ConnectionClosed("not signed in")
        return self._ns

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
                self.capabilities = _int(command.args[1]) if len(command.args) >= 2 else None
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
            version = _int(args[1], lists.version)
            if bits is None:
                return
            if name == "ADD" and len(args) >= 4:
                group = _int(args[4]) if len(args) >= 5 else None
                lists.add(bits, args[2], decode_name(args[3]), group)
            elif name == "REM":
                group = _int(args[3]) if len(args) >= 4 else None
                lists.remove(bits, args[2], group)
        else:
            if not args:
                return
            version = _int(args[0], lists.version)
            rest = args[1:]
            if name == "ADG" and len(rest) >= 2:
                lists.groups[_int(rest[1])] = Group(_int(rest[1]), decode_name(rest[0]))
            elif name == "RMG" and rest:
                lists.remove_group(_int(rest[0]))
            elif name == "REG" and len(rest) >= 2:
                lists.groups[_int(rest[0])] = Group(_int(rest[0]), decode_name(rest[1]))
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
        caps = _int(command.arg(3))
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
        version, email = _int(args[1]), args[2]
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
        version, email, prop = _int(args[0]), args[1], args[2]
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

    def _on_ns_closed(self, error: ConnectionClosed) -> None:
        self._close_reason = self._out_reason or "closed"
        self.status = Status.OFFLINE
        self.contacts.clear_presence()
        for task in list(self._tasks):
            task.cancel()
        self._closed.set()
        self.events.emit(SignedOut(self._close_reason))
        self.events.close()

    # ---- background work ----------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _keep_alive(self) -> None:
        """PNG every interval; in MSNP9 each `QNG n` restarts the wait with n seconds."""
        while self.signed_in:
            self._ping_reset.clear()
            try:
                async with asyncio.timeout(self._ping_interval):
                    await self._ping_reset.wait()
                continue
            except TimeoutError:
                pass
            with contextlib.suppress(ClientError):
                self._ns_conn.send(Command("PNG"))

    def _save_cache(self) -> None:
        path = self.config.cache_path
        if path is None or self._sync is not None:
            return
        try:
            save_cache(path, self.email, self.contacts)
        except OSError as exc:
            log.warning("cannot write the contact cache %s: %s", path, exc)


_HANDLERS = {
    "ILN": Client._on_presence,
    "NLN": Client._on_presence,
    "FLN": Client._on_offline,
    "ADD": Client._on_reverse,
    "REM": Client._on_reverse,
    "BPR": Client._on_bpr,
    "CHL": Client._on_challenge,
    "QNG": Client._on_qng,
    "OUT": Client._on_out,
    "RNG": Client._on_ring,
    "MSG": Client._on_message,
    "NOT": Client._on_notification,
    "IPG": Client._on_notification,
    "CHG": Client._on_chg,
}
