"""Phone numbers (PHH/PHW/PHM/MOB) reach a contact only when the owner allows that contact:
in the SYN dump's BPR lines and in the BPR lines that follow ADD FL."""

from __future__ import annotations

import pytest

from msnp.services.models import ListBits

from .harness import NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _with_phone(ns: NSHarness, name: str) -> str:
    email = await ns.account(name)
    await ns.service.lists.set_property(email, "PHM", "555 0100")
    await ns.service.lists.set_property(email, "MOB", "Y")
    return email


async def test_add_fl_sends_the_contacts_numbers(ns: NSHarness) -> None:
    owner = await ns.account("owner")
    friend = await _with_phone(ns, "friend")
    client = await ns.login(owner)
    trid = client.trid()
    await client.send(f"ADD {trid} FL {friend} Friend")
    version = (await client.expect(f"ADD {trid} FL {{v}} {friend} Friend 0"))["v"]
    await client.expect(f"BPR {version} {friend} PHM 555%200100")
    await client.expect(f"BPR {version} {friend} MOB Y")
    await client.expect_nothing()  # friend is offline: no ILN


async def test_add_fl_of_a_blocker_sends_no_numbers(ns: NSHarness) -> None:
    owner = await ns.account("owner")
    blocker = await _with_phone(ns, "blocker")
    await ns.add(blocker, ListBits.BL, owner)
    client = await ns.login(owner)
    trid = client.trid()
    await client.send(f"ADD {trid} FL {blocker} Blocker")
    await client.expect(f"ADD {trid} FL {{v}} {blocker} Blocker 0")
    await client.expect_nothing()


@pytest.mark.parametrize(
    ("setup", "shown"),
    [
        ("nothing", True),  # BLP AL: everyone not blocked
        ("block", False),  # the contact blocks us
        ("blp_bl", False),  # allow-list only, and we are not on it
        ("blp_bl_allowed", True),  # allow-list only, and we are on it
    ],
)
async def test_syn_dump_shows_numbers_only_when_allowed(
    ns: NSHarness, setup: str, shown: bool
) -> None:
    owner = await ns.account("owner")
    contact = await _with_phone(ns, "contact")
    await ns.add(owner, ListBits.FL, contact)
    if setup == "block":
        await ns.add(contact, ListBits.BL, owner)
    if setup.startswith("blp_bl"):
        await ns.service.lists.set_blp(contact, "BL")
    if setup == "blp_bl_allowed":
        await ns.add(contact, ListBits.AL, owner)
    client = await ns.login(owner, status=None)
    await client.send("SYN 20 0")
    dump = [await client.line()]
    dump += (await client.sync())
    lst = next(i for i, line in enumerate(dump) if line.startswith(f"LST {contact} "))
    following = dump[lst + 1 : lst + 3]
    if shown:
        assert following == ["BPR PHM 555%200100", "BPR MOB Y"], dump
    else:
        assert not any(line.startswith("BPR") for line in dump), dump
