"""The switchboard listener: accepts TCP connections and runs a `SwitchboardController` on
each. The notification side calls `issue_creator` on `XFR SB` and gives `address` in it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from msnp.config import Config, HostPort
from msnp.net.connection import AddressLimiter, Sink
from msnp.net.fastpath import CommandServer
from msnp.sb import leaving
from msnp.sb.controller import SwitchboardController
from msnp.sb.directory import UserDirectory
from msnp.sb.hub import Hub
from msnp.sb.outbox import Flusher, Outbox
from msnp.services.invitations import Ringer
from msnp.services.rooms import Rooms
from msnp.services.sb_tickets import SwitchboardTickets
from msnp.services.tickets import TicketStore

log = logging.getLogger(__name__)


class SwitchboardCounts(NamedTuple):
    sessions: int  # open conversations
    connections: int  # open switchboard connections (TCP and gateway)


class SwitchboardServer:
    """One switchboard node.

    The address given out (XFR SB, RNG) is, in order of preference: the `advertise`
    argument; `switchboard.advertise` from the config; else `server.public_host` (or the
    listen host) with the *bound* port, so `listen = 127.0.0.1:0` advertises the real port
    once `start()` has returned.
    """

    def __init__(
        self,
        config: Config,
        tickets: TicketStore,
        ringer: Ringer,
        directory: UserDirectory,
        *,
        advertise: HostPort | None = None,
        max_refusals: int = 5,
        refusal_window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        node: int = 0,
    ) -> None:
        self._config = config
        self._advertise = advertise or config.switchboard.advertise
        sb = config.switchboard
        self.tickets = SwitchboardTickets(tickets, sb.ticket_lifetime)
        self.rooms = Rooms(
            self.tickets,
            max_participants=sb.max_participants,
            idle_timeout=sb.idle_timeout,
            invite_lifetime=sb.ticket_lifetime,
            on_expire=leaving.expire,
            clock=clock,
            node=node,  # worker `node` of `workers` (0: the main process)
            nodes=sb.workers,
        )
        self.hub = Hub(
            rooms=self.rooms,
            tickets=self.tickets,
            ringer=ringer,
            directory=directory,
            address=lambda: self.address,
            auth_timeout=sb.auth_timeout,
            max_refusals=max_refusals,
            refusal_window=refusal_window,
            clock=clock,
        )
        self._flusher = Flusher()
        # MSG is relayed inside data_received; output is flushed once per chunk of input.
        self._listener = CommandServer(
            self.controller,
            after_input=self._flusher.flush,
            limiter=AddressLimiter(sb.max_connections_per_ip),
        )
        self._bound_port: int | None = None

    def counts(self) -> SwitchboardCounts:
        return SwitchboardCounts(len(self.rooms), len(self.hub.connections))

    @property
    def bound_port(self) -> int | None:
        return self._bound_port

    @property
    def address(self) -> HostPort:
        if self._advertise is not None:
            return self._advertise
        listen = self._config.switchboard.listen
        host = self._config.server.public_host or listen.host
        return HostPort(host, self._bound_port if self._bound_port is not None else listen.port)

    async def issue_creator(self, email: str, display_name: str, dialect_name: str) -> str:
        """A cookie for `XFR trid SB <address> CKI <cookie>`: the NS calls this after its own
        checks (913 for HDN / no initial status). `display_name` decoded; `dialect_name`
        "MSNP8" or "MSNP9" (ValueError otherwise)."""
        return await self.tickets.issue_creator(email, display_name, dialect_name)

    def controller(self, sink: Sink) -> SwitchboardController:
        """A controller for one connection; also what the HTTP gateway drives (it must call
        `on_disconnect` when the gateway session ends)."""
        return SwitchboardController(self.hub, Outbox(sink, self._flusher))

    async def start(self) -> int:
        """Listen on `switchboard.listen`; returns the bound port."""
        listen = self._config.switchboard.listen
        self._bound_port = await self._listener.listen(listen.host, listen.port)
        await self._listener.start()
        log.info("switchboard listening on %s:%d, advertised as %s",
                 listen.host, self._bound_port, self.address)
        return self._bound_port

    async def close(self) -> None:
        """Stop listening, close every connection and end every session."""
        await self._listener.close()
        for controller in list(self.hub.connections):  # sessions over the HTTP gateway
            controller.sink.close()
        await self.rooms.close()
