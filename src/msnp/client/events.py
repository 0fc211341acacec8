"""What the client reports asynchronously, and how it reaches the application.

Every event is a frozen dataclass deriving from `Event`. A client (and each chat) has an
`EventHub`: register callbacks with `hub.subscribe(callback, *types)` or iterate with
`async for event in hub.stream(*types)`. Chat events also reach the client's hub.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from msnp.client.message import Message

if TYPE_CHECKING:
    from msnp.client.switchboard import Chat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of every event."""


# ---- notification server ------------------------------------------------------------------
@dataclass(frozen=True)
class PresenceChanged(Event):
    """A contact is online or changed status, name, capabilities or picture (ILN / NLN)."""

    email: str
    status: str  # NLN, BSY, IDL, BRB, AWY, PHN, LUN
    display_name: str
    capabilities: int
    msnobject: str | None  # URL-encoded MSNObject token (MSNP9), as sent
    initial: bool  # True for ILN (state at sign-in or after ADD), False for NLN


@dataclass(frozen=True)
class ContactOffline(Event):
    """A contact signed out, went invisible or stopped allowing us (FLN)."""

    email: str


@dataclass(frozen=True)
class AddedBy(Event):
    """Someone put us on their forward list (`ADD 0 RL`)."""

    email: str
    display_name: str
    version: int


@dataclass(frozen=True)
class RemovedBy(Event):
    """Someone took us off their forward list (`REM 0 RL`)."""

    email: str
    version: int


@dataclass(frozen=True)
class ContactPropertyChanged(Event):
    """A contact's phone or mobile setting changed (BPR outside SYN)."""

    email: str
    name: str  # PHH, PHW, PHM, MOB, WWE
    value: str | None  # None: cleared
    version: int


@dataclass(frozen=True)
class StatusForced(Event):
    """The server set our status itself (`CHG 0 status`)."""

    status: str


@dataclass(frozen=True)
class ServerMessage(Event):
    """`MSG Hotmail Hotmail`: the profile, e-mail notices, system messages."""

    message: Message


@dataclass(frozen=True)
class Notification(Event):
    """An alert (`NOT`) or a mobile page (`IPG`): an XML document."""

    kind: str  # "NOT" or "IPG"
    payload: bytes


@dataclass(frozen=True)
class Invitation(Event):
    """Someone invites us to a chat (RNG). Pass it to `Client.accept()` to join."""

    session_id: str
    host: str
    port: int
    cookie: str
    inviter: str
    inviter_name: str


@dataclass(frozen=True)
class SignedOut(Event):
    """The notification session ended. `reason`: "OTH" signed in elsewhere, "SSD" server
    shutting down, "OUT" our own sign-out, "closed" the connection was lost."""

    reason: str


# ---- switchboard --------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatEvent(Event):
    chat: Chat


@dataclass(frozen=True)
class ParticipantJoined(ChatEvent):
    email: str
    display_name: str


@dataclass(frozen=True)
class ParticipantLeft(ChatEvent):
    email: str
    timed_out: bool  # `BYE email 1`: the server removed them


@dataclass(frozen=True)
class TextReceived(ChatEvent):
    sender: str
    sender_name: str
    text: str
    message: Message


@dataclass(frozen=True)
class TypingReceived(ChatEvent):
    sender: str


@dataclass(frozen=True)
class MessageReceived(ChatEvent):
    """Any other content type (P2P data, invitations, emoticons, ...), body untouched."""

    sender: str
    sender_name: str
    message: Message


@dataclass(frozen=True)
class MessageNotDelivered(ChatEvent):
    """A NAK for a message sent without waiting (ack type N)."""

    trid: int


@dataclass(frozen=True)
class ChatClosed(ChatEvent):
    """Our switchboard connection is closed; the chat object cannot be used any more."""


E = TypeVar("E", bound=Event)
Callback = Callable[[E], Awaitable[None] | None]
_END = object()


class EventStream(AsyncIterator[E]):
    """Events of the chosen types, buffered from the moment the stream was made."""

    def __init__(self, hub: EventHub, types: tuple[type[E], ...]) -> None:
        self._hub = hub
        self._types = types
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self.closed = False

    def _offer(self, event: Event) -> None:
        if not self.closed and (not self._types or isinstance(event, self._types)):
            self._queue.put_nowait(event)

    def _end(self) -> None:
        self._queue.put_nowait(_END)

    def __aiter__(self) -> EventStream[E]:
        return self

    async def __anext__(self) -> E:
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # stay ended for later calls
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    async def get(self, timeout: float | None = None) -> E:
        """The next event; raises TimeoutError after `timeout` seconds and
        `StopAsyncIteration` when the hub has closed."""
        return await asyncio.wait_for(self.__anext__(), timeout)

    async def wait_for(
        self,
        type: type[E],
        predicate: Callable[[E], bool] | None = None,
        timeout: float | None = None,
    ) -> E:
        """Skip events until one of `type` (matching `predicate`) arrives."""

        async def search() -> E:
            async for event in self:
                if isinstance(event, type) and (predicate is None or predicate(event)):
                    return event
            raise StopAsyncIteration

        return await asyncio.wait_for(search(), timeout)

    def close(self) -> None:
        self.closed = True
        self._hub._streams.discard(self)
        self._end()


class Subscription:
    def __init__(self, hub: EventHub, entry: tuple[Callable[[Event], object], tuple[type, ...]]):
        self._hub = hub
        self._entry = entry

    def cancel(self) -> None:
        if self._entry in self._hub._callbacks:
            self._hub._callbacks.remove(self._entry)


class EventHub:
    """Fan-out of events to callbacks and streams; forwards everything to a parent hub."""

    def __init__(self, parent: EventHub | None = None) -> None:
        self._parent = parent
        self._callbacks: list[tuple[Callable[[Event], object], tuple[type, ...]]] = []
        self._streams: set[EventStream[Event]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    def subscribe(self, callback: Callable[[E], object], *types: type[E]) -> Subscription:
        """Call `callback(event)` for each event of `types` (all events when none are given).
        A coroutine function is run as a task; its exceptions are logged."""
        entry: tuple[Callable[[Event], object], tuple[type, ...]] = (callback, types)  # type: ignore[assignment]
        self._callbacks.append(entry)
        return Subscription(self, entry)

    def stream(self, *types: type[E]) -> EventStream[E]:
        stream: EventStream[E] = EventStream(self, types)
        if self._closed:
            stream._end()
        else:
            self._streams.add(stream)  # type: ignore[arg-type]
        return stream

    def emit(self, event: Event) -> None:
        for callback, types in list(self._callbacks):
            if types and not isinstance(event, types):
                continue
            try:
                result = callback(event)
            except Exception:
                log.exception("event callback %r failed on %r", callback, event)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(self._guard(result, callback))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        for stream in list(self._streams):
            stream._offer(event)
        if self._parent is not None:
            self._parent.emit(event)

    @staticmethod
    async def _guard(awaitable: Awaitable[object], callback: object) -> None:
        try:
            await awaitable
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event callback %r failed", callback)

    def close(self) -> None:
        """End every stream (they yield what they hold, then stop). Callbacks stay."""
        self._closed = True
        for stream in list(self._streams):
            stream._end()
        self._streams.clear()

    async def drain(self) -> None:
        """Wait for callback tasks started so far."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
