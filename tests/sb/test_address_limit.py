"""One remote address may not take every switchboard connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from service_helpers import make_config, running
from wire_helpers import Wire


async def test_connections_per_address_are_bounded(tmp_path: Path) -> None:
    config = make_config(tmp_path, switchboard={"max_connections_per_ip": 2})
    async with running(config) as service:
        port = service.ports["switchboard"]
        held = [await Wire.connect("127.0.0.1", port) for _ in range(2)]
        extra = await Wire.connect("127.0.0.1", port)
        await extra.send("USR 1 alice@example.com cookie")
        with pytest.raises((EOFError, ConnectionError)):
            await extra.read()
        # The two held connections are still served: a bad cookie gets 911, not a reset.
        await held[0].send("USR 1 alice@example.com not-a-cookie")
        await held[0].expect("911 1")
        await held[1].close()
        await asyncio.sleep(0.1)
        again = await Wire.connect("127.0.0.1", port)  # a slot is free again
        await again.send("USR 1 alice@example.com not-a-cookie")
        await again.expect("911 1")
