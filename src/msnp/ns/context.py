"""What a notification or dispatch session needs from the rest of the service.

The dependencies are protocols (ports), so controllers are tested with the real services or
with fakes, and never know whether a store is SQLite or PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from msnp.config import Config, HostPort
from msnp.services.models import ListBits, ListChange, ListSnapshot
from msnp.services.presence import PresenceService


class State(IntEnum):
    """Where a DS/NS connection is in the login sequence."""

    CONNECTED = 0  # only VER
    NEGOTIATED = 1  # CVR, USR TWN I
    CHALLENGED = 2  # USR TWN S
    AUTHENTICATED = 3  # everything else


class Disconnect(Exception):
    """Raised by a handler: close the connection without a reply (the documented answer to
    many protocol violations)."""


class PassportPort(Protocol):
    async def redeem(self, from_pp: str, email: str) -> bool: ...


class ListsPort(Protocol):
    async def snapshot(self, email: str) -> ListSnapshot: ...

    async def add_contact(
        self, owner: str, list_name: ListBits, contact_email: str, stored_name: str,
        group_id: int | None,
    ) -> ListChange: ...

    async def remove_contact(
        self, owner: str, list_name: ListBits, contact_email: str, group_id: int | None
    ) -> ListChange: ...

    async def add_group(self, owner: str, name: str) -> tuple[int, int]: ...

    async def remove_group(self, owner: str, group_id: int) -> int: ...

    async def rename_group(self, owner: str, group_id: int, name: str) -> int: ...

    async def set_display_name(self, owner: str, name: str) -> int: ...

    async def rename_contact(self, owner: str, contact: str, name: str) -> int: ...

    async def set_gtc(self, owner: str, value: str) -> int: ...

    async def set_blp(self, owner: str, value: str) -> int: ...

    async def set_property(self, owner: str, prop: str, value: str | None) -> int: ...


class SwitchboardPort(Protocol):
    async def issue_creator(self, email: str, display_name: str, dialect_name: str) -> str:
        """A single-use cookie for `USR` on the switchboard."""
        ...

    def next_address(self) -> HostPort:
        """The switchboard the next `XFR SB` sends its client to."""
        ...


class MailerPort(Protocol):
    async def send_invitation(self, sender: str, sender_name: str, recipient: str) -> None: ...


@dataclass
class Addresses:
    """Where clients are sent; known only after the listeners are bound (ports may be 0)."""

    dispatch: HostPort
    notification: HostPort


@dataclass
class NSContext:
    config: Config
    addresses: Addresses
    lists: ListsPort
    passport: PassportPort
    presence: PresenceService
    switchboard: SwitchboardPort | None = None
    mailer: MailerPort | None = None
    clock: Callable[[], float] = field(default=time.time)
