"""CHG and the presence lines it causes: ILN, NLN, FLN per recipient dialect (§4.20-4.23, §8)."""

from __future__ import annotations

import pytest

from msnp.services.models import ListBits
from msnp.wire.msnobject import MSNObject

from .harness import NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")

OPEN_STATUSES = ["NLN", "BSY", "IDL", "BRB", "AWY", "PHN", "LUN"]
CAPS = "268435500"


def picture(creator: str) -> str:
    return MSNObject.create(creator, b"\x89PNG not really").to_wire()


@pytest.mark.parametrize("status", OPEN_STATUSES)
async def test_each_open_status_reaches_watchers(ns: NSHarness, status: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, status=status, caps=CAPS)
    await b.expect(f"NLN {status} {alice} Alice {CAPS}")
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await a.send("CHG 10 HDN " + CAPS)
    await a.expect("CHG 10 HDN " + CAPS)
    await b.expect(f"FLN {alice}")
    await a.send(f"CHG 11 {status} {CAPS}")
    await a.expect(f"CHG 11 {status} {CAPS}")
    await b.expect(f"NLN {status} {alice} Alice {CAPS}")  # HDN -> open: NLN again


async def test_hidden_login_tells_nobody_and_hidden_logout_neither(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, status="HDN")
    await a.expect(f"ILN 5 NLN {bob} Bob 0")  # a hidden user still sees others
    await b.expect_nothing()
    await a.send("OUT")
    await a.expect("OUT")
    await a.expect_closed()
    await b.expect_nothing()


async def test_status_changes_reach_only_allowed_watchers(ns: NSHarness) -> None:
    alice, bob, carol, dave, erin = await ns.accounts("alice", "bob", "carol", "dave", "erin")
    await ns.watch(bob, alice)  # watches, allowed by BLP AL
    await ns.watch(carol, alice)
    await ns.add(alice, ListBits.BL, carol)  # watches, blocked
    await ns.add(dave, ListBits.AL, alice)  # does not watch (Alice on Dave's AL only)
    await ns.add(alice, ListBits.FL, erin)  # Alice watches Erin; Erin does not watch Alice
    clients = {e: await ns.login(e) for e in (bob, carol, dave, erin)}
    a = await ns.login(alice, status="BSY")
    await clients[bob].expect(f"NLN BSY {alice} Alice 0")
    await a.expect(f"ILN 5 NLN {erin} Erin 0")
    for email in (carol, dave, erin):
        await clients[email].expect_nothing()
    await clients[bob].expect_nothing()


async def test_iln_only_after_the_first_chg(ns: NSHarness) -> None:
    alice, bob, carol = await ns.accounts("alice", "bob", "carol")
    await ns.friends(alice, bob)
    await ns.friends(alice, carol)
    await ns.login(bob, status="AWY", caps="28")
    await ns.login(carol, status="HDN")  # hidden contacts are absent from ILN
    a = await ns.login(alice, status=None)
    await a.expect_nothing()
    await a.send("CHG 8 NLN 0")
    await a.expect("CHG 8 NLN 0")
    await a.expect(f"ILN 8 AWY {bob} Bob 28")
    await a.expect_nothing()
    await a.send("CHG 9 BSY 0")  # a later CHG sends no ILN again
    await a.expect("CHG 9 BSY 0")
    await a.expect_nothing()


async def test_watcher_without_a_status_yet_gets_iln_not_nln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob, status=None)
    a = await ns.login(alice)
    await a.send("CHG 10 BRB 0")
    await a.expect("CHG 10 BRB 0")
    await b.expect_nothing()
    await b.send("CHG 11 NLN 0")
    await b.expect("CHG 11 NLN 0")
    await b.expect(f"ILN 11 BRB {alice} Alice 0")
    await a.expect(f"NLN NLN {bob} Bob 0")


async def test_closing_the_socket_without_out_sends_fln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.close()
    await b.expect(f"FLN {alice}")


async def test_out_sends_fln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.send("OUT")
    await a.expect("OUT")
    await b.expect(f"FLN {alice}")


# ---- capabilities and the MSNObject, per dialect ---------------------------------------------


async def test_msnobject_goes_to_msnp9_watchers_only(ns: NSHarness) -> None:
    alice, bob8, carol9 = await ns.accounts("alice", "bob", "carol")
    await ns.friends(alice, bob8)
    await ns.friends(alice, carol9)
    obj = picture(alice)
    b = await ns.login(bob8, dialect="MSNP8")
    c = await ns.login(carol9)
    a = await ns.login(alice, status=None)
    await a.send(f"CHG 10 NLN {CAPS} {obj}")
    await a.expect(f"CHG 10 NLN {CAPS} {obj}")
    await a.expect(f"ILN 10 NLN {bob8} Bob 0")
    await a.expect(f"ILN 10 NLN {carol9} Carol 0")
    await b.expect(f"NLN NLN {alice} Alice {CAPS}")
    await c.expect(f"NLN NLN {alice} Alice {CAPS} {obj}")
    # ILN as well: each dialect sees its own form.
    b2 = await ns.login(bob8, dialect="MSNP8", status=None)
    await b2.send("CHG 6 NLN 0")
    await b2.expect("CHG 6 NLN 0")
    await b2.expect(f"ILN 6 NLN {alice} Alice {CAPS}")
    c2 = await ns.login(carol9, status=None)
    await c2.send("CHG 6 NLN 0")
    await c2.expect("CHG 6 NLN 0")
    await c2.expect(f"ILN 6 NLN {alice} Alice {CAPS} {obj}")


async def test_no_picture_means_no_msnobject_field(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, caps=CAPS)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice {CAPS}")  # exactly: nothing after the caps
    # Dropping a picture (`0` in the MSNObject slot, or no slot) drops the field.
    obj = picture(alice)
    await a.send(f"CHG 10 NLN {CAPS} {obj}")
    await a.expect(f"CHG 10 NLN {CAPS} {obj}")
    await b.expect(f"NLN NLN {alice} Alice {CAPS} {obj}")
    await a.send(f"CHG 11 NLN {CAPS} 0")
    await a.expect(f"CHG 11 NLN {CAPS}")
    await b.expect(f"NLN NLN {alice} Alice {CAPS}")


async def test_msnp8_client_sending_an_msnobject_is_not_relayed(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, dialect="MSNP8", status=None)
    await a.send(f"CHG 10 NLN {CAPS} {picture(alice)}")
    await a.expect(f"CHG 10 NLN {CAPS}")
    await b.expect(f"NLN NLN {alice} Alice {CAPS}")


async def test_capability_only_change_is_sent_as_nln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, caps="0")
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.send("CHG 10 NLN 16")
    await a.expect("CHG 10 NLN 16")
    await b.expect(f"NLN NLN {alice} Alice 16")


@pytest.mark.parametrize(("dialect", "echo"), [("MSNP8", "CHG 10 NLN 0"), ("MSNP9", "CHG 10 NLN")])
async def test_bare_chg_echo_per_dialect(ns: NSHarness, dialect: str, echo: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice, dialect=dialect, status=None)
    await a.send("CHG 10 NLN")
    await a.expect(echo)
    await a.expect(f"ILN 10 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")  # no capabilities: 0 to watchers


@pytest.mark.parametrize("dialect", ["MSNP8", "MSNP9"])
async def test_chg_with_capabilities_echoes_them(ns: NSHarness, dialect: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, dialect=dialect, status=None)
    await a.send("CHG 10 AWY 805306404")
    await a.expect("CHG 10 AWY 805306404")


# ---- errors ---------------------------------------------------------------------------------


async def test_chg_fln_is_201(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.send("CHG 10 FLN 0")
    await a.expect("201 10")
    await b.expect_nothing()
    await a.send("CHG 11 BSY 0")  # the session goes on
    await a.expect("CHG 11 BSY 0")


@pytest.mark.parametrize("args", ["NLN x", "NLN -1", "NLN 99999999999"])
async def test_chg_bad_capabilities_201(ns: NSHarness, args: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(f"CHG 10 {args}")
    await a.expect("201 10")


async def test_chg_bad_msnobject_201(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice, status=None)
    await a.send(f"CHG 10 NLN {CAPS} %3Cnot%20an%20object%3E")
    await a.expect("201 10")


@pytest.mark.parametrize("args", ["nln 0", "Bsy", "XYZ 0", "ONL", ""])
async def test_chg_unknown_or_lower_case_status_disconnects(ns: NSHarness, args: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    await a.send(f"CHG 10 {args}".rstrip())
    await a.expect_closed()
    await b.expect(f"FLN {alice}")
