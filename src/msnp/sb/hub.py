"""What every switchboard connection shares: the rooms, the cookies and the ways out to the
notification side. One per `SwitchboardServer`; no module-level state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from msnp.config import HostPort
from msnp.sb.directory import UserDirectory
from msnp.services.invitations import Ringer
from msnp.services.rooms import Rooms
from msnp.services.sb_tickets import SwitchboardTickets

if TYPE_CHECKING:
    from msnp.sb.controller import SwitchboardController


@dataclass(slots=True)
class Hub:
    rooms: Rooms
    tickets: SwitchboardTickets
    ringer: Ringer
    directory: UserDirectory
    address: Callable[[], HostPort]  # the address RNG names (known once the listener is bound)
    auth_timeout: float
    max_refusals: int  # this many 217s within `refusal_window` seconds ...
    refusal_window: float  # ... and further CALs get 713 until the oldest ages out
    clock: Callable[[], float]
    # Every open connection (TCP or gateway), so a shutdown can close them all.
    connections: set[SwitchboardController] = field(default_factory=set)
