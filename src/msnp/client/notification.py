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
from types import TracebackType

from msnp.client.config import ClientConfig, parse_address
from msnp.client.connection import Connection, TridCounter
from msnp.client.contacts import ContactList, load_cache
from msnp.client.errors import (
    AuthenticationError,
    ClientError,
    ConnectionClosed,
    ServerError,
)
from msnp.client.events import (
    EventHub,
    Invitation,
    SignedOut,
)
from msnp.client.incoming import IncomingHandlers, to_int
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
#: Replies that change the contact list and carry its new version (ADD/REM after the list).


def _list_bits(name: str | ListBits) -> tuple[str, ListBits]:
    if isinstance(name, ListBits):
        name = name.name or ""
    if name not in ("FL", "AL", "BL"):
        raise ValueError(f"list must be FL, AL or BL, not {name!r}")
    return name, ListBits.from_name(name)


class Client(IncomingHandlers):
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
            self.contacts.version = to_int(reply.arg(0), version)
        self._save_cache()

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
        return to_int(reply.arg(1))

    async def remove_from_list(
        self, list_name: str | ListBits, email: str, *, group: int | None = None
    ) -> int:
        """REM from FL, AL or BL (FL with `group`: leave only that group)."""
        code, bits = _list_bits(list_name)
        args = [code, email]
        if bits is ListBits.FL and group is not None:
            args.append(str(group))
        reply = await self._ns_conn.request("REM", *args)
        return to_int(reply.arg(1))

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
        await self._move(email, ListBits.AL, ListBits.BL)

    async def unblock(self, email: str) -> None:
        """Move someone back to the allow list (REM BL, ADD AL)."""
        await self._move(email, ListBits.BL, ListBits.AL)

    async def _move(self, email: str, leave: ListBits, join: ListBits) -> None:
        # AL and BL exclude each other (219): leave one before joining the other.
        contact = self.contacts.get(email)
        if contact is not None and contact.on(leave):
            await self.remove_from_list(leave, email)
        contact = self.contacts.get(email)
        if contact is None or not contact.on(join):
            await self.add_to_list(join, email, contact.stored_name if contact else None)

    async def add_group(self, name: str) -> Group:
        """ADG; returns the new group with the id the server chose."""
        reply = await self._ns_conn.request("ADG", url_quote(name), "0")
        return Group(to_int(reply.arg(2)), decode_name(reply.arg(1) or url_quote(name)))

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

