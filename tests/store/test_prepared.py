"""PreparedSelect: compiled once, run on the DBAPI cursor on SQLite and as an ordinary
statement on PostgreSQL; both give the same named-tuple rows as SQLAlchemy would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from msnp.store import Database
from msnp.store.prepared import PreparedSelect
from msnp.store.tables import accounts, contacts

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _seed(database: Database) -> dict[str, int]:
    async def seed(conn: AsyncConnection) -> dict[str, int]:
        ids = {}
        for n, email in enumerate(("a@example.com", "b@example.com", "c@example.com")):
            result = await conn.execute(
                insert(accounts)
                .values(email_key=email, email=email, display_name=email.upper(),
                        password_hash="x", member_id=1000 + n, created_at=NOW)
                .returning(accounts.c.id)
            )
            ids[email] = int(result.scalar_one())
        for other, lists in (("b@example.com", 1), ("c@example.com", 0)):
            await conn.execute(insert(contacts).values(
                owner_id=ids["a@example.com"], contact_id=ids[other], stored_name=other,
                lists=lists))
        return ids

    return await database.write(seed)


# A literal the statement binds itself (`lists != 0`) next to a named parameter.
CONTACTS = PreparedSelect(
    select(contacts.c.contact_id, contacts.c.stored_name, contacts.c.lists)
    .where(contacts.c.owner_id == bindparam("owner"), contacts.c.lists != 0)
    .order_by(contacts.c.contact_id)
)
ACCOUNT = PreparedSelect(
    select(accounts.c.id, accounts.c.display_name.label("name"))
    .where(accounts.c.email_key == bindparam("key"))
)


async def test_rows_match_sqlalchemy_and_keep_bound_literals(database: Database) -> None:
    ids = await _seed(database)

    async def both(conn: AsyncConnection) -> tuple[list[tuple[Any, ...]], list[Any]]:
        plain = (await conn.execute(CONTACTS.statement, {"owner": ids["a@example.com"]})).all()
        return [tuple(row) for row in plain], await CONTACTS.rows(
            conn, owner=ids["a@example.com"])

    expected, prepared = await database.read(both)
    assert expected == [(ids["b@example.com"], "b@example.com", 1)]  # c (lists 0) left out
    assert [tuple(row) for row in prepared] == expected


async def test_rows_are_named_by_column_label(database: Database) -> None:
    ids = await _seed(database)

    async def load(conn: AsyncConnection) -> Any:
        return await ACCOUNT.first(conn, key="b@example.com")

    row = await database.read(load)
    assert row is not None
    assert (row.id, row.name) == (ids["b@example.com"], "B@EXAMPLE.COM")
    assert row[1] == "B@EXAMPLE.COM"


async def test_first_is_none_without_rows(database: Database) -> None:
    async def load(conn: AsyncConnection) -> object:
        return await ACCOUNT.first(conn, key="nobody@example.com")

    assert await database.read(load) is None


async def test_prepared_reads_see_the_same_transaction(database: Database) -> None:
    """On SQLite the cursor runs on the unit's own connection: an uncommitted insert in the
    same transaction is visible, and gone after the rollback."""
    await _seed(database)

    async def insert_then_read(conn: AsyncConnection) -> None:
        await conn.execute(insert(accounts).values(
            email_key="d@example.com", email="d@example.com", display_name="D",
            password_hash="x", member_id=2000, created_at=NOW))
        assert await ACCOUNT.first(conn, key="d@example.com") is not None
        raise LookupError("roll back")

    try:
        await database.write(insert_then_read)
    except LookupError:
        pass

    async def load(conn: AsyncConnection) -> object:
        return await ACCOUNT.first(conn, key="d@example.com")

    assert await database.read(load) is None


async def test_many_concurrent_units_each_get_their_own_result(database: Database) -> None:
    """The database thread answers each waiting coroutine with its own result, in any
    interleaving, and a cancelled waiter does not disturb the others."""
    ids = await _seed(database)

    def reader(key: str) -> Callable[[AsyncConnection], Awaitable[int | None]]:
        async def load(conn: AsyncConnection) -> int | None:
            row = await ACCOUNT.first(conn, key=key)
            return None if row is None else row.id

        return load

    keys = ["a@example.com", "b@example.com", "c@example.com", "x@example.com"] * 25
    cancelled = asyncio.ensure_future(database.read(reader("a@example.com")))
    cancelled.cancel()
    results = await asyncio.gather(*(database.read(reader(k)) for k in keys))
    assert results == [ids.get(k) for k in keys]
    assert cancelled.cancelled()
