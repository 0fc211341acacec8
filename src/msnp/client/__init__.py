"""Asyncio client SDK for MSNP8/MSNP9 services.

    from msnp.client import Client, ClientConfig, TextReceived

    async with Client("alice@example.com", "secret", ClientConfig(ca_file=cert)) as client:
        chat = await client.start_chat("bob@example.com")
        await chat.send_text("hello")
        async for event in chat.events.stream(TextReceived):
            print(f"{event.sender}: {event.text}")

See docs/client.md.
"""

from msnp.client.challenge import DEFAULT_PRODUCT_ID, DEFAULT_PRODUCT_KEY, challenge_response
from msnp.client.config import ClientConfig, parse_address
from msnp.client.contacts import Contact, ContactList
from msnp.client.errors import (
    AuthenticationError,
    ClientError,
    ConnectionClosed,
    DeliveryFailed,
    MessageTooLarge,
    PassportError,
    RequestTimeout,
    ServerError,
)
from msnp.client.events import (
    AddedBy,
    ChatClosed,
    ChatEvent,
    ContactOffline,
    ContactPropertyChanged,
    Event,
    EventHub,
    EventStream,
    Invitation,
    MessageNotDelivered,
    MessageReceived,
    Notification,
    ParticipantJoined,
    ParticipantLeft,
    PresenceChanged,
    RemovedBy,
    ServerMessage,
    SignedOut,
    StatusForced,
    Subscription,
    TextReceived,
    TypingReceived,
)
from msnp.client.message import Message
from msnp.client.notification import Client
from msnp.client.passport import get_ticket, make_ssl_context
from msnp.client.status import Status
from msnp.client.switchboard import Chat
from msnp.services.models import Group, ListBits

__all__ = [
    "DEFAULT_PRODUCT_ID",
    "DEFAULT_PRODUCT_KEY",
    "AddedBy",
    "AuthenticationError",
    "Chat",
    "ChatClosed",
    "ChatEvent",
    "Client",
    "ClientConfig",
    "ClientError",
    "ConnectionClosed",
    "Contact",
    "ContactList",
    "ContactOffline",
    "ContactPropertyChanged",
    "DeliveryFailed",
    "Event",
    "EventHub",
    "EventStream",
    "Group",
    "Invitation",
    "ListBits",
    "Message",
    "MessageNotDelivered",
    "MessageReceived",
    "MessageTooLarge",
    "Notification",
    "ParticipantJoined",
    "ParticipantLeft",
    "PassportError",
    "PresenceChanged",
    "RemovedBy",
    "RequestTimeout",
    "ServerError",
    "ServerMessage",
    "SignedOut",
    "Status",
    "StatusForced",
    "Subscription",
    "TextReceived",
    "TypingReceived",
    "challenge_response",
    "get_ticket",
    "make_ssl_context",
    "parse_address",
]
