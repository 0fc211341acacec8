"""SQL for contact lists: entries, groups and the snapshot SYN sends. The list service
calls these inside its transactions (each takes the open connection)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from msnp.services.models import (
    CONTACT_PROPERTIES,
    Contact,
    ListBits,
    ServiceError,
)
from msnp.services.privacy import allows_bits
from msnp.store.prepared import PreparedSelect
from msnp.store.queries import (
    PROPERTY_COLUMNS,
    AnyRow,
    find_account,
    properties_from_row,
)
from msnp.store.tables import accounts, contact_groups, contacts, groups
from msnp.wire.errors import ErrorCode


async def owner_row(conn: AsyncConnection, owner_key: str) -> Any:
    row = await find_account(conn, owner_key)
    if row is None:
        raise ServiceError(ErrorCode.INVALID_USER, f"no account {owner_key}")
    return row


async def owner_id(conn: AsyncConnection, owner_key: str) -> int:
    result = await conn.execute(select(accounts.c.id).where(accounts.c.email_key == owner_key))
    owner_id = result.scalar()
    if owner_id is None:
        raise ServiceError(ErrorCode.INVALID_USER, f"no account {owner_key}")
    return int(owner_id)


async def entry(conn: AsyncConnection, owner_id: int, contact_id: int) -> AnyRow | None:
    result = await conn.execute(
        select(contacts.c.lists, contacts.c.stored_name).where(
            contacts.c.owner_id == owner_id, contacts.c.contact_id == contact_id
        )
    )
    return result.first()


async def entry_groups(conn: AsyncConnection, owner_id: int, contact_id: int) -> set[int]:
    result = await conn.execute(
        select(contact_groups.c.group_id).where(
            contact_groups.c.owner_id == owner_id, contact_groups.c.contact_id == contact_id
        )
    )
    return {int(gid) for gid in result.scalars()}


async def group_exists(conn: AsyncConnection, owner_id: int, group_id: int) -> bool:
    result = await conn.execute(
        select(groups.c.group_id).where(
            groups.c.owner_id == owner_id, groups.c.group_id == group_id
        )
    )
    return result.first() is not None


async def clear_bits(conn: AsyncConnection, owner_id: int, contact_id: int, bits: int) -> None:
    """Clear list bits of an entry atomically; an entry left with no bits is deleted."""
    where = (contacts.c.owner_id == owner_id, contacts.c.contact_id == contact_id)
    await conn.execute(
        update(contacts).where(*where).values(lists=contacts.c.lists.bitwise_and(~bits & 0xF))
    )
    await conn.execute(delete(contacts).where(*where, contacts.c.lists == 0))


async def place_groupless_in_zero(conn: AsyncConnection, owner_id: int) -> None:
    """Give every FL entry of the owner that has no group membership group 0."""
    member = exists().where(
        contact_groups.c.owner_id == contacts.c.owner_id,
        contact_groups.c.contact_id == contacts.c.contact_id,
    )
    orphans = select(
        contacts.c.owner_id, contacts.c.contact_id, literal(0, groups.c.group_id.type)
    ).where(
        contacts.c.owner_id == owner_id,
        contacts.c.lists.bitwise_and(int(ListBits.FL)) != 0,
        ~member,
    )
    await conn.execute(
        insert(contact_groups).from_select(["owner_id", "contact_id", "group_id"], orphans)
    )


# Every ListBits value, built once: constructing a flag from an int runs Python code.
_LIST_BITS = tuple(ListBits(value) for value in range(16))
_FL = int(ListBits.FL)


def contact_from_row(row: Any, group_ids: Iterable[int]) -> Contact:
    # Phone numbers are shown only to those the contact allows (their BLP and their lists).
    allowed = allows_bits(row.their_blp, row.their_lists or 0)
    return Contact(
        email=row.email_key,
        stored_name=row.stored_name,
        lists=_LIST_BITS[row.lists],
        groups=tuple(sorted(group_ids)) if row.lists & _FL else (),
        properties=properties_from_row(row, CONTACT_PROPERTIES) if allowed else {},
    )


def contacts_select(owner: Any) -> Any:
    """An owner's contacts with at least one list bit; `owner` is a value or a bindparam.
    Each row also carries the contact's BLP and their lists' bits for the owner, which
    decide whether the owner may see the contact's phone numbers."""
    theirs = contacts.alias("theirs")
    return (
        select(
            contacts.c.contact_id,
            contacts.c.stored_name,
            contacts.c.lists,
            accounts.c.email_key,
            accounts.c.blp.label("their_blp"),
            theirs.c.lists.label("their_lists"),
            *(PROPERTY_COLUMNS[p] for p in CONTACT_PROPERTIES),
        )
        .join(accounts, accounts.c.id == contacts.c.contact_id)
        .outerjoin(
            theirs,
            (theirs.c.owner_id == contacts.c.contact_id)
            & (theirs.c.contact_id == contacts.c.owner_id),
        )
        .where(contacts.c.owner_id == owner, contacts.c.lists != 0)
        .order_by(accounts.c.email_key)
    )



# The snapshot is read at every login: its statements are built once, with bind parameters.
SNAPSHOT_GROUPS = PreparedSelect(
    select(groups.c.group_id, groups.c.name)
    .where(groups.c.owner_id == bindparam("owner"))
    .order_by(groups.c.group_id)
)
SNAPSHOT_MEMBERSHIPS = PreparedSelect(
    select(contact_groups.c.contact_id, contact_groups.c.group_id).where(
        contact_groups.c.owner_id == bindparam("owner")
    )
)
SNAPSHOT_CONTACTS = PreparedSelect(contacts_select(bindparam("owner")))
