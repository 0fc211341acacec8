"""Statements shared by the account and list services: reading accounts into domain records,
locking account rows, bumping list versions, and dialect-neutral upserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from msnp.services.models import USER_PROPERTIES, Account
from msnp.store.tables import accounts

#: A result row of any shape.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

# accounts columns, keyed by property name, in the order SYN lists them.
PROPERTY_COLUMNS = {prop: accounts.c[prop.lower()] for prop in USER_PROPERTIES}

ACCOUNT_COLUMNS = (
    accounts.c.id,
    accounts.c.email_key,
    accounts.c.display_name,
    accounts.c.member_id,
    accounts.c.blp,
    accounts.c.gtc,
    accounts.c.list_version,
    accounts.c.verified,
    *PROPERTY_COLUMNS.values(),
)


def properties_from_row(row: AnyRow, names: Iterable[str] = USER_PROPERTIES) -> dict[str, str]:
    """The set properties among `names`, in that order."""
    mapping = row._mapping
    return {name: mapping[name.lower()] for name in names if mapping[name.lower()] is not None}


def account_from_row(row: AnyRow) -> Account:
    return Account(
        id=row.id,
        email=row.email_key,
        display_name=row.display_name,
        member_id=row.member_id,
        blp=row.blp,
        gtc=row.gtc,
        properties=properties_from_row(row),
        list_version=row.list_version,
        verified=bool(row.verified),
    )


# Built once: constructing a statement costs more than running it on SQLite (login path).
_FIND_ACCOUNT = select(*ACCOUNT_COLUMNS).where(accounts.c.email_key == bindparam("email_key"))


async def find_account(conn: AsyncConnection, email_key: str) -> AnyRow | None:
    """The account row (ACCOUNT_COLUMNS) for a canonical e-mail, or None."""
    result = await conn.execute(_FIND_ACCOUNT, {"email_key": email_key})
    return result.first()


async def lock_accounts(conn: AsyncConnection, ids: Iterable[int]) -> set[int]:
    """Lock account rows in id order (so two transactions never wait on each other in a
    cycle) and return the ids that still exist. SQLite ignores FOR UPDATE: its writers are
    already serialized by BEGIN IMMEDIATE."""
    wanted = sorted(set(ids))
    result = await conn.execute(
        select(accounts.c.id)
        .where(accounts.c.id.in_(wanted))
        .order_by(accounts.c.id)
        .with_for_update()
    )
    return {row.id for row in result}


async def bump_version(conn: AsyncConnection, account_id: int, **changes: Any) -> int:
    """Increment an account's list version (applying `changes` to its row in the same
    statement) and return the new version. Also takes the row lock on PostgreSQL."""
    result = await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(list_version=accounts.c.list_version + 1, **changes)
        .returning(accounts.c.list_version)
    )
    return int(result.scalar_one())


def insert_for(conn: AsyncConnection, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports ON CONFLICT for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(
    conn: AsyncConnection,
    table: Any,
    values: Mapping[str, Any],
    keys: list[str],
    set_: Mapping[str, Any],
) -> Insert:
    """INSERT `values`, or on a key conflict UPDATE the existing row with `set_`."""
    stmt = insert_for(conn, table).values(**values)
    return stmt.on_conflict_do_update(index_elements=keys, set_=dict(set_))
