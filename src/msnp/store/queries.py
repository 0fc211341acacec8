"""Statements shared by the account and list services: reading accounts into domain records,
locking account rows, bumping list versions, and dialect-neutral upserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from msnp.services.models import USER_PROPERTIES, Account
from msnp.store.prepared import PreparedSelect
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


def properties_from_row(row: Any, names: Iterable[str] = USER_PROPERTIES) -> dict[str, str]:
    """The set properties among `names`, in that order."""
    found = ((name, getattr(row, name.lower())) for name in names)
    return {name: value for name, value in found if value is not None}


_FIRST_PROPERTY = len(ACCOUNT_COLUMNS) - len(USER_PROPERTIES)


def account_from_row(row: Sequence[Any]) -> Account:
    """From a row that starts with ACCOUNT_COLUMNS: a Row, or a plain tuple (prepared.py)."""
    id_, email, display_name, member_id, blp, gtc, list_version, verified = row[:_FIRST_PROPERTY]
    values = row[_FIRST_PROPERTY : len(ACCOUNT_COLUMNS)]
    return Account(
        id=id_,
        email=email,
        display_name=display_name,
        member_id=member_id,
        blp=blp,
        gtc=gtc,
        properties={n: v for n, v in zip(USER_PROPERTIES, values, strict=True) if v is not None},
        list_version=list_version,
        verified=bool(verified),
    )


# Built once: constructing a statement costs more than running it on SQLite (login path).
_FIND_ACCOUNT = PreparedSelect(
    select(*ACCOUNT_COLUMNS).where(accounts.c.email_key == bindparam("email_key"))
)


async def find_account(conn: AsyncConnection, email_key: str) -> Any:
    """The account row (ACCOUNT_COLUMNS, attributes by column name) for a canonical e-mail,
    or None."""
    return await _FIND_ACCOUNT.first(conn, email_key=email_key)


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
