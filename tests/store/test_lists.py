"""ListService on SQLite and PostgreSQL: SYN snapshots, ADD/REM, groups, names, settings,
the reference's error codes and list-version bumping."""

from __future__ import annotations

import pytest

from msnp.services.accounts import AccountService
from msnp.services.lists import ListService
from msnp.services.models import (
    MAX_FORWARD_LIST,
    MAX_GROUPS,
    MAX_LIST_ENTRIES,
    Contact,
    Group,
    ListBits,
    ListChange,
    ReverseListChange,
    ServiceError,
)
from msnp.store import Database
from msnp.wire.errors import ErrorCode

FL, AL, BL, RL = ListBits.FL, ListBits.AL, ListBits.BL, ListBits.RL
ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


@pytest.fixture
async def people(accounts: AccountService) -> None:
    await accounts.create("Alice@Example.com", "pw", "Alice")
    await accounts.create(BOB, "pw", "Bob")
    await accounts.create(CAROL, "pw", "Carol")


async def version(lists: ListService, email: str) -> int:
    return (await lists.snapshot(email)).account.list_version


async def contact(lists: ListService, owner: str, email: str) -> Contact | None:
    return next((c for c in (await lists.snapshot(owner)).contacts if c.email == email), None)


async def expect_error(code: ErrorCode, call: object) -> None:
    with pytest.raises(ServiceError) as info:
        await call  # type: ignore[misc]
    assert info.value.code == code


pytestmark = pytest.mark.usefixtures("people")


# ---- ADD ------------------------------------------------------------------------------------
async def test_add_to_fl_puts_the_owner_on_the_contacts_rl(lists: ListService) -> None:
    alice_before, bob_before = await version(lists, ALICE), await version(lists, BOB)

    change = await lists.add_contact("ALICE@example.com", FL, "Bob@Example.com", "Bobby", None)

    assert change == ListChange(
        version=alice_before + 1,
        contact=BOB,
        stored_name="Bobby",
        group_id=0,
        reverse=ReverseListChange(BOB, bob_before + 1, member=ALICE, member_name="Alice"),
    )
    assert await version(lists, ALICE) == alice_before + 1
    assert await version(lists, BOB) == bob_before + 1
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bobby", FL, (0,), {})
    # Bob learns about Alice through his RL, named with her display name.
    assert await contact(lists, BOB, ALICE) == Contact(ALICE, "Alice", RL, (), {})


async def test_add_to_al_and_bl_touches_only_the_owner(lists: ListService) -> None:
    bob_before = await version(lists, BOB)
    allow = await lists.add_contact(ALICE, AL, BOB, BOB, None)
    block = await lists.add_contact(ALICE, BL, CAROL, CAROL, 3)  # group ignored outside FL
    assert (allow.group_id, allow.reverse) == (block.group_id, block.reverse) == (None, None)
    assert block.version == allow.version + 1
    assert await version(lists, BOB) == bob_before
    assert await contact(lists, BOB, ALICE) is None
    assert await contact(lists, ALICE, BOB) == Contact(BOB, BOB, AL, (), {})
    assert await contact(lists, ALICE, CAROL) == Contact(CAROL, CAROL, BL, (), {})


async def test_one_entry_per_contact_with_summed_bits(lists: ListService) -> None:
    await lists.add_contact(ALICE, AL, BOB, "allow name", None)
    await lists.add_contact(ALICE, FL, BOB, "Bob", None)
    await lists.add_contact(BOB, FL, ALICE, "Al", None)
    snapshot = await lists.snapshot(ALICE)
    assert [c.email for c in snapshot.contacts] == [BOB]
    # FL + AL + RL = 11; ADD FL sets the stored name, ADD AL/BL and RL keep it.
    assert snapshot.contacts[0] == Contact(BOB, "Bob", FL | AL | RL, (0,), {})
    await lists.add_contact(ALICE, BL, CAROL, "first", None)
    await lists.add_contact(CAROL, FL, ALICE, "x", None)
    assert await contact(lists, ALICE, CAROL) == Contact(CAROL, "first", BL | RL, (), {})


async def test_add_fl_with_a_group_and_multi_group_membership(lists: ListService) -> None:
    _, friends = await lists.add_group(ALICE, "Friends")
    _, work = await lists.add_group(ALICE, "Work")
    first = await lists.add_contact(ALICE, FL, BOB, "Bob", work)
    bob_version = await version(lists, BOB)
    second = await lists.add_contact(ALICE, FL, BOB, "Bob", friends)
    # Joining one more group is not a new FL membership: no RL change for Bob.
    assert second.reverse is None and second.group_id == friends
    assert second.version == first.version + 1
    assert await version(lists, BOB) == bob_version
    assert (await contact(lists, ALICE, BOB)) == Contact(BOB, "Bob", FL, (friends, work), {})
    await lists.add_contact(ALICE, FL, BOB, "Bob", 0)
    assert (await contact(lists, ALICE, BOB)) == Contact(BOB, "Bob", FL, (0, friends, work), {})


async def test_add_errors(lists: ListService) -> None:
    await expect_error(ErrorCode.FQDN_MISSING, lists.add_contact(ALICE, FL, "bob", "b", None))
    await expect_error(ErrorCode.FQDN_MISSING, lists.add_contact(ALICE, FL, "bob@", "b", None))
    for malformed in ("b ob@example.com", "bob@exa_mple.com", "bob@example", "x" * 130 + "@a.com"):
        await expect_error(
            ErrorCode.INVALID_PARAMETER, lists.add_contact(ALICE, FL, malformed, "b", None)
        )
    await expect_error(
        ErrorCode.INVALID_USER, lists.add_contact(ALICE, AL, "ghost@example.com", "g", None)
    )
    await expect_error(ErrorCode.INVALID_GROUP, lists.add_contact(ALICE, FL, BOB, "b", 7))

    await lists.add_contact(ALICE, FL, BOB, "b", None)
    await expect_error(ErrorCode.ALREADY_THERE, lists.add_contact(ALICE, FL, BOB, "b", None))
    await expect_error(ErrorCode.ALREADY_THERE, lists.add_contact(ALICE, FL, BOB, "b", 0))
    await lists.add_contact(ALICE, AL, BOB, "b", None)
    await expect_error(ErrorCode.ALREADY_THERE, lists.add_contact(ALICE, AL, BOB, "b", None))
    await expect_error(
        ErrorCode.ALREADY_IN_OPPOSITE_LIST, lists.add_contact(ALICE, BL, BOB, "b", None)
    )
    await lists.add_contact(ALICE, BL, CAROL, "c", None)
    await expect_error(
        ErrorCode.ALREADY_IN_OPPOSITE_LIST, lists.add_contact(ALICE, AL, CAROL, "c", None)
    )


async def test_refused_changes_do_not_bump_versions(lists: ListService) -> None:
    await lists.add_contact(ALICE, FL, BOB, "b", None)
    before = (await version(lists, ALICE), await version(lists, BOB))
    await expect_error(ErrorCode.ALREADY_THERE, lists.add_contact(ALICE, FL, BOB, "b", None))
    await expect_error(ErrorCode.INVALID_GROUP, lists.remove_group(ALICE, 9))
    await expect_error(ErrorCode.ALREADY_IN_THE_MODE, lists.set_blp(ALICE, "AL"))
    await expect_error(ErrorCode.NOT_ON_LIST, lists.rename_contact(ALICE, CAROL, "x"))
    assert (await version(lists, ALICE), await version(lists, BOB)) == before


async def test_rl_cannot_be_changed_by_add_or_rem(lists: ListService) -> None:
    with pytest.raises(ValueError):
        await lists.add_contact(ALICE, RL, BOB, "b", None)
    with pytest.raises(ValueError):
        await lists.remove_contact(ALICE, RL, BOB, None)


async def test_adding_oneself(lists: ListService) -> None:
    change = await lists.add_contact(ALICE, FL, ALICE, "me", None)
    assert change.reverse is not None
    assert change.reverse.version == change.version + 1
    assert await contact(lists, ALICE, ALICE) == Contact(ALICE, "me", FL | RL, (0,), {})
    removal = await lists.remove_contact(ALICE, FL, ALICE, None)
    assert removal.reverse is not None
    assert await contact(lists, ALICE, ALICE) is None


async def test_list_full(database: Database, lists: ListService) -> None:
    """210 at 600 FL entries and 1000 AL/BL entries (filled directly, for speed)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from msnp.store.tables import accounts, contact_groups, contacts

    async with database.begin() as conn:
        alice_id = (
            await conn.execute(select(accounts.c.id).where(accounts.c.email_key == ALICE))
        ).scalar_one()
        await conn.execute(
            insert(accounts),
            [
                {
                    "email_key": f"filler{i}@example.com",
                    "email": f"filler{i}@example.com",
                    "display_name": "f",
                    "password_hash": "x",
                    "member_id": 2**40 + i,
                    "created_at": datetime.now(UTC),
                }
                for i in range(MAX_LIST_ENTRIES)
            ],
        )
        ids = (
            await conn.execute(select(accounts.c.id).where(accounts.c.email_key.like("filler%")))
        ).scalars()
        rows = [
            {"owner_id": alice_id, "contact_id": cid, "stored_name": "f", "lists": int(AL)}
            for cid in ids
        ]
        for row in rows[:MAX_FORWARD_LIST]:
            row["lists"] = int(FL | AL)
        await conn.execute(insert(contacts), rows)
        await conn.execute(
            insert(contact_groups),
            [
                {"owner_id": alice_id, "contact_id": row["contact_id"], "group_id": 0}
                for row in rows[:MAX_FORWARD_LIST]
            ],
        )

    await expect_error(ErrorCode.LIST_FULL, lists.add_contact(ALICE, FL, BOB, "b", None))
    await expect_error(ErrorCode.LIST_FULL, lists.add_contact(ALICE, AL, BOB, "b", None))
    # BL is empty: still room there.
    await lists.add_contact(ALICE, BL, BOB, "b", None)
    # One FL slot freed: room again.
    await lists.remove_contact(ALICE, FL, "filler0@example.com", None)
    await lists.add_contact(ALICE, FL, CAROL, "c", None)
    await expect_error(ErrorCode.LIST_FULL, lists.add_contact(ALICE, FL, BOB, "b", None))


# ---- REM ------------------------------------------------------------------------------------
async def test_remove_from_fl_removes_the_owner_from_the_contacts_rl(lists: ListService) -> None:
    await lists.add_contact(ALICE, FL, BOB, "Bob", None)
    alice_before, bob_before = await version(lists, ALICE), await version(lists, BOB)

    change = await lists.remove_contact(ALICE, FL, "BOB@example.com", None)

    assert change == ListChange(
        version=alice_before + 1,
        contact=BOB,
        stored_name="Bob",
        group_id=None,
        reverse=ReverseListChange(BOB, bob_before + 1, member=ALICE, member_name="Alice"),
    )
    # Entries left with no list bit are gone.
    assert await contact(lists, ALICE, BOB) is None
    assert await contact(lists, BOB, ALICE) is None


async def test_remove_keeps_other_lists(lists: ListService) -> None:
    await lists.add_contact(ALICE, FL, BOB, "Bob", None)
    await lists.add_contact(ALICE, AL, BOB, "Bob", None)
    await lists.add_contact(BOB, AL, ALICE, "Al", None)
    await lists.remove_contact(ALICE, FL, BOB, None)
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", AL, (), {})
    assert await contact(lists, BOB, ALICE) == Contact(ALICE, "Alice", AL, (), {})
    bob_version = await version(lists, BOB)
    change = await lists.remove_contact(ALICE, AL, BOB, None)
    assert change.reverse is None
    assert await version(lists, BOB) == bob_version
    assert await contact(lists, ALICE, BOB) is None


async def test_remove_from_one_group(lists: ListService) -> None:
    _, friends = await lists.add_group(ALICE, "Friends")
    await lists.add_contact(ALICE, FL, BOB, "Bob", 0)
    await lists.add_contact(ALICE, FL, BOB, "Bob", friends)
    bob_version = await version(lists, BOB)
    change = await lists.remove_contact(ALICE, FL, BOB, 0)
    assert (change.group_id, change.reverse) == (0, None)
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", FL, (friends,), {})
    assert await version(lists, BOB) == bob_version  # still on Bob's RL


async def test_leaving_the_last_group_keeps_the_contact_on_fl_in_group_0(
    lists: ListService,
) -> None:
    """Our choice: an FL contact is never in no group; leaving the last one means group 0."""
    _, friends = await lists.add_group(ALICE, "Friends")
    await lists.add_contact(ALICE, FL, BOB, "Bob", friends)
    change = await lists.remove_contact(ALICE, FL, BOB, friends)
    assert change.group_id == friends
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", FL, (0,), {})
    assert await contact(lists, BOB, ALICE) == Contact(ALICE, "Alice", RL, (), {})
    # Leaving group 0 when it is the only group: accepted, the contact stays in group 0.
    await lists.remove_contact(ALICE, FL, BOB, 0)
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", FL, (0,), {})


async def test_remove_errors(lists: ListService) -> None:
    _, friends = await lists.add_group(ALICE, "Friends")
    await expect_error(ErrorCode.NOT_ON_LIST, lists.remove_contact(ALICE, FL, BOB, None))
    await expect_error(ErrorCode.NOT_ON_LIST, lists.remove_contact(ALICE, FL, "x@y.com", None))
    await expect_error(ErrorCode.NOT_ON_LIST, lists.remove_contact(ALICE, AL, "nonsense", None))
    await lists.add_contact(ALICE, AL, BOB, "b", None)
    await expect_error(ErrorCode.NOT_ON_LIST, lists.remove_contact(ALICE, BL, BOB, None))
    await expect_error(ErrorCode.NOT_ON_LIST, lists.remove_contact(ALICE, FL, BOB, friends))
    await lists.add_contact(ALICE, FL, BOB, "b", None)
    await expect_error(ErrorCode.INVALID_GROUP, lists.remove_contact(ALICE, FL, BOB, 12))
    await expect_error(
        ErrorCode.PRINCIPAL_NOT_IN_GROUP, lists.remove_contact(ALICE, FL, BOB, friends)
    )


# ---- groups ---------------------------------------------------------------------------------
async def test_add_group_takes_the_lowest_free_id(lists: ListService) -> None:
    start = await version(lists, ALICE)
    assert await lists.add_group(ALICE, "Friends") == (start + 1, 1)
    assert await lists.add_group(ALICE, "Work") == (start + 2, 2)
    assert await lists.add_group(ALICE, "Family") == (start + 3, 3)
    assert await lists.remove_group(ALICE, 2) == start + 4
    assert await lists.add_group(ALICE, "Co workers") == (start + 5, 2)
    snapshot = await lists.snapshot(ALICE)
    assert snapshot.groups == (
        Group(0, "Other Contacts"),
        Group(1, "Friends"),
        Group(2, "Co workers"),
        Group(3, "Family"),
    )


async def test_group_errors(lists: ListService) -> None:
    await lists.add_group(ALICE, "Friends")
    await expect_error(ErrorCode.GROUP_ALREADY_EXISTS, lists.add_group(ALICE, "Friends"))
    await expect_error(ErrorCode.GROUP_ALREADY_EXISTS, lists.add_group(ALICE, "Other Contacts"))
    # 61 bytes URL-encoded is the limit: "a b" is 5 encoded bytes ("a%20b").
    await lists.add_group(ALICE, "x" * 61)
    await expect_error(ErrorCode.GROUP_NAME_TOO_LONG, lists.add_group(ALICE, "y" * 62))
    await expect_error(ErrorCode.GROUP_NAME_TOO_LONG, lists.add_group(ALICE, "y y" * 12 + "y" * 26))
    await expect_error(ErrorCode.GROUP_NAME_TOO_LONG, lists.add_group(ALICE, "é" * 11))
    await lists.add_group(ALICE, "é" * 10)  # 60 encoded bytes
    existing = len((await lists.snapshot(ALICE)).groups)
    for i in range(MAX_GROUPS - existing):
        await lists.add_group(ALICE, f"g{i}")
    assert len((await lists.snapshot(ALICE)).groups) == MAX_GROUPS
    await expect_error(ErrorCode.TOO_MANY_GROUPS, lists.add_group(ALICE, "one more"))
    await expect_error(ErrorCode.CANNOT_REMOVE_GROUP_ZERO, lists.remove_group(ALICE, 0))
    await lists.remove_group(ALICE, 1)
    await expect_error(ErrorCode.INVALID_GROUP, lists.remove_group(ALICE, 1))
    await expect_error(ErrorCode.INVALID_GROUP, lists.rename_group(ALICE, 1, "x"))
    await expect_error(ErrorCode.GROUP_ALREADY_EXISTS, lists.rename_group(ALICE, 2, "g0"))


async def test_remove_group_moves_its_only_members_to_group_0(lists: ListService) -> None:
    """Our choice (the reference's 'removed from FL' is unconfirmed): nobody is lost."""
    _, friends = await lists.add_group(ALICE, "Friends")
    _, work = await lists.add_group(ALICE, "Work")
    await lists.add_contact(ALICE, FL, BOB, "Bob", friends)
    await lists.add_contact(ALICE, FL, CAROL, "Carol", friends)
    await lists.add_contact(ALICE, FL, CAROL, "Carol", work)
    before = await version(lists, ALICE)
    bob_version = await version(lists, BOB)
    assert await lists.remove_group(ALICE, friends) == before + 1
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", FL, (0,), {})
    assert await contact(lists, ALICE, CAROL) == Contact(CAROL, "Carol", FL, (work,), {})
    assert await version(lists, BOB) == bob_version
    assert [g.id for g in (await lists.snapshot(ALICE)).groups] == [0, work]


async def test_rename_group(lists: ListService) -> None:
    _, friends = await lists.add_group(ALICE, "Friends")
    before = await version(lists, ALICE)
    assert await lists.rename_group(ALICE, friends, "Best friends") == before + 1
    assert await lists.rename_group(ALICE, 0, "Everyone else") == before + 2
    assert await lists.rename_group(ALICE, 0, "Everyone else") == before + 3  # same name: fine
    groups = (await lists.snapshot(ALICE)).groups
    assert groups == (Group(0, "Everyone else"), Group(friends, "Best friends"))


# ---- names ----------------------------------------------------------------------------------
async def test_set_display_name(lists: ListService, accounts: AccountService) -> None:
    before = await version(lists, ALICE)
    assert await lists.set_display_name("Alice@example.com", "Alice ☺ 100%") == before + 1
    account = await accounts.get(ALICE)
    assert account is not None and account.display_name == "Alice ☺ 100%"
    # New RL entries use the new name.
    change = await lists.add_contact(ALICE, FL, BOB, "Bob", None)
    assert change.reverse is not None and change.reverse.member_name == "Alice ☺ 100%"


async def test_rename_contact(lists: ListService) -> None:
    await lists.add_contact(ALICE, BL, BOB, "Bob", None)
    before = await version(lists, ALICE)
    assert await lists.rename_contact(ALICE, "BOB@example.com", "Robert") == before + 1
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Robert", BL, (), {})
    # Renaming an RL-only entry is allowed: it is on one of the lists.
    await lists.add_contact(CAROL, FL, ALICE, "A", None)
    await lists.rename_contact(ALICE, CAROL, "Caz")
    assert await contact(lists, ALICE, CAROL) == Contact(CAROL, "Caz", RL, (), {})
    await expect_error(ErrorCode.NOT_ON_LIST, lists.rename_contact(BOB, ALICE, "x"))
    await expect_error(ErrorCode.NOT_ON_LIST, lists.rename_contact(ALICE, "no@example.com", "x"))


# ---- settings -------------------------------------------------------------------------------
async def test_gtc_and_blp(lists: ListService) -> None:
    start = await version(lists, ALICE)
    await expect_error(ErrorCode.ALREADY_IN_THE_MODE, lists.set_gtc(ALICE, "A"))
    await expect_error(ErrorCode.ALREADY_IN_THE_MODE, lists.set_blp(ALICE, "AL"))
    assert await lists.set_gtc(ALICE, "N") == start + 1
    assert await lists.set_blp(ALICE, "BL") == start + 2
    await expect_error(ErrorCode.ALREADY_IN_THE_MODE, lists.set_gtc(ALICE, "N"))
    await expect_error(ErrorCode.ALREADY_IN_THE_MODE, lists.set_blp(ALICE, "BL"))
    account = (await lists.snapshot(ALICE)).account
    assert (account.gtc, account.blp, account.list_version) == ("N", "BL", start + 2)
    with pytest.raises(ValueError):
        await lists.set_gtc(ALICE, "X")
    with pytest.raises(ValueError):
        await lists.set_blp(ALICE, "RL")


async def test_properties(lists: ListService) -> None:
    start = await version(lists, ALICE)
    assert await lists.set_property(ALICE, "PHM", "555 9876") == start + 1
    assert await lists.set_property(ALICE, "PHH", "1%2") == start + 2
    assert await lists.set_property(ALICE, "MOB", "Y") == start + 3
    assert await lists.set_property(ALICE, "PHH", "1%2") == start + 4  # unchanged still bumps
    account = (await lists.snapshot(ALICE)).account
    # In SYN order (PHH, PHW, PHM, MOB, MBE), set ones only.
    assert list(account.properties.items()) == [("PHH", "1%2"), ("PHM", "555 9876"), ("MOB", "Y")]
    assert await lists.set_property(ALICE, "PHH", None) == start + 5
    assert await lists.set_property(ALICE, "PHM", "") == start + 6
    assert dict((await lists.snapshot(ALICE)).account.properties) == {"MOB": "Y"}
    await expect_error(ErrorCode.NOT_EXPECTED, lists.set_property(ALICE, "MFN", "x"))
    await expect_error(ErrorCode.INVALID_PARAMETER, lists.set_property(ALICE, "MOB", "yes"))
    assert await version(lists, ALICE) == start + 6


async def test_snapshot_shows_contact_properties(lists: ListService) -> None:
    await lists.set_property(BOB, "PHW", "123")
    await lists.set_property(BOB, "MBE", "Y")  # server-set, never shown to contacts
    await lists.add_contact(ALICE, FL, BOB, "Bob", None)
    assert await contact(lists, ALICE, BOB) == Contact(BOB, "Bob", FL, (0,), {"PHW": "123"})


async def test_a_visible_property_change_bumps_the_lists_that_show_it(lists: ListService) -> None:
    """SYN shows a contact's PHH/PHW/PHM/MOB as BPR lines: caches holding them go stale."""
    await lists.add_contact(BOB, FL, ALICE, "A", None)  # Alice is on Bob's FL, Bob on her RL
    await lists.add_contact(CAROL, BL, ALICE, "A", None)
    alice, bob, carol = [await version(lists, e) for e in (ALICE, BOB, CAROL)]
    assert await lists.set_property(ALICE, "PHM", "555") == alice + 1
    assert await version(lists, BOB) == bob + 1
    assert await version(lists, CAROL) == carol + 1
    await lists.set_property(ALICE, "MBE", "Y")  # server-side only: nobody else sees it
    assert (await version(lists, BOB), await version(lists, CAROL)) == (bob + 1, carol + 1)


async def test_snapshot_reads_everything(lists: ListService) -> None:
    _, friends = await lists.add_group(ALICE, "Friends")
    await lists.add_contact(ALICE, FL, CAROL, "Carol", friends)
    await lists.add_contact(ALICE, AL, CAROL, "Carol", None)
    await lists.add_contact(BOB, FL, ALICE, "Al", None)
    await lists.set_gtc(ALICE, "N")
    snapshot = await lists.snapshot("ALICE@EXAMPLE.COM")
    assert snapshot.account.email == ALICE
    assert snapshot.account.gtc == "N"
    assert snapshot.groups == (Group(0, "Other Contacts"), Group(friends, "Friends"))
    assert snapshot.contacts == (
        Contact(BOB, "Bob", RL, (), {}),
        Contact(CAROL, "Carol", FL | AL, (friends,), {}),
    )
    assert await lists.get_contact(ALICE, "Carol@example.com") == snapshot.contacts[1]
    assert await lists.get_contact(ALICE, "nobody@example.com") is None


async def test_unknown_owner(lists: ListService) -> None:
    await expect_error(ErrorCode.INVALID_USER, lists.snapshot("ghost@example.com"))
    await expect_error(ErrorCode.INVALID_USER, lists.set_gtc("ghost@example.com", "N"))
    await expect_error(
        ErrorCode.INVALID_USER, lists.add_contact("ghost@example.com", FL, BOB, "b", None)
    )


async def test_every_change_bumps_the_version_by_one(lists: ListService) -> None:
    steps = [
        lambda: lists.add_group(ALICE, "G"),
        lambda: lists.add_contact(ALICE, FL, BOB, "b", None),
        lambda: lists.add_contact(ALICE, FL, BOB, "b", 1),
        lambda: lists.add_contact(ALICE, AL, BOB, "b", None),
        lambda: lists.remove_contact(ALICE, FL, BOB, 1),
        lambda: lists.rename_group(ALICE, 1, "H"),
        lambda: lists.remove_group(ALICE, 1),
        lambda: lists.set_display_name(ALICE, "A"),
        lambda: lists.rename_contact(ALICE, BOB, "B"),
        lambda: lists.set_gtc(ALICE, "N"),
        lambda: lists.set_blp(ALICE, "BL"),
        lambda: lists.set_property(ALICE, "PHH", "1"),
        lambda: lists.remove_contact(ALICE, AL, BOB, None),
        lambda: lists.remove_contact(ALICE, FL, BOB, None),
    ]
    expected = await version(lists, ALICE)
    for step in steps:
        await step()  # type: ignore[no-untyped-call]
        expected += 1
        assert await version(lists, ALICE) == expected
