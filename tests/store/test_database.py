"""Opening, migrating and transaction helpers of msnp.store.Database, on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from msnp.store import Database, DatabaseUnavailable
from msnp.store.tables import accounts, metadata


async def test_upgrade_is_idempotent_and_reports_the_head(database: Database) -> None:
    head = await database.revision()
    assert head == "0001"
    assert await database.upgrade() == head


async def test_migrations_create_exactly_the_declared_schema(database: Database) -> None:
    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with database.begin(write=False) as conn:
        assert await conn.run_sync(differences) == []


async def test_a_fresh_sqlite_file_and_its_directory_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "msnp.sqlite3"
    db = await Database.open(f"sqlite:///{path}")  # plain URL: the async driver is chosen
    try:
        assert await db.revision() is None
        await db.upgrade()
        async with db.begin(write=False) as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
        assert (mode, keys) == ("wal", 1)
        assert busy is not None and busy >= 1000
    finally:
        await db.close()
    assert path.exists()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    from msnp.store.tables import groups

    with pytest.raises(IntegrityError):
        async with database.begin() as conn:
            await conn.execute(insert(groups).values(owner_id=12345, group_id=0, name="x"))


async def test_a_failed_transaction_is_rolled_back(database: Database) -> None:
    async def fail(conn: AsyncConnection) -> None:
        await conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        await database.write(fail)

    async def tables(conn: AsyncConnection) -> set[str]:
        return await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))

    assert "scratch" not in await database.read(tables)


@pytest.mark.postgres
async def test_a_missing_postgresql_database_is_one_clear_line(postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    missing = make_url(postgres_url).set(database="msnp_no_such_database")
    with pytest.raises(DatabaseUnavailable) as info:
        await Database.open(missing.render_as_string(hide_password=False))
    message = str(info.value)
    assert "\n" not in message
    assert "msnp_no_such_database" in message and "does not exist" in message


async def test_an_unreachable_server_is_one_clear_line() -> None:
    with pytest.raises(DatabaseUnavailable) as info:
        await Database.open("postgresql://nobody@127.0.0.1:1/none")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("cannot open database postgresql+asyncpg://nobody@")


@pytest.mark.parametrize("url", ["mysql://x@localhost/db", "not a url"])
async def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseUnavailable):
        await Database.open(url)


async def test_an_uncreatable_sqlite_directory_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseUnavailable, match="cannot create the directory"):
        await Database.open(f"sqlite:///{blocker / 'sub' / 'msnp.sqlite3'}")


def _transient(dialect: str) -> OperationalError:
    if dialect == "sqlite":
        return OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))

    class Deadlock(Exception):
        sqlstate = "40P01"

    return OperationalError("UPDATE", {}, Deadlock("deadlock detected"))


async def test_write_retries_transient_failures_from_the_start(database: Database) -> None:
    calls = 0

    async def flaky(conn: AsyncConnection) -> int:
        nonlocal calls
        calls += 1
        await conn.execute(
            insert(accounts).values(
                email_key=f"try{calls}@example.com",
                email=f"try{calls}@example.com",
                display_name="x",
                password_hash="x",
                member_id=2**32 + calls,
                created_at=datetime.now(UTC),
            )
        )
        if calls < 3:
            raise _transient(database.dialect)
        return calls

    assert await database.write(flaky) == 3

    async def emails(conn: AsyncConnection) -> list[str]:
        return list((await conn.execute(select(accounts.c.email_key))).scalars())

    # The two failed attempts were rolled back: only the third insert is there.
    assert await database.read(emails) == ["try3@example.com"]


async def test_write_does_not_retry_other_errors(database: Database) -> None:
    calls = 0

    async def broken(conn: AsyncConnection) -> None:
        nonlocal calls
        calls += 1
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nope"))

    with pytest.raises(OperationalError):
        await database.write(broken)
    assert calls == 1


async def test_write_gives_up_after_the_last_attempt(database: Database) -> None:
    calls = 0

    async def always_locked(conn: AsyncConnection) -> None:
        nonlocal calls
        calls += 1
        raise _transient(database.dialect)

    with pytest.raises(OperationalError):
        await database.write(always_locked, attempts=3)
    assert calls == 3


async def test_writers_are_serialized(database: Database) -> None:
    """Many read-modify-write transactions on one row: none may be lost. (Each reads the
    value, yields to the loop, then writes value + 1; only row locks or a database-wide
    write lock taken at BEGIN make this safe.)"""
    async with database.begin() as conn:
        await conn.execute(
            insert(accounts).values(
                email_key="c@example.com",
                email="c@example.com",
                display_name="c",
                password_hash="x",
                member_id=2**32,
                created_at=datetime.now(UTC),
            )
        )

    async def increment(conn: AsyncConnection) -> None:
        query = select(accounts.c.list_version).where(accounts.c.email_key == "c@example.com")
        if database.dialect == "postgresql":
            query = query.with_for_update()
        value = (await conn.execute(query)).scalar_one()
        if database.dialect == "postgresql":
            # On SQLite a unit of work runs whole on the database thread and may not yield
            # to the loop (see test_sqlite_work_may_only_await_its_connection).
            await asyncio.sleep(0.001)
        await conn.execute(
            accounts.update()
            .where(accounts.c.email_key == "c@example.com")
            .values(list_version=value + 1)
        )

    await asyncio.gather(*(database.write(increment) for _ in range(20)))

    async def version(conn: AsyncConnection) -> int:
        query = select(accounts.c.list_version).where(accounts.c.email_key == "c@example.com")
        return int((await conn.execute(query)).scalar_one())

    assert await database.read(version) == 20


async def test_sqlite_work_may_only_await_its_connection(database: Database) -> None:
    """SQLite units of work run to completion on the database thread in one hand-off; one
    that awaits anything but its connection is a programming error, reported clearly and
    rolled back."""
    if database.dialect != "sqlite":
        pytest.skip("SQLite-specific")

    async def bad(conn: AsyncConnection) -> None:
        await conn.execute(select(accounts.c.id))
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="awaited something other than its connection"):
        await database.write(bad)
    assert await database.read(lambda conn: _count(conn)) == 0


async def _count(conn: AsyncConnection) -> int:
    from sqlalchemy import func

    return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def test_work_after_close_is_refused_not_left_waiting(database_url: str) -> None:
    db = await Database.open(database_url)
    await db.close()
    with pytest.raises(DatabaseUnavailable):
        await asyncio.wait_for(db.read(lambda conn: _count(conn)), timeout=5)
