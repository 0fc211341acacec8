"""AccountService on SQLite and PostgreSQL."""

from __future__ import annotations

import argon2
import pytest

from msnp.config import PasswordConfig
from msnp.services.accounts import (
    AccountService,
    DuplicateAccount,
    EmptyPassword,
    InvalidDisplayName,
    InvalidEmail,
    NoSuchAccount,
)
from msnp.services.lists import ListService
from msnp.services.models import Group, ListBits
from msnp.services.passwords import PasswordHasher
from msnp.store import Database


async def test_create_sets_the_documented_defaults(
    accounts: AccountService, lists: ListService
) -> None:
    account = await accounts.create("Alice@Example.com", "pw")
    assert account.email == "alice@example.com"
    assert account.display_name == "Alice@Example.com"  # the address as given
    assert (account.blp, account.gtc, dict(account.properties)) == ("AL", "A", {})
    assert account.member_id_high != 0
    assert 0 <= account.member_id_low <= 0xFFFFFFFF
    # A client without a cache sends SYN 0: the stored version must differ from it.
    assert account.list_version >= 1
    snapshot = await lists.snapshot("alice@example.com")
    assert snapshot.groups == (Group(0, "Other Contacts"),)
    assert snapshot.contacts == ()


async def test_member_ids_differ(accounts: AccountService) -> None:
    ids = {(await accounts.create(f"u{i}@example.com", "pw")).member_id for i in range(5)}
    assert len(ids) == 5


async def test_display_name(accounts: AccountService) -> None:
    account = await accounts.create("bob@example.com", "pw", "Bob B. ☺")
    assert account.display_name == "Bob B. ☺"
    for bad in ("", "   ", "a\r\nb", "x" * 400):
        with pytest.raises(InvalidDisplayName):
            await accounts.create("carol@example.com", "pw", bad)


async def test_identity_is_case_insensitive(accounts: AccountService) -> None:
    created = await accounts.create("Dave@Example.COM", "pw")
    assert await accounts.get("dave@example.com") == created
    assert await accounts.get("DAVE@EXAMPLE.COM") == created
    assert await accounts.get(" dave@example.com ") == created
    with pytest.raises(DuplicateAccount, match="already exists"):
        await accounts.create("dave@EXAMPLE.com", "other")
    assert [a.email for a in await accounts.list_accounts()] == ["dave@example.com"]


@pytest.mark.parametrize("email", ["", "dave", "dave@", "@example.com", "a b@example.com", "x@y"])
async def test_invalid_addresses_are_refused(accounts: AccountService, email: str) -> None:
    with pytest.raises(InvalidEmail):
        await accounts.create(email, "pw")
    assert await accounts.list_accounts() == []


async def test_an_empty_password_is_refused(accounts: AccountService) -> None:
    with pytest.raises(EmptyPassword):
        await accounts.create("erin@example.com", "")
    await accounts.create("erin@example.com", "pw")
    with pytest.raises(EmptyPassword):
        await accounts.set_password("erin@example.com", "")


async def test_errors_are_one_line(accounts: AccountService) -> None:
    await accounts.create("a@example.com", "pw")
    for call in (
        accounts.create("a@example.com", "pw"),
        accounts.create("bad", "pw"),
        accounts.create("b@example.com", ""),
        accounts.delete("nobody@example.com"),
    ):
        with pytest.raises(Exception) as info:
            await call
        assert str(info.value) and "\n" not in str(info.value)


async def test_authenticate(accounts: AccountService) -> None:
    created = await accounts.create("Fred@Example.com", "s3cret")
    assert await accounts.authenticate("fred@example.com", "s3cret") == created
    assert await accounts.authenticate("FRED@example.com", "s3cret") == created
    assert await accounts.authenticate("fred@example.com", "S3cret") is None
    assert await accounts.authenticate("fred@example.com", "") is None
    assert await accounts.authenticate("ghost@example.com", "s3cret") is None
    assert await accounts.authenticate("not an address", "s3cret") is None


async def test_an_unknown_account_costs_a_verification(
    accounts: AccountService, password_hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = password_hasher.verify

    async def counting_verify(stored: str, password: str) -> bool:
        verified.append(password)
        return await real_verify(stored, password)

    monkeypatch.setattr(password_hasher, "verify", counting_verify)
    await accounts.create("gina@example.com", "pw")
    assert await accounts.authenticate("gina@example.com", "wrong") is None
    assert await accounts.authenticate("nobody@example.com", "guess") is None
    assert verified == ["wrong", "guess"]


async def test_login_upgrades_a_hash_made_with_old_parameters(
    database: Database, password_config: PasswordConfig
) -> None:
    from dataclasses import replace

    from sqlalchemy import select

    from msnp.store.tables import accounts as accounts_table

    async def stored_hash() -> str:
        async with database.begin(write=False) as conn:
            query = select(accounts_table.c.password_hash)
            return str((await conn.execute(query)).scalar_one())

    old = PasswordHasher(password_config)
    new = PasswordHasher(replace(password_config, time_cost=password_config.time_cost + 1))
    try:
        await AccountService(database, old).create("hana@example.com", "pw")
        before = await stored_hash()
        service = AccountService(database, new)
        assert await service.authenticate("hana@example.com", "wrong") is None
        assert await stored_hash() == before  # a failed login changes nothing
        assert await service.authenticate("hana@example.com", "pw") is not None
        after = await stored_hash()
        assert after != before
        assert argon2.extract_parameters(after).time_cost == password_config.time_cost + 1
        assert await service.authenticate("hana@example.com", "pw") is not None
    finally:
        await old.close()
        await new.close()


async def test_set_password(accounts: AccountService) -> None:
    await accounts.create("ivan@example.com", "old")
    await accounts.set_password("IVAN@example.com", "new")
    assert await accounts.authenticate("ivan@example.com", "old") is None
    assert await accounts.authenticate("ivan@example.com", "new") is not None
    with pytest.raises(NoSuchAccount):
        await accounts.set_password("nobody@example.com", "pw")


async def test_delete_removes_the_account_from_every_list(
    accounts: AccountService, lists: ListService
) -> None:
    for name in ("jo", "kim", "lee", "max"):
        await accounts.create(f"{name}@example.com", "pw")
    await lists.add_contact("kim@example.com", ListBits.FL, "jo@example.com", "Jo", None)
    await lists.add_contact("lee@example.com", ListBits.BL, "jo@example.com", "Jo", None)
    await lists.add_contact("jo@example.com", ListBits.FL, "max@example.com", "Max", None)
    before = {
        f"{e}@example.com": (await lists.snapshot(f"{e}@example.com")).account.list_version
        for e in ("kim", "lee", "max")
    }

    changed = await accounts.delete("JO@example.com")

    # kim (FL), lee (BL) and max (RL, because jo watched max) each lost an entry.
    assert changed == {email: version + 1 for email, version in before.items()}
    for email, version in changed.items():
        snapshot = await lists.snapshot(email)
        assert snapshot.account.list_version == version
        assert all(c.email != "jo@example.com" for c in snapshot.contacts)
    assert await accounts.get("jo@example.com") is None
    assert await accounts.authenticate("jo@example.com", "pw") is None
    with pytest.raises(NoSuchAccount):
        await accounts.delete("jo@example.com")
    # The address is free again, with empty lists.
    again = await accounts.create("jo@example.com", "pw2")
    assert (await lists.snapshot(again.email)).contacts == ()


async def test_list_accounts_is_ordered(accounts: AccountService) -> None:
    for email in ("zed@example.com", "Amy@example.com", "mia@example.com"):
        await accounts.create(email, "pw")
    assert [a.email for a in await accounts.list_accounts()] == [
        "amy@example.com",
        "mia@example.com",
        "zed@example.com",
    ]
