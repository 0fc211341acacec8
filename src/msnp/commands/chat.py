"""`msnp chat EMAIL`: a line-based terminal client.

Lines starting with `/` are commands (`/help` lists them); any other line goes to the current
conversation. Incoming messages print as `sender: text`, events as `* ...`. Works in any
terminal or pseudo-terminal, and with stdin from a pipe (first line: the password).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TextIO

from msnp.client import (
    AddedBy,
    AuthenticationError,
    Chat,
    ChatClosed,
    Client,
    ClientError,
    ContactOffline,
    Event,
    Invitation,
    ListBits,
    MessageNotDelivered,
    MessageReceived,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
    RemovedBy,
    ServerError,
    SignedOut,
    Status,
    TextReceived,
)
from msnp.client.cliargs import add_client_options, client_config, read_password
from msnp.client.status import status_label
from msnp.commands.common import CommandError, Subparsers, add_command
from msnp.config import Config

HELP = """commands:
  /list                  contacts and their status
  /chat EMAIL            open a conversation (or switch to an open one)
  /msg EMAIL TEXT        send one message to EMAIL (opens a conversation if needed)
  TEXT                   send TEXT to the current conversation
  /invite EMAIL          invite someone into the current conversation
  /who                   who is in the current conversation
  /leave                 leave the current conversation
  /status STATUS         online, busy, away, brb, phone, lunch, idle or invisible
  /name NAME             change your display name
  /add EMAIL [NAME]      add a contact
  /remove EMAIL          remove a contact
  /block EMAIL           block someone
  /unblock EMAIL         unblock someone
  /quit                  sign out and exit"""

SIGNED_OUT_REASONS = {
    "OTH": "signed out: you signed in from another place",
    "SSD": "signed out: the server is shutting down",
    "closed": "signed out: the connection to the server was lost",
}


class ChatApp:
    """The terminal client's state: a signed-in Client, the open conversations, and the
    conversation plain lines go to."""

    def __init__(self, client: Client, out: TextIO) -> None:
        self.client = client
        self.out = out
        self.current: Chat | None = None
        self.running = True
        self.exit_code = 0
        self._commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "help": self._help,
            "list": self._list,
            "contacts": self._list,
            "chat": self._chat,
            "msg": self._msg,
            "invite": self._invite,
            "who": self._who,
            "leave": self._leave,
            "status": self._status,
            "name": self._name,
            "add": self._add,
            "remove": self._remove,
            "block": self._block,
            "unblock": self._unblock,
            "quit": self._quit,
            "exit": self._quit,
        }

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # ---- input ---------------------------------------------------------------------------
    async def handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        try:
            if line.startswith("/"):
                name, _, rest = line[1:].partition(" ")
                command = self._commands.get(name.lower())
                if command is None:
                    self.say(f"! unknown command /{name}; /help lists them")
                    return
                await command(rest.strip())
            else:
                await self._send(line)
        except ServerError as exc:
            self.say(f"! {exc.meaning} (error {exc.code})")
        except (ClientError, ValueError) as exc:
            self.say(f"! {exc}")

    async def _send(self, text: str) -> None:
        chat = self.current
        if chat is None or chat.closed:
            self.say("! no conversation open: /chat EMAIL first")
            return
        if not chat.participants:
            self.say("! nobody else is in this conversation: /invite EMAIL")
            return
        await chat.send_text(text)

    async def _help(self, rest: str) -> None:
        self.say(HELP)

    async def _list(self, rest: str) -> None:
        contacts = sorted(self.client.contacts.forward, key=lambda c: c.email)
        if not contacts:
            self.say("* no contacts yet: /add EMAIL")
        for contact in contacts:
            flags = " [blocked]" if contact.on(ListBits.BL) else ""
            self.say(f"  {contact.email} ({contact.name}) - {status_label(contact.status)}{flags}")

    def _chat_with(self, email: str) -> Chat | None:
        for chat in self.client.chats:
            if not chat.closed and email.lower() in (p.lower() for p in chat.participants):
                return chat
        return None

    async def _open(self, email: str) -> Chat:
        chat = self._chat_with(email)
        if chat is None:
            self.say(f"* calling {email}...")
            chat = await self.client.start_chat(email)
            self.say(f"* conversation with {email} open")
        self.current = chat
        return chat

    async def _chat(self, rest: str) -> None:
        email = self._need(rest, "/chat EMAIL")
        chat = self._chat_with(email)
        if chat is not None:
            self.current = chat
            self.say(f"* now talking to {', '.join(chat.participants)}")
            return
        await self._open(email)

    async def _msg(self, rest: str) -> None:
        email, _, text = rest.partition(" ")
        if not email or not text.strip():
            raise ValueError("usage: /msg EMAIL TEXT")
        chat = await self._open(email)
        await chat.send_text(text.strip())

    async def _invite(self, rest: str) -> None:
        email = self._need(rest, "/invite EMAIL")
        if self.current is None or self.current.closed:
            await self._open(email)
            return
        await self.current.invite(email)

    async def _who(self, rest: str) -> None:
        if self.current is None or self.current.closed:
            self.say("* no conversation open")
        else:
            names = ", ".join(f"{e} ({n})" for e, n in self.current.participants.items())
            self.say(f"* in this conversation: {names or 'only you'}")

    async def _leave(self, rest: str) -> None:
        if self.current is not None:
            await self.current.leave()
            self.current = None
            self.say("* left the conversation")

    async def _status(self, rest: str) -> None:
        status = Status.parse(self._need(rest, "/status STATUS"))
        await self.client.set_status(status)
        self.say(f"* you are {status.label}")

    async def _name(self, rest: str) -> None:
        await self.client.set_display_name(self._need(rest, "/name NAME"))
        self.say(f"* your name is now {self.client.display_name}")

    async def _add(self, rest: str) -> None:
        email, _, name = rest.partition(" ")
        email = self._need(email, "/add EMAIL [NAME]")
        await self.client.add_contact(email, name.strip() or None)
        self.say(f"* added {email}")

    async def _remove(self, rest: str) -> None:
        email = self._need(rest, "/remove EMAIL")
        await self.client.remove_contact(email)
        self.say(f"* removed {email}")

    async def _block(self, rest: str) -> None:
        email = self._need(rest, "/block EMAIL")
        await self.client.block(email)
        self.say(f"* blocked {email}")

    async def _unblock(self, rest: str) -> None:
        email = self._need(rest, "/unblock EMAIL")
        await self.client.unblock(email)
        self.say(f"* unblocked {email}")

    async def _quit(self, rest: str) -> None:
        self.running = False

    @staticmethod
    def _need(value: str, usage: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(f"usage: {usage}")
        return value

    # ---- events --------------------------------------------------------------------------
    async def on_event(self, event: Event) -> None:
        client = self.client
        if isinstance(event, TextReceived):
            if self.current is None or self.current.closed:
                self.current = event.chat
            text = event.text.replace("\r\n", "\n").replace("\n", "\n    ")
            self.say(f"{event.sender}: {text}")
        elif isinstance(event, MessageReceived):
            self.say(f"* {event.sender} sent {event.message.content_type or 'a message'}")
        elif isinstance(event, PresenceChanged):
            name = f"{event.display_name} ({event.email})"
            self.say(f"* {name} is {status_label(event.status)}")
        elif isinstance(event, ContactOffline):
            self.say(f"* {event.email} is offline")
        elif isinstance(event, AddedBy):
            self.say(
                f"* {event.display_name} ({event.email}) added you to their contacts"
                f" - /add {event.email} to add them too"
            )
        elif isinstance(event, RemovedBy):
            self.say(f"* {event.email} removed you from their contacts")
        elif isinstance(event, Invitation):
            try:
                chat = await client.accept(event)
            except ClientError as exc:
                self.say(f"! could not join {event.inviter}'s conversation: {exc}")
                return
            if self.current is None or self.current.closed:
                self.current = chat
            self.say(f"* {event.inviter_name} ({event.inviter}) opened a conversation")
        elif isinstance(event, ParticipantJoined):
            self.say(f"* {event.display_name} ({event.email}) joined the conversation")
        elif isinstance(event, ParticipantLeft):
            self.say(f"* {event.email} left the conversation")
        elif isinstance(event, MessageNotDelivered):
            self.say("! a message was not delivered")
        elif isinstance(event, ChatClosed):
            if self.current is event.chat:
                self.current = None
        elif isinstance(event, SignedOut) and event.reason != "OUT":
            self.say(f"! {SIGNED_OUT_REASONS.get(event.reason, 'signed out')}")
            self.running = False
            self.exit_code = 1


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Blocking reads in a daemon thread (a thread never stops the process from exiting;
    making the shared terminal non-blocking for asyncio would break our own output)."""

    def read() -> None:
        try:
            for line in sys.stdin:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except (RuntimeError, ValueError, OSError):
            pass  # the loop or stdin closed while we were reading: we are exiting anyway

    threading.Thread(target=read, name="stdin", daemon=True).start()


async def run_chat(client: Client, status: Status, out: TextIO) -> int:
    app = ChatApp(client, out)
    client.events.subscribe(app.on_event)
    try:
        await client.sign_in(status=status)
    except AuthenticationError:
        raise CommandError("sign-in failed: wrong e-mail address or password") from None
    except ClientError as exc:
        raise CommandError(f"sign-in failed: {exc}") from None
    dialect = client.dialect.name if client.dialect else "?"
    count = len(client.contacts.forward)
    app.say(f"* signed in as {client.email} ({client.display_name}) with {dialect}")
    app.say(f"* {count} contact{'s' if count != 1 else ''}; /list shows them, /help the commands")
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    _stdin_lines(asyncio.get_running_loop(), queue)
    closed = asyncio.ensure_future(client.wait_closed())
    try:
        while app.running:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                break
            line = getter.result()
            if line is None:
                break
            await app.handle_line(line)
    finally:
        closed.cancel()
        with contextlib.suppress(ClientError):
            await client.sign_out()
    await client.events.drain()
    app.say("* signed out")
    return app.exit_code


def _run(args: argparse.Namespace, config: Config) -> int:
    try:
        status = Status.parse(args.status)
        password = read_password(args)
        client = Client(args.email, password, client_config(args, config))
    except ValueError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    return asyncio.run(run_chat(client, status, sys.stdout))


def register(subparsers: Subparsers) -> None:
    parser = add_command(subparsers, "chat", _run, help="interactive terminal client")
    parser.add_argument("email", metavar="EMAIL", help="your account")
    parser.add_argument(
        "--status", default="online", help="status after signing in (default: online)"
    )
    add_client_options(parser)
