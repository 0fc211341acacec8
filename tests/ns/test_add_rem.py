"""ADD and REM over real sockets (reference §4.14, §4.15, §5 RL handling, §6 versions)."""

from __future__ import annotations

import pytest

from msnp.services.models import MAX_FORWARD_LIST, MAX_LIST_ENTRIES, ListBits

from .harness import NSHarness

pytestmark = pytest.mark.asyncio(loop_scope="module")


# ---- ADD: success paths ---------------------------------------------------------------------


async def test_add_fl_with_group_bumps_version_and_tells_the_contact(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    va, vb = await ns.version(alice), await ns.version(bob)

    await a.send(f"ADD 10 FL {bob} Bobby 0")
    await a.expect(f"ADD 10 FL {va + 1} {bob} Bobby 0")
    # Bob allows everyone (BLP AL) and is online: Alice sees him at once, with the ADD's trid.
    await a.expect(f"ILN 10 NLN {bob} Bob 0")
    await b.expect(f"ADD 0 RL {vb + 1} {alice} Alice")
    assert await ns.version(alice) == va + 1
    assert await ns.version(bob) == vb + 1
    await a.expect_nothing()
    await b.expect_nothing()


async def test_add_fl_without_group_goes_to_group_zero(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send(f"ADD 11 FL {bob} {bob}")
    await a.expect(f"ADD 11 FL {v + 1} {bob} {bob} 0")
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.groups == (0,)


async def test_add_fl_into_a_second_group(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    await a.send("ADG 12 Friends 0")
    group = (await a.expect("ADG 12 {v} Friends {gid} 0"))["gid"]
    await a.send(f"ADD 13 FL {bob} Bob 0")
    v = int((await a.expect(f"ADD 13 FL {{v}} {bob} Bob 0"))["v"])
    await a.expect(f"ILN 13 NLN {bob} Bob 0")
    vb = int((await b.expect(f"ADD 0 RL {{v}} {alice} Alice"))["v"])
    await a.send(f"ADD 14 FL {bob} Robert {group}")
    await a.expect(f"ADD 14 FL {v + 1} {bob} Robert {group}")
    # Already watched: no second ILN, and Bob's RL did not change.
    await a.expect_nothing()
    await b.expect_nothing()
    assert await ns.version(bob) == vb
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.groups == (0, int(group))
    assert contact.stored_name == "Robert"  # as echoed


async def test_add_fully_percent_encoded_nick_is_decoded_and_reencoded(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    encoded = "".join(f"%{b:02X}" for b in b"dave smith")
    await a.send(f"ADD 15 FL {bob} {encoded} 0")
    await a.expect(f"ADD 15 FL {{v}} {bob} dave%20smith 0")
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.stored_name == "dave smith"


async def test_add_mixed_case_handle_is_canonical(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 16 AL {bob.upper()} Bob")
    await a.expect(f"ADD 16 AL {{v}} {bob} Bob")


@pytest.mark.parametrize("lst", ["AL", "BL"])
async def test_add_al_bl_has_no_group_and_no_rl_side_effect(ns: NSHarness, lst: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    va, vb = await ns.version(alice), await ns.version(bob)
    await a.send(f"ADD 17 {lst} {bob} Bob")
    await a.expect(f"ADD 17 {lst} {va + 1} {bob} Bob")
    await a.expect_nothing()
    await b.expect_nothing()  # AL/BL changes are not announced to the contact
    assert await ns.version(bob) == vb
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.lists == ListBits.from_name(lst)
    assert contact.groups == ()


async def test_add_of_an_offline_contact_sends_no_iln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 18 FL {bob} Bob 0")
    await a.expect(f"ADD 18 FL {{v}} {bob} Bob 0")
    await a.expect_nothing()


async def test_add_of_a_hidden_contact_sends_no_iln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob, status="HDN")
    await a.send(f"ADD 19 FL {bob} Bob 0")
    await a.expect(f"ADD 19 FL {{v}} {bob} Bob 0")
    await a.expect_nothing()
    await b.expect(f"ADD 0 RL {{v}} {alice} Alice")  # hidden people still learn of it


async def test_add_of_a_blocking_contact_sends_no_iln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.add(bob, ListBits.BL, alice)
    a = await ns.login(alice)
    await ns.login(bob)
    await a.send(f"ADD 20 FL {bob} Bob 0")
    await a.expect(f"ADD 20 FL {{v}} {bob} Bob 0")
    await a.expect_nothing()


async def test_add_before_the_first_chg_sends_no_iln(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice, status=None)
    await ns.login(bob)
    await a.send(f"ADD 21 FL {bob} Bob 0")
    await a.expect(f"ADD 21 FL {{v}} {bob} Bob 0")
    await a.expect_nothing()
    # ... but the first CHG brings it as ILN.
    await a.send("CHG 22 NLN 0")
    await a.expect("CHG 22 NLN 0")
    await a.expect(f"ILN 22 NLN {bob} Bob 0")


async def test_rl_entry_of_an_offline_user_is_seen_at_their_next_syn(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 23 FL {bob} Bobby 0")
    await a.expect(f"ADD 23 FL {{v}} {bob} Bobby 0")
    version = await ns.version(bob)
    b = await ns.login(bob, status=None)
    await b.send("SYN 4 0")
    await b.expect(f"SYN 4 {version} 1 1")
    await b.expect("GTC A")
    await b.expect("BLP AL")
    await b.expect("LSG 0 Other%20Contacts 0")
    await b.expect(f"LST {alice} Alice 8")  # RL bit only, no group field
    await b.expect_nothing()


# ---- ADD: errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("not an email", 206),
        ("no-at-sign.example.com", 206),
        ("bad@", 206),
        ("bad<>@example.com", 201),
        ("a@b", 201),
        ("nobody-here@example.com", 205),
    ],
)
async def test_add_bad_handles(ns: NSHarness, target: str, code: int) -> None:
    alice = await ns.account("alice")
    a = await ns.login(alice)
    v = await ns.version(alice)
    await a.send(f"ADD 30 FL {target.replace(' ', '')} nick 0")
    await a.expect(f"{code} 30")
    assert await ns.version(alice) == v  # refusals never bump the version


async def test_add_already_there_215(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 31 FL {bob} Bob 0")
    await a.expect(f"ADD 31 FL {{v}} {bob} Bob 0")
    await a.send(f"ADD 32 FL {bob} Bob 0")  # same group again
    await a.expect("215 32")
    await a.send(f"ADD 33 FL {bob} Bob")  # default group is 0, also already there
    await a.expect("215 33")
    await a.send(f"ADD 34 AL {bob} Bob")
    await a.expect(f"ADD 34 AL {{v}} {bob} Bob")
    await a.send(f"ADD 35 AL {bob} Bob")
    await a.expect("215 35")


@pytest.mark.parametrize(("first", "second"), [("AL", "BL"), ("BL", "AL")])
async def test_add_to_opposite_list_219(ns: NSHarness, first: str, second: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 36 {first} {bob} Bob")
    await a.expect(f"ADD 36 {first} {{v}} {bob} Bob")
    await a.send(f"ADD 37 {second} {bob} Bob")
    await a.expect("219 37")


@pytest.mark.parametrize("group", ["5", "29", "x"])
async def test_add_to_missing_group_224(ns: NSHarness, group: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 38 FL {bob} Bob {group}")
    await a.expect("224 38")


async def test_add_to_a_full_list_210(ns: NSHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob, carol = await ns.accounts("alice", "bob", "carol")
    # A real limit of 1000 needs 1000 accounts; the check is the same with a limit of 1.
    assert MAX_LIST_ENTRIES == 1000 and MAX_FORWARD_LIST == 600
    monkeypatch.setattr("msnp.services.lists.MAX_LIST_ENTRIES", 1)
    monkeypatch.setattr("msnp.services.lists.MAX_FORWARD_LIST", 1)
    a = await ns.login(alice)
    for lst in ("BL", "FL"):
        await a.send(f"ADD 39 {lst} {bob} Bob")
        await a.expect(f"ADD 39 {lst} {{v}} {bob} Bob" + (" 0" if lst == "FL" else ""))
        await a.send(f"ADD 40 {lst} {carol} Carol")
        await a.expect("210 40")


async def test_add_rl_disconnects(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(f"ADD 40 RL {bob} Bob")
    await a.expect_closed()


@pytest.mark.parametrize("line", ["ADD 41 XL {bob} Bob", "ADD 41 FL", "ADD 41 FL {bob}"])
async def test_add_malformed_disconnects(ns: NSHarness, line: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    await a.send(line.format(bob=bob))
    await a.expect_closed()


# ---- REM --------------------------------------------------------------------------------------


async def test_rem_fl_tells_the_contact_rem_rl(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.watch(alice, bob)
    a = await ns.login(alice)
    b = await ns.login(bob)
    await a.expect(f"NLN NLN {bob} Bob 0")
    va, vb = await ns.version(alice), await ns.version(bob)
    await a.send(f"REM 50 FL {bob}")
    await a.expect(f"REM 50 FL {va + 1} {bob}")
    await b.expect(f"REM 0 RL {vb + 1} {alice}")
    assert await ns.service.lists.get_contact(alice, bob) is None
    assert await ns.service.lists.get_contact(bob, alice) is None
    # Alice no longer watches Bob: his next status change does not reach her.
    await b.send("CHG 51 BSY 0")
    await b.expect("CHG 51 BSY 0")
    await a.expect_nothing()


async def test_rem_fl_of_an_offline_contact_is_seen_at_their_syn(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.watch(alice, bob)
    a = await ns.login(alice)
    await a.send(f"REM 52 FL {bob}")
    await a.expect(f"REM 52 FL {{v}} {bob}")
    b = await ns.login(bob, status=None)
    await b.send("SYN 4 0")
    await b.expect(f"SYN 4 {await ns.version(bob)} 0 1")
    await b.expect("GTC A")
    await b.expect("BLP AL")
    await b.expect("LSG 0 Other%20Contacts 0")
    await b.expect_nothing()


@pytest.mark.parametrize("lst", ["AL", "BL"])
async def test_rem_al_bl(ns: NSHarness, lst: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.add(alice, ListBits.from_name(lst), bob)
    a = await ns.login(alice)
    b = await ns.login(bob)
    v = await ns.version(alice)
    await a.send(f"REM 53 {lst} {bob}")
    await a.expect(f"REM 53 {lst} {v + 1} {bob}")
    await b.expect_nothing()
    assert await ns.service.lists.get_contact(alice, bob) is None


async def test_rem_from_one_group_only(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    b = await ns.login(bob)
    await a.send("ADG 54 Work 0")
    gid = (await a.expect("ADG 54 {v} Work {gid} 0"))["gid"]
    await a.send(f"ADD 55 FL {bob} Bob 0")
    await a.expect(f"ADD 55 FL {{v}} {bob} Bob 0")
    await a.expect(f"ILN 55 NLN {bob} Bob 0")
    await b.expect(f"ADD 0 RL {{v}} {alice} Alice")
    await a.send(f"ADD 56 FL {bob} Bob {gid}")
    v = int((await a.expect(f"ADD 56 FL {{v}} {bob} Bob {gid}"))["v"])
    vb = await ns.version(bob)
    await a.send(f"REM 57 FL {bob} {gid}")
    await a.expect(f"REM 57 FL {v + 1} {bob} {gid}")
    contact = await ns.service.lists.get_contact(alice, bob)
    assert contact is not None and contact.lists == ListBits.FL and contact.groups == (0,)
    await b.expect_nothing()  # still on FL: no RL change
    assert await ns.version(bob) == vb
    # Bob is still watched.
    await b.send("CHG 58 AWY 0")
    await b.expect("CHG 58 AWY 0")
    await a.expect(f"NLN AWY {bob} Bob 0")


async def test_rem_not_on_list_216(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    a = await ns.login(alice)
    for lst in ("FL", "AL", "BL"):
        await a.send(f"REM 60 {lst} {bob}")
        await a.expect("216 60")
    await a.send("REM 61 FL nobody@example.com")
    await a.expect("216 61")


async def test_rem_unknown_group_224_and_not_in_group_225(ns: NSHarness) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.add(alice, ListBits.FL, bob)
    a = await ns.login(alice)
    await a.send(f"REM 62 FL {bob} 7")
    await a.expect("224 62")
    await a.send("ADG 63 Family 0")
    gid = (await a.expect("ADG 63 {v} Family {gid} 0"))["gid"]
    await a.send(f"REM 64 FL {bob} {gid}")
    await a.expect("225 64")


@pytest.mark.parametrize("line", ["REM 65 RL {bob}", "REM 65 FL", "REM 65 AL {bob} 0"])
async def test_rem_rl_and_malformed_disconnect(ns: NSHarness, line: str) -> None:
    alice, bob = await ns.accounts("alice", "bob")
    await ns.add(alice, ListBits.AL, bob)
    a = await ns.login(alice)
    await a.send(line.format(bob=bob))
    await a.expect_closed()
