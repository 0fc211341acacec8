"""Concurrent list changes never lose an update, on SQLite and PostgreSQL. Each service call
runs in its own transaction on its own pooled connection; asyncio.gather starts them
together so their statements interleave."""

from __future__ import annotations

import asyncio

import pytest

from msnp.services.accounts import AccountService
from msnp.services.lists import ListService
from msnp.services.models import ListBits, ServiceError

FL, AL, BL, RL = ListBits.FL, ListBits.AL, ListBits.BL, ListBits.RL


async def lists_of(lists: ListService, owner: str, email: str) -> ListBits:
    for entry in (await lists.snapshot(owner)).contacts:
        if entry.email == email:
            return entry.lists
    return ListBits.NONE


async def version(lists: ListService, email: str) -> int:
    return (await lists.snapshot(email)).account.list_version


async def test_adding_one_offline_user_to_fl_and_al_at_once_keeps_both(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("owner@example.com", "pw")
    for round_ in range(5):
        target = f"offline{round_}@example.com"
        await accounts.create(target, "pw")
        owner_before = await version(lists, "owner@example.com")
        target_before = await version(lists, target)

        fl, al = await asyncio.gather(
            lists.add_contact("owner@example.com", FL, target, "T", None),
            lists.add_contact("owner@example.com", AL, target, "T", None),
        )

        assert await lists_of(lists, "owner@example.com", target) == FL | AL
        assert await lists_of(lists, target, "owner@example.com") == RL
        assert sorted((fl.version, al.version)) == [owner_before + 1, owner_before + 2]
        assert await version(lists, "owner@example.com") == owner_before + 2
        assert await version(lists, target) == target_before + 1


async def test_many_users_adding_one_user_all_land_on_their_rl(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("star@example.com", "pw")
    fans = [f"fan{i}@example.com" for i in range(12)]
    for fan in fans:
        await accounts.create(fan, "pw")
    before = await version(lists, "star@example.com")

    changes = await asyncio.gather(
        *(lists.add_contact(fan, FL, "star@example.com", "Star", None) for fan in fans)
    )

    # Every reverse change got its own version of the star's list: none was lost or reused.
    reverse_versions = sorted(c.reverse.version for c in changes if c.reverse is not None)
    assert reverse_versions == list(range(before + 1, before + 1 + len(fans)))
    assert await version(lists, "star@example.com") == before + len(fans)
    snapshot = await lists.snapshot("star@example.com")
    assert sorted(c.email for c in snapshot.contacts if c.lists == RL) == sorted(fans)


async def test_two_users_adding_each_other_at_once(
    accounts: AccountService, lists: ListService
) -> None:
    """Each transaction locks both accounts; taking the locks in id order avoids deadlock."""
    for round_ in range(5):
        a, b = f"a{round_}@example.com", f"b{round_}@example.com"
        await accounts.create(a, "pw")
        await accounts.create(b, "pw")
        await asyncio.gather(
            lists.add_contact(a, FL, b, "B", None),
            lists.add_contact(b, FL, a, "A", None),
            lists.add_contact(a, AL, b, "B", None),
            lists.add_contact(b, AL, a, "A", None),
        )
        assert await lists_of(lists, a, b) == FL | AL | RL
        assert await lists_of(lists, b, a) == FL | AL | RL
        # Two own changes and one RL change each.
        assert await version(lists, a) == await version(lists, b)


async def test_concurrent_allow_and_block_cannot_both_win(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("me@example.com", "pw")
    await accounts.create("you@example.com", "pw")
    results = await asyncio.gather(
        lists.add_contact("me@example.com", AL, "you@example.com", "y", None),
        lists.add_contact("me@example.com", BL, "you@example.com", "y", None),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(refused) == 1 and refused[0].code == 219
    assert await lists_of(lists, "me@example.com", "you@example.com") in (AL, BL)


async def test_concurrent_group_creation_gives_distinct_ids(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("grouper@example.com", "pw")
    before = await version(lists, "grouper@example.com")
    results = await asyncio.gather(
        *(lists.add_group("grouper@example.com", f"group {i}") for i in range(10))
    )
    assert sorted(gid for _, gid in results) == list(range(1, 11))
    assert sorted(v for v, _ in results) == list(range(before + 1, before + 11))


async def test_concurrent_settings_changes_each_bump_the_version(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("busy@example.com", "pw")
    before = await version(lists, "busy@example.com")
    versions = await asyncio.gather(
        lists.set_gtc("busy@example.com", "N"),
        lists.set_blp("busy@example.com", "BL"),
        lists.set_property("busy@example.com", "PHH", "1"),
        lists.set_property("busy@example.com", "PHW", "2"),
        lists.set_display_name("busy@example.com", "Busy"),
        lists.add_group("busy@example.com", "G"),
    )
    flat = sorted(v if isinstance(v, int) else v[0] for v in versions)
    assert flat == list(range(before + 1, before + 7))
    snapshot = await lists.snapshot("busy@example.com")
    account = snapshot.account
    assert (account.gtc, account.blp, account.display_name) == ("N", "BL", "Busy")
    assert dict(account.properties) == {"PHH": "1", "PHW": "2"}


async def test_deleting_an_account_while_others_add_it(
    accounts: AccountService, lists: ListService
) -> None:
    await accounts.create("leaving@example.com", "pw")
    adders = [f"adder{i}@example.com" for i in range(6)]
    for adder in adders:
        await accounts.create(adder, "pw")

    results = await asyncio.gather(
        *(lists.add_contact(a, FL, "leaving@example.com", "L", None) for a in adders),
        accounts.delete("leaving@example.com"),
        return_exceptions=True,
    )

    for adder, result in zip(adders, results, strict=False):
        # Either added before the deletion (and then removed by it) or refused with 205.
        if isinstance(result, BaseException):
            assert isinstance(result, ServiceError) and result.code == 205, result
        assert await lists_of(lists, adder, "leaving@example.com") == ListBits.NONE
    assert not isinstance(results[-1], BaseException)


@pytest.mark.parametrize("rounds", [3])
async def test_add_and_remove_race_leaves_a_consistent_rl(
    accounts: AccountService, lists: ListService, rounds: int
) -> None:
    """FL and the other side's RL always agree, whatever the interleaving."""
    await accounts.create("x@example.com", "pw")
    await accounts.create("y@example.com", "pw")
    for _ in range(rounds):
        await asyncio.gather(
            lists.add_contact("x@example.com", FL, "y@example.com", "y", None),
            lists.remove_contact("x@example.com", FL, "y@example.com", None),
            return_exceptions=True,
        )
        on_fl = FL in await lists_of(lists, "x@example.com", "y@example.com")
        on_rl = RL in await lists_of(lists, "y@example.com", "x@example.com")
        assert on_fl == on_rl
