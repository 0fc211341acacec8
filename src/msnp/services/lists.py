"""Contact lists, groups and list settings (reference §4.8-4.19, §6).

Every change runs in one transaction that also bumps the owner's list version (and, for FL
changes, the contact's, whose RL changes). Refusals raise ServiceError with the reference's
numeric code and roll the transaction back, version bump included.

Choices where the reference is silent or unconfirmed:
* An FL contact is always in at least one group. Leaving its last group (REM FL x g) or the
  deletion of that group (RMG) puts it in group 0 instead of dropping it from FL.
* ADD of an existing FL contact with another group adds that group (multi-group).
* The stored name of an existing entry changes only with ADD FL (the user's own name for
  the contact) or REA; ADD AL/BL and the RL side keep it.
* REG to a name another group already has is refused with 228, as ADG is.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from msnp.services.models import (
    CONTACT_PROPERTIES,
    MAX_FORWARD_LIST,
    MAX_GROUPS,
    MAX_LIST_ENTRIES,
    USER_PROPERTIES,
    Contact,
    Group,
    ListBits,
    ListChange,
    ListSnapshot,
    ReverseListChange,
    ServiceError,
)
from msnp.services.privacy import allows_bits
from msnp.store import list_queries as lq
from msnp.store.database import Database
from msnp.store.queries import (
    account_from_row,
    bump_version,
    find_account,
    lock_accounts,
    properties_from_row,
    upsert,
)
from msnp.store.tables import accounts, contact_groups, contacts, groups
from msnp.wire.errors import ErrorCode
from msnp.wire.names import (
    MAX_GROUP_NAME_ENCODED,
    has_domain,
    is_valid_email,
    normalize_email,
    url_quote,
)

_EDITABLE_LISTS = (ListBits.FL, ListBits.AL, ListBits.BL)
_OPPOSITE = {ListBits.AL: ListBits.BL, ListBits.BL: ListBits.AL}
_FLAG_PROPERTIES = ("MOB", "MBE")  # Y or N


def _editable_list(list_name: ListBits) -> ListBits:
    # RL (or a combination) never gets here from a correct controller: it is a disconnect.
    if list_name not in _EDITABLE_LISTS:
        raise ValueError(f"only FL, AL or BL can be changed, not {list_name!r}")
    return ListBits(list_name)


def _list_limit(list_name: ListBits) -> int:
    return MAX_FORWARD_LIST if list_name == ListBits.FL else MAX_LIST_ENTRIES


async def _reverse_change(
    conn: AsyncConnection, contact_id: int, contact_key: str, owner_key: str, owner_name: str
) -> ReverseListChange:
    """Bump the contact's list version for their RL change and describe it."""
    version = await bump_version(conn, contact_id)
    return ReverseListChange(
        owner=contact_key, version=version, member=owner_key, member_name=owner_name
    )


class ListService:
    """Contact lists, groups and privacy settings of accounts in `db`. Every method takes
    e-mail addresses in any letter case; names are decoded text."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- reading --------------------------------------------------------------------
    async def snapshot(self, email: str) -> ListSnapshot:
        """Settings, groups and every contact with a list bit, read in one snapshot."""
        owner_key = normalize_email(email)

        async def load(conn: AsyncConnection) -> ListSnapshot:
            account = account_from_row(await lq.owner_row(conn, owner_key))
            group_rows = await lq.SNAPSHOT_GROUPS.rows(conn, owner=account.id)
            group_list = tuple(Group(int(r.group_id), r.name) for r in group_rows)
            memberships: dict[int, list[int]] = {}
            for r in await lq.SNAPSHOT_MEMBERSHIPS.rows(conn, owner=account.id):
                memberships.setdefault(r.contact_id, []).append(int(r.group_id))
            contact_rows = await lq.SNAPSHOT_CONTACTS.rows(conn, owner=account.id)
            contact_list = tuple(
                lq.contact_from_row(r, memberships.get(r.contact_id, ())) for r in contact_rows
            )
            return ListSnapshot(account=account, groups=group_list, contacts=contact_list)

        return await self._db.read(load)

    async def get_contact(self, owner: str, contact_email: str) -> Contact | None:
        """The owner's entry for one contact, or None when it is on none of their lists."""
        owner_key = normalize_email(owner)
        contact_key = normalize_email(contact_email)

        async def load(conn: AsyncConnection) -> Contact | None:
            owner_id = await lq.owner_id(conn, owner_key)
            row = (
                await conn.execute(
                    lq.contacts_select(owner_id).where(accounts.c.email_key == contact_key)
                )
            ).first()
            if row is None:
                return None
            return lq.contact_from_row(row, await lq.entry_groups(conn, owner_id, row.contact_id))

        return await self._db.read(load)

    # ---- ADD / REM ----------------------------------------------------------------------
    async def add_contact(
        self,
        owner: str,
        list_name: ListBits,
        contact_email: str,
        stored_name: str,
        group_id: int | None = None,
    ) -> ListChange:
        """ADD to FL, AL or BL. `group_id` only applies to FL (default group 0).
        Errors: 201, 205, 206, 210, 215, 219, 224."""
        bit = _editable_list(list_name)
        owner_key = normalize_email(owner)
        contact_key = normalize_email(contact_email)
        if not has_domain(contact_key):
            raise ServiceError(ErrorCode.FQDN_MISSING)
        if not is_valid_email(contact_key):
            raise ServiceError(ErrorCode.INVALID_PARAMETER, f"malformed handle {contact_key!r}")
        gid = (0 if group_id is None else group_id) if bit == ListBits.FL else None

        async def add(conn: AsyncConnection) -> ListChange:
            owner_row = await lq.owner_row(conn, owner_key)
            contact_row = await find_account(conn, contact_key)
            if contact_row is None:
                raise ServiceError(ErrorCode.INVALID_USER)
            present = await lock_accounts(conn, (owner_row.id, contact_row.id))
            if contact_row.id not in present:  # deleted while we waited for the lock
                raise ServiceError(ErrorCode.INVALID_USER)
            if owner_row.id not in present:
                raise ServiceError(ErrorCode.INVALID_USER, f"no account {owner_key}")
            owner_id: int = owner_row.id
            contact_id: int = contact_row.id
            if gid is not None and not await lq.group_exists(conn, owner_id, gid):
                raise ServiceError(ErrorCode.INVALID_GROUP)
            entry = await lq.entry(conn, owner_id, contact_id)
            lists = ListBits(entry.lists) if entry is not None else ListBits.NONE

            if bit == ListBits.FL and ListBits.FL in lists:
                # Already watched: this ADD puts them in one more group.
                assert gid is not None
                if gid in await lq.entry_groups(conn, owner_id, contact_id):
                    raise ServiceError(ErrorCode.ALREADY_THERE)
                await conn.execute(
                    insert(contact_groups).values(
                        owner_id=owner_id, contact_id=contact_id, group_id=gid
                    )
                )
                # ADD FL names the contact (see the module notes), in this path too: the
                # reply echoes the new name, so the client shows it from now on.
                await conn.execute(
                    update(contacts)
                    .where(contacts.c.owner_id == owner_id, contacts.c.contact_id == contact_id)
                    .values(stored_name=stored_name)
                )
                version = await bump_version(conn, owner_id)
                return ListChange(version, contact_key, stored_name, gid)

            if bit in lists:
                raise ServiceError(ErrorCode.ALREADY_THERE)
            opposite = _OPPOSITE.get(bit)
            if opposite is not None and opposite in lists:
                raise ServiceError(ErrorCode.ALREADY_IN_OPPOSITE_LIST)
            count = await conn.execute(
                select(func.count())
                .select_from(contacts)
                .where(contacts.c.owner_id == owner_id, contacts.c.lists.bitwise_and(int(bit)) != 0)
            )
            if count.scalar_one() >= _list_limit(bit):
                raise ServiceError(ErrorCode.LIST_FULL)

            keep_name = contacts.c.stored_name
            await conn.execute(
                upsert(
                    conn,
                    contacts,
                    {
                        "owner_id": owner_id,
                        "contact_id": contact_id,
                        "stored_name": stored_name,
                        "lists": int(bit),
                    },
                    ["owner_id", "contact_id"],
                    {
                        "lists": contacts.c.lists.bitwise_or(int(bit)),
                        "stored_name": stored_name if bit == ListBits.FL else keep_name,
                    },
                )
            )
            if bit != ListBits.FL:
                version = await bump_version(conn, owner_id)
                return ListChange(version, contact_key, stored_name, None)

            await conn.execute(
                insert(contact_groups).values(
                    owner_id=owner_id, contact_id=contact_id, group_id=gid
                )
            )
            version = await bump_version(conn, owner_id)
            # The contact gains the owner on their RL (named by the owner's display name).
            await conn.execute(
                upsert(
                    conn,
                    contacts,
                    {
                        "owner_id": contact_id,
                        "contact_id": owner_id,
                        "stored_name": owner_row.display_name,
                        "lists": int(ListBits.RL),
                    },
                    ["owner_id", "contact_id"],
                    {"lists": contacts.c.lists.bitwise_or(int(ListBits.RL))},
                )
            )
            reverse = await _reverse_change(
                conn, contact_id, contact_key, owner_key, owner_row.display_name
            )
            theirs = await lq.entry(conn, contact_id, owner_id)
            shown = allows_bits(contact_row.blp, theirs.lists if theirs is not None else 0)
            properties = properties_from_row(contact_row, CONTACT_PROPERTIES) if shown else {}
            return ListChange(version, contact_key, stored_name, gid, reverse, properties)

        return await self._db.write(add)

    async def remove_contact(
        self,
        owner: str,
        list_name: ListBits,
        contact_email: str,
        group_id: int | None = None,
    ) -> ListChange:
        """REM from FL, AL or BL; with `group_id` (FL only) leave just that group.
        Errors: 216, 224, 225."""
        bit = _editable_list(list_name)
        owner_key = normalize_email(owner)
        contact_key = normalize_email(contact_email)
        gid = group_id if bit == ListBits.FL else None

        async def remove(conn: AsyncConnection) -> ListChange:
            owner_row = await lq.owner_row(conn, owner_key)
            owner_id: int = owner_row.id
            contact_row = await find_account(conn, contact_key)
            contact_ids = () if contact_row is None else (contact_row.id,)
            await lock_accounts(conn, (owner_id, *contact_ids))
            if gid is not None and not await lq.group_exists(conn, owner_id, gid):
                raise ServiceError(ErrorCode.INVALID_GROUP)
            if contact_row is None:
                raise ServiceError(ErrorCode.NOT_ON_LIST)
            contact_id: int = contact_row.id
            entry = await lq.entry(conn, owner_id, contact_id)
            if entry is None or not entry.lists & bit:
                raise ServiceError(ErrorCode.NOT_ON_LIST)

            if gid is not None:
                if gid not in await lq.entry_groups(conn, owner_id, contact_id):
                    raise ServiceError(ErrorCode.PRINCIPAL_NOT_IN_GROUP)
                await conn.execute(
                    delete(contact_groups).where(
                        contact_groups.c.owner_id == owner_id,
                        contact_groups.c.contact_id == contact_id,
                        contact_groups.c.group_id == gid,
                    )
                )
                await lq.place_groupless_in_zero(conn, owner_id)
                version = await bump_version(conn, owner_id)
                return ListChange(version, contact_key, entry.stored_name, gid)

            if bit == ListBits.FL:
                await conn.execute(
                    delete(contact_groups).where(
                        contact_groups.c.owner_id == owner_id,
                        contact_groups.c.contact_id == contact_id,
                    )
                )
            await lq.clear_bits(conn, owner_id, contact_id, int(bit))
            version = await bump_version(conn, owner_id)
            if bit != ListBits.FL:
                return ListChange(version, contact_key, entry.stored_name, None)

            # The contact loses the owner from their RL.
            await lq.clear_bits(conn, contact_id, owner_id, int(ListBits.RL))
            reverse = await _reverse_change(
                conn, contact_id, contact_key, owner_key, owner_row.display_name
            )
            return ListChange(version, contact_key, entry.stored_name, None, reverse)

        return await self._db.write(remove)

    # ---- groups ---------------------------------------------------------------------------
    async def add_group(self, owner: str, name: str) -> tuple[int, int]:
        """ADG: returns (new list version, new group id), the lowest free id in 1..29.
        Errors: 223, 228, 229."""
        owner_key = normalize_email(owner)
        if len(url_quote(name)) > MAX_GROUP_NAME_ENCODED:
            raise ServiceError(ErrorCode.GROUP_NAME_TOO_LONG)

        async def add(conn: AsyncConnection) -> tuple[int, int]:
            owner_id = await lq.owner_id(conn, owner_key)
            version = await bump_version(conn, owner_id)
            existing = {
                int(r.group_id): r.name
                for r in await conn.execute(
                    select(groups.c.group_id, groups.c.name).where(groups.c.owner_id == owner_id)
                )
            }
            if name in existing.values():
                raise ServiceError(ErrorCode.GROUP_ALREADY_EXISTS)
            free = sorted(set(range(1, MAX_GROUPS)) - existing.keys())
            if not free:
                raise ServiceError(ErrorCode.TOO_MANY_GROUPS)
            await conn.execute(
                insert(groups).values(owner_id=owner_id, group_id=free[0], name=name)
            )
            return version, free[0]

        return await self._db.write(add)

    async def remove_group(self, owner: str, group_id: int) -> int:
        """RMG: contacts only in that group move to group 0 (they stay on FL).
        Errors: 224, 230."""
        owner_key = normalize_email(owner)
        if group_id == 0:
            raise ServiceError(ErrorCode.CANNOT_REMOVE_GROUP_ZERO)

        async def remove(conn: AsyncConnection) -> int:
            owner_id = await lq.owner_id(conn, owner_key)
            version = await bump_version(conn, owner_id)
            result = await conn.execute(
                delete(groups)
                .where(groups.c.owner_id == owner_id, groups.c.group_id == group_id)
                .returning(groups.c.group_id)
            )
            if result.first() is None:
                raise ServiceError(ErrorCode.INVALID_GROUP)
            # Its memberships went with it (foreign key cascade).
            await lq.place_groupless_in_zero(conn, owner_id)
            return version

        return await self._db.write(remove)

    async def rename_group(self, owner: str, group_id: int, name: str) -> int:
        """REG. Errors: 224 (no such group), 228 (another group has that name)."""
        owner_key = normalize_email(owner)

        async def rename(conn: AsyncConnection) -> int:
            owner_id = await lq.owner_id(conn, owner_key)
            version = await bump_version(conn, owner_id)
            clash = await conn.execute(
                select(groups.c.group_id).where(
                    groups.c.owner_id == owner_id,
                    groups.c.name == name,
                    groups.c.group_id != group_id,
                )
            )
            result = await conn.execute(
                update(groups)
                .where(groups.c.owner_id == owner_id, groups.c.group_id == group_id)
                .values(name=name)
                .returning(groups.c.group_id)
            )
            if result.first() is None:
                raise ServiceError(ErrorCode.INVALID_GROUP)
            if clash.first() is not None:
                raise ServiceError(ErrorCode.GROUP_ALREADY_EXISTS)
            return version

        return await self._db.write(rename)

    # ---- names --------------------------------------------------------------------------
    async def set_display_name(self, owner: str, name: str) -> int:
        """REA of one's own handle."""
        owner_key = normalize_email(owner)

        async def rename(conn: AsyncConnection) -> int:
            return await bump_version(conn, await lq.owner_id(conn, owner_key), display_name=name)

        return await self._db.write(rename)

    async def rename_contact(self, owner: str, contact: str, name: str) -> int:
        """REA of a contact: the stored name. Error 216 when not on any of the owner's lists."""
        owner_key = normalize_email(owner)
        contact_key = normalize_email(contact)

        async def rename(conn: AsyncConnection) -> int:
            owner_id = await lq.owner_id(conn, owner_key)
            version = await bump_version(conn, owner_id)
            contact_id = select(accounts.c.id).where(accounts.c.email_key == contact_key)
            result = await conn.execute(
                update(contacts)
                .where(
                    contacts.c.owner_id == owner_id,
                    contacts.c.contact_id == contact_id.scalar_subquery(),
                    contacts.c.lists != 0,
                )
                .values(stored_name=name)
                .returning(contacts.c.contact_id)
            )
            if result.first() is None:
                raise ServiceError(ErrorCode.NOT_ON_LIST)
            return version

        return await self._db.write(rename)

    # ---- settings -----------------------------------------------------------------------
    async def set_gtc(self, owner: str, value: str) -> int:
        """GTC A|N. Error 218 when already set to that value."""
        if value not in ("A", "N"):
            raise ValueError(f"GTC must be A or N, not {value!r}")
        return await self._set_mode(owner, "gtc", value)

    async def set_blp(self, owner: str, value: str) -> int:
        """BLP AL|BL. Error 218 when already set to that value."""
        if value not in ("AL", "BL"):
            raise ValueError(f"BLP must be AL or BL, not {value!r}")
        return await self._set_mode(owner, "blp", value)

    async def _set_mode(self, owner: str, column: str, value: str) -> int:
        owner_key = normalize_email(owner)

        async def change(conn: AsyncConnection) -> int:
            owner_id = await lq.owner_id(conn, owner_key)
            # One statement: compare and set cannot be split by a concurrent change.
            result = await conn.execute(
                update(accounts)
                .where(accounts.c.id == owner_id, accounts.c[column] != value)
                .values({column: value, "list_version": accounts.c.list_version + 1})
                .returning(accounts.c.list_version)
            )
            version = result.scalar()
            if version is None:
                raise ServiceError(ErrorCode.ALREADY_IN_THE_MODE)
            return int(version)

        return await self._db.write(change)

    async def set_property(self, owner: str, prop: str, value: str | None) -> int:
        """PRP: set (or with None or "" clear) PHH, PHW, PHM, MOB or MBE. A change to a
        property contacts see (all but MBE) also bumps the list version of everyone who has
        the owner on a list. Error 715 for another property; 201 for a MOB/MBE value other
        than Y or N."""
        if prop not in USER_PROPERTIES:
            raise ServiceError(ErrorCode.NOT_EXPECTED, f"unknown property {prop!r}")
        stored = value or None
        if prop in _FLAG_PROPERTIES and stored not in (None, "Y", "N"):
            raise ServiceError(ErrorCode.INVALID_PARAMETER, f"{prop} must be Y or N")
        owner_key = normalize_email(owner)

        async def change(conn: AsyncConnection) -> int:
            owner_id = await lq.owner_id(conn, owner_key)
            version = await bump_version(conn, owner_id, **{prop.lower(): stored})
            if prop in CONTACT_PROPERTIES:
                # Every list that lists the owner shows these values as BPR lines in SYN, so
                # a client that cached such a list must not be told it is up to date.
                holders = select(contacts.c.owner_id).where(
                    contacts.c.contact_id == owner_id,
                    contacts.c.owner_id != owner_id,
                    contacts.c.lists != 0,
                )
                await conn.execute(
                    update(accounts)
                    .where(accounts.c.id.in_(holders))
                    .values(list_version=accounts.c.list_version + 1)
                )
            return version

        return await self._db.write(change)
