"""ADG RMG REG REA GTC BLP PRP over real sockets (reference §4.9-4.11, §4.16-4.19, §6, §7)."""

from __future__ import annotations

import pytest

from msnp.services.models import MAX_GROUPS, ListBits

from .harness import NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")


# ---- ADG ------------------------------------------------------------------------------------


async def test_adg_allocates_the_lowest_free_id(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send("ADG 10 Friends 0")
    await a.expect(f"ADG 10 {v + 1} Friends 1 0")
    await a.send("ADG 11 My%20Family 0")
    await a.expect(f"ADG 11 {v + 2} My%20Family 2 0")
    await a.send("RMG 12 1")
    await a.expect(f"RMG 12 {v + 3} 1")
    await a.send("ADG 13 %43oworkers 0")  # any %XX is accepted; re-encoded minimally
    await a.expect(f"ADG 13 {v + 4} Coworkers 1 0")


async def test_adg_223_at_thirty_groups(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    for n in range(1, MAX_GROUPS):
        await a.send(f"ADG {n} G{n} 0")
        await a.expect(f"ADG {n} {{v}} G{n} {n} 0")
    v = await ns.version(alice)
    await a.send("ADG 99 OneTooMany 0")
    await a.expect("223 99")
    assert await ns.version(alice) == v


async def test_adg_228_duplicate_name(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("ADG 10 Friends 0")
    await a.expect("ADG 10 {v} Friends 1 0")
    await a.send("ADG 11 Friends 0")
    await a.expect("228 11")
    await a.send("ADG 12 Other%20Contacts 0")  # group 0's default name
    await a.expect("228 12")


async def test_adg_229_above_61_bytes(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"ADG 10 {'x' * 61} 0")
    await a.expect(f"ADG 10 {{v}} {'x' * 61} 1 0")
    await a.send(f"ADG 11 {'y' * 62} 0")
    await a.expect("229 11")
    await a.send(f"ADG 12 {'%41' * 21} 0")  # 63 encoded bytes, 21 characters
    await a.expect("229 12")


async def test_adg_absurd_length_disconnects(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"ADG 10 {'z' * 2000} 0")
    await a.expect_closed()


async def test_adg_without_a_name_disconnects(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("ADG 10")
    await a.expect_closed()


# ---- RMG ------------------------------------------------------------------------------------


async def test_rmg_moves_contacts_of_the_group_to_group_zero(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send("ADG 10 Work 0")
    await a.expect("ADG 10 {v} Work 1 0")
    await a.send(f"ADD 11 FL {bob} Bob 1")
    v = int((await a.expect(f"ADD 11 FL {{v}} {bob} Bob 1"))["v"])
    await a.send("RMG 12 1")
    await a.expect(f"RMG 12 {v + 1} 1")
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.groups == (0,) and ListBits.FL in contact.lists


async def test_rmg_errors(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send("RMG 10 0")
    await a.expect("230 10")
    await a.send("RMG 11 7")
    await a.expect("224 11")
    await a.send("RMG 12 29")
    await a.expect("224 12")
    assert await ns.version(alice) == v


@pytest.mark.parametrize("group", ["30", "-1", "x", "100000"])
async def test_rmg_out_of_range_disconnects(ns: NSHarness, group: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"RMG 10 {group}")
    await a.expect_closed()


# ---- REG ------------------------------------------------------------------------------------


async def test_reg_renames(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send("REG 10 0 Everyone%20Else 0")
    await a.expect(f"REG 10 {v + 1} 0 Everyone%20Else 0")
    snapshot = await ns.service.lists.snapshot(alice)
    assert [g.name for g in snapshot.groups] == ["Everyone Else"]


async def test_reg_unknown_group_224(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("REG 10 3 Nope 0")
    await a.expect("224 10")


async def test_reg_128_byte_name_disconnects(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"REG 10 0 {'n' * 127} 0")
    await a.expect(f"REG 10 {{v}} 0 {'n' * 127} 0")
    await a.send(f"REG 11 0 {'n' * 128} 0")
    await a.expect_closed()


@pytest.mark.parametrize("group", ["30", "x"])
async def test_reg_out_of_range_disconnects(ns: NSHarness, group: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"REG 10 {group} Name 0")
    await a.expect_closed()


# ---- REA ------------------------------------------------------------------------------------


async def test_rea_own_name_goes_to_watchers_only(ns: NSHarness) -> None:
    alice, bob, carol, dave = await ns.accounts("alice", "bob", "carol", "dave")
    await ns.watch(bob, alice)  # Bob watches Alice and is allowed (BLP AL)
    await ns.watch(carol, alice)
    await ns.add(alice, ListBits.BL, carol)  # ... but Carol is blocked
    await ns.add(dave, ListBits.AL, alice)  # Dave does not watch Alice at all
    b = await ns.login(bob)
    c = await ns.login(carol)
    d = await ns.login(dave)
    a = await ns.login(alice, caps="268435500")
    await b.expect(f"NLN NLN {alice} Alice 268435500")
    v = await ns.version(alice)
    await a.send(f"REA 10 {alice} Alice%20in%20Wonderland")
    await a.expect(f"REA 10 {v + 1} {alice} Alice%20in%20Wonderland")
    await b.expect(f"NLN NLN {alice} Alice%20in%20Wonderland 268435500")
    await c.expect_nothing()
    await d.expect_nothing()
    await b.expect_nothing()
    # The name is stored: the next login shows it.
    await a.send("OUT")
    await a.expect("OUT")
    again = await ns.login(alice, status=None)
    assert again.wire.captured["name"] == "Alice%20in%20Wonderland"


async def test_rea_own_name_while_hidden_tells_nobody(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.watch(bob, alice)
    b = await ns.login(bob)
    a = await ns.login(alice, status="HDN")
    await a.send(f"REA 10 {alice} Secret")
    await a.expect(f"REA 10 {{v}} {alice} Secret")
    await b.expect_nothing()


async def test_rea_own_name_is_case_insensitive(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"REA 10 {alice.upper()} Al")
    await a.expect(f"REA 10 {{v}} {alice} Al")


async def test_rea_too_long_or_empty_name_209(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send(f"REA 10 {alice} {'x' * 388}")
    await a.expect("209 10")
    await a.send(f"REA 11 {alice} %20%20")
    await a.expect("209 11")
    await a.send(f"REA 12 {alice} {'x' * 387}")
    await a.expect(f"REA 12 {v + 1} {alice} {'x' * 387}")


async def test_rea_burst_then_800(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    for n in range(5):
        await a.send(f"REA {20 + n} {alice} Name{n}")
        await a.expect(f"REA {20 + n} {{v}} {alice} Name{n}")
    v = await ns.version(alice)
    await a.send(f"REA 30 {alice} OneTooMany")
    await a.expect("800 30")
    assert await ns.version(alice) == v
    # Renaming a contact is not rate-limited.
    bob = await ns.account("bob")
    await ns.add(alice, ListBits.AL, bob)
    await a.send(f"REA 31 {bob} Bobby")
    await a.expect(f"REA 31 {{v}} {bob} Bobby")


async def test_rea_contact_renames_the_stored_name_only(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    b = await ns.login(bob)
    a = await ns.login(alice)
    await a.expect(f"ILN 5 NLN {bob} Bob 0")
    await b.expect(f"NLN NLN {alice} Alice 0")
    va, vb = await ns.version(alice), await ns.version(bob)
    await a.send(f"REA 10 {bob} My%20Friend%20Bob")
    await a.expect(f"REA 10 {va + 1} {bob} My%20Friend%20Bob")
    await b.expect_nothing()
    assert await ns.version(bob) == vb
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.stored_name == "My Friend Bob"


async def test_rea_not_on_any_list_216(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"REA 10 {bob} Bobby")
    await a.expect("216 10")
    await a.send("REA 11 nobody@example.com Nobody")
    await a.expect("216 11")


# ---- GTC / BLP --------------------------------------------------------------------------------


async def test_gtc(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send("GTC 10 N")
    await a.expect(f"GTC 10 {v + 1} N")
    await a.send("GTC 11 N")
    await a.expect("218 11")
    await a.send("GTC 12 A")
    await a.expect(f"GTC 12 {v + 2} A")


@pytest.mark.parametrize("line", ["GTC 10 X", "GTC 10 a", "GTC 10", "BLP 10 XL", "BLP 10 al",
                                  "BLP 10"])
async def test_gtc_blp_bad_value_disconnects(ns: NSHarness, line: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(line)
    await a.expect_closed()


async def test_blp(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send("BLP 10 AL")
    await a.expect("218 10")  # the default
    await a.send("BLP 11 BL")
    await a.expect(f"BLP 11 {v + 1} BL")
    await a.send("BLP 12 BL")
    await a.expect("218 12")


# ---- PRP / BPR ------------------------------------------------------------------------------


async def test_prp_sets_and_clears_each_property(ns: NSHarness) -> None:
    alice, bob, carol = await ns.accounts("alice", "bob", "carol")
    await ns.watch(bob, alice)
    await ns.watch(carol, alice)
    await ns.add(alice, ListBits.BL, carol)
    b = await ns.login(bob)
    c = await ns.login(carol)
    a = await ns.login(alice)
    await b.expect(f"NLN NLN {alice} Alice 0")
    v = await ns.version(alice)
    # (property, as the client sends it, as the server echoes it: '+' is %-encoded)
    cases = [("PHH", "555%201234", "555%201234"), ("PHW", "555%209999", "555%209999"),
             ("PHM", "+1%20555%200000", "%2B1%20555%200000"), ("MOB", "Y", "Y")]
    for n, (prop, sent, value) in enumerate(cases):
        vb = await ns.version(bob)
        await a.send(f"PRP {10 + n} {prop} {sent}")
        await a.expect(f"PRP {10 + n} {v + 1 + n} {prop} {value}")
        # The watcher's cached list now holds the new value: its version moves on too.
        await b.expect(f"BPR {vb + 1} {alice} {prop} {value}")
        assert await ns.version(bob) == vb + 1
    await c.expect_nothing()  # blocked: no BPR
    snapshot = await ns.service.lists.snapshot(alice)
    assert dict(snapshot.account.properties) == {
        "PHH": "555 1234", "PHW": "555 9999", "PHM": "+1 555 0000", "MOB": "Y"}

    v = await ns.version(alice)
    vb = await ns.version(bob)
    await a.send("PRP 20 PHH")
    await a.expect(f"PRP 20 {v + 1} PHH")
    await b.expect(f"BPR {vb + 1} {alice} PHH")
    snapshot = await ns.service.lists.snapshot(alice)
    assert "PHH" not in snapshot.account.properties


async def test_prp_change_reaches_an_offline_contact_through_syn(ns: NSHarness) -> None:
    """A contact whose client cached the list before the change must not be told 'up to
    date' at its next SYN: the change bumped its list version as well."""
    alice, bob = await ns.accounts("alice", "bob")
    await ns.friends(alice, bob)
    cached = await ns.version(bob)
    a = await ns.login(alice)
    await a.send("PRP 10 PHM 555%201")
    await a.expect("PRP 10 {v} PHM 555%201")
    b = await ns.login(bob, status=None)
    await b.send(f"SYN 4 {cached}")
    await b.expect(f"SYN 4 {cached + 1} 1 1")
    await b.expect("GTC A")
    await b.expect("BLP AL")
    await b.expect("LSG 0 Other%20Contacts 0")
    await b.expect(f"LST {alice} {alice} 11 0")
    await b.expect("BPR PHM 555%201")


@pytest.mark.parametrize("prop", ["MBE", "MFN", "XYZ", "WWE"])
async def test_prp_unknown_or_server_set_715(ns: NSHarness, prop: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(f"PRP 10 {prop} Y")
    await a.expect("715 10")


async def test_prp_bad_mob_value_201(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("PRP 10 MOB maybe")
    await a.expect("201 10")


@pytest.mark.parametrize("line", ["PRP 10 PHHH 555", "PRP 10 PHH " + "1" * 96, "PRP 10"])
async def test_prp_too_long_disconnects(ns: NSHarness, line: str) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send(line)
    await a.expect_closed()


async def test_prp_95_bytes_is_accepted(ns: NSHarness) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    await a.send("PRP 10 PHW " + "1" * 95)
    await a.expect("PRP 10 {v} PHW " + "1" * 95)
