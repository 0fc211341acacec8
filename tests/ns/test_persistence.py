"""Every list change made over the wire survives a restart of the service (reference §6):
stop the service, start a new one on the same data directory, and SYN shows it all."""

from __future__ import annotations

from pathlib import Path

from msnp.app import start_service
from msnp.services.models import ListBits
from service_helpers import make_config

from .conftest import NS_SETTINGS
from .harness import NSHarness


async def test_changes_survive_a_restart(tmp_path: Path) -> None:
    config = make_config(tmp_path, notification=NS_SETTINGS)
    service = await start_service(config)
    try:
        ns = NSHarness(service)
        alice, bob, carol, dave = await ns.accounts("alice", "bob", "carol", "dave")
        await ns.add(dave, ListBits.FL, alice)  # Alice has Dave on her RL
        a = await ns.login(alice)
        told: list[int] = []

        async def step(line: str, reply: str) -> None:
            await a.send(line)
            told.append(int((await a.expect(reply))["v"]))

        await step("ADG 10 Friends 0", "ADG 10 {v} Friends 1 0")
        await step("ADG 11 Work 0", "ADG 11 {v} Work 2 0")
        await step("REG 12 2 Office%20Mates 0", "REG 12 {v} 2 Office%20Mates 0")
        await step(f"ADD 13 FL {bob} Bobby 1", f"ADD 13 FL {{v}} {bob} Bobby 1")
        await step(f"ADD 14 FL {bob} Bobby 2", f"ADD 14 FL {{v}} {bob} Bobby 2")
        await step(f"ADD 15 AL {bob} Bobby", f"ADD 15 AL {{v}} {bob} Bobby")
        await step(f"ADD 16 BL {carol} Carol", f"ADD 16 BL {{v}} {carol} Carol")
        await step(f"REA 17 {bob} Robert", f"REA 17 {{v}} {bob} Robert")
        await step(f"REA 18 {alice} Alice%20L.", f"REA 18 {{v}} {alice} Alice%20L.")
        await step("GTC 19 N", "GTC 19 {v} N")
        await step("BLP 20 BL", "BLP 20 {v} BL")
        await step("PRP 21 PHH 555%201234", "PRP 21 {v} PHH 555%201234")
        await step("PRP 22 MOB Y", "PRP 22 {v} MOB Y")
        await step(f"ADD 23 FL {dave} Dave 0", f"ADD 23 FL {{v}} {dave} Dave 0")
        await step(f"REM 24 FL {dave}", f"REM 24 FL {{v}} {dave}")
        assert told == list(range(told[0], told[0] + len(told)))  # +1 on every change
        await ns.close_all()
    finally:
        await service.stop()

    service = await start_service(config)
    try:
        ns = NSHarness(service)
        a = await ns.login(alice, status=None)
        assert a.wire.captured["name"] == "Alice%20L."
        await a.send(f"SYN 4 {told[-1]}")
        await a.expect(f"SYN 4 {told[-1]}")  # the cached version is still current
        await a.send("SYN 5 0")
        await a.expect(f"SYN 5 {told[-1]} 3 3")
        await a.expect("GTC N")
        await a.expect("BLP BL")
        await a.expect("PRP PHH 555%201234")
        await a.expect("PRP MOB Y")
        await a.expect("LSG 0 Other%20Contacts 0")
        await a.expect("LSG 1 Friends 0")
        await a.expect("LSG 2 Office%20Mates 0")
        await a.expect(f"LST {bob} Robert 3 1,2")
        await a.expect(f"LST {carol} Carol 4")
        await a.expect(f"LST {dave} Dave 8")
        await a.expect_nothing()
        await ns.close_all()
    finally:
        await service.stop()
