from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from msnp.sb import SwitchboardServer
from msnp.services.tickets import MemoryTicketStore

from .harness import FakeDirectory, FakeRinger, Rig, sb_config

RigFactory = Callable[..., Any]


@pytest.fixture
async def make_rig() -> AsyncIterator[RigFactory]:
    """`await make_rig(idle_timeout=0.3, ...)`: a started switchboard with overrides."""
    rigs: list[Rig] = []

    async def make(**overrides: Any) -> Rig:
        ringer, directory, store = FakeRinger(), FakeDirectory(), MemoryTicketStore()
        server = SwitchboardServer(sb_config(**overrides), store, ringer, directory)
        await server.start()
        rig = Rig(server, ringer, directory, store)
        for email in ("alice@example.com", "bob@example.com", "carol@example.com"):
            rig.user(email)
        rig.user("alice@example.com", "Alice Liddell")
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        for client in rig.clients:
            await client.close()
        await rig.server.close()


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    result: Rig = await make_rig()
    return result
