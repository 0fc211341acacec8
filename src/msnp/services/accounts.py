"""Accounts: creation, password checks, deletion, lookup. E-mail addresses are identities,
compared case-insensitively; the address as given is kept for display."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from msnp.services.models import Account
from msnp.services.passwords import PasswordHasher
from msnp.store.database import Database
from msnp.store.queries import ACCOUNT_COLUMNS, account_from_row, find_account, lock_accounts
from msnp.store.tables import accounts, contacts, groups
from msnp.wire.names import MAX_DISPLAY_NAME_ENCODED, is_valid_email, normalize_email, url_quote

DEFAULT_GROUP_NAME = "Other Contacts"
# MemberIdHigh (the top 32 bits) must be non-zero: clients treat a zero high part as unset.
_MEMBER_ID_LOW = 2**32
_MEMBER_ID_HIGH = 2**48
_INSERT_ATTEMPTS = 3  # a member-id collision (about 1 in 2**48) is retried with a new id


class AccountError(Exception):
    """A refused account operation; the message is one line for the operator or user."""


class InvalidEmail(AccountError):
    pass


class DuplicateAccount(AccountError):
    pass


class EmptyPassword(AccountError):
    pass


class InvalidDisplayName(AccountError):
    pass


class NoSuchAccount(AccountError):
    pass


def _check_password(password: str) -> None:
    if not password:
        raise EmptyPassword("the password must not be empty")


def _check_display_name(name: str) -> None:
    if not name.strip():
        raise InvalidDisplayName("the display name must not be empty")
    if any(ch in name for ch in "\x00\r\n"):
        raise InvalidDisplayName("the display name must not contain NUL, CR or LF")
    if len(url_quote(name)) > MAX_DISPLAY_NAME_ENCODED:
        raise InvalidDisplayName(
            f"the display name is longer than {MAX_DISPLAY_NAME_ENCODED} bytes URL-encoded"
        )


class AccountService:
    """Account records in `db`; passwords hashed by `hasher` (off the event loop)."""

    def __init__(self, db: Database, hasher: PasswordHasher) -> None:
        self._db = db
        self._hasher = hasher

    async def create(self, email: str, password: str, display_name: str | None = None) -> Account:
        """A new account with group 0 "Other Contacts". The display name defaults to the
        address as given. Raises InvalidEmail, EmptyPassword, InvalidDisplayName or
        DuplicateAccount."""
        given = email.strip()
        if not is_valid_email(given):
            raise InvalidEmail(f"invalid e-mail address: {email!r}")
        key = normalize_email(given)
        _check_password(password)
        name = given if display_name is None else display_name
        _check_display_name(name)
        if await self.get(key) is not None:  # before spending a hash on it
            raise DuplicateAccount(f"an account for {key} already exists")
        password_hash = await self._hasher.hash(password)

        async def insert_account(conn: AsyncConnection) -> Account:
            result = await conn.execute(
                insert(accounts)
                .values(
                    email_key=key,
                    email=given,
                    display_name=name,
                    password_hash=password_hash,
                    member_id=_MEMBER_ID_LOW + secrets.randbelow(_MEMBER_ID_HIGH - _MEMBER_ID_LOW),
                    # 1, not 0: a client with no cache sends SYN 0 and must get the full list.
                    list_version=1,
                    created_at=datetime.now(UTC),
                )
                .returning(*ACCOUNT_COLUMNS)
            )
            row = result.one()
            await conn.execute(
                insert(groups).values(owner_id=row.id, group_id=0, name=DEFAULT_GROUP_NAME)
            )
            return account_from_row(row)

        for _ in range(_INSERT_ATTEMPTS):
            try:
                return await self._db.write(insert_account)
            except IntegrityError:
                if await self.get(key) is not None:
                    raise DuplicateAccount(f"an account for {key} already exists") from None
        raise AccountError(f"could not allocate a member id for {key}")

    async def get(self, email: str) -> Account | None:
        """The account for an address, in any letter case; None if there is none."""
        key = normalize_email(email)

        async def load(conn: AsyncConnection) -> Account | None:
            row = await find_account(conn, key)
            return None if row is None else account_from_row(row)

        return await self._db.read(load)

    async def count(self) -> int:
        """How many accounts there are."""

        async def load(conn: AsyncConnection) -> int:
            result = await conn.execute(select(func.count()).select_from(accounts))
            return int(result.scalar_one())

        return await self._db.read(load)

    async def list_accounts(self) -> list[Account]:
        """Every account, ordered by address."""

        async def load(conn: AsyncConnection) -> list[Account]:
            result = await conn.execute(select(*ACCOUNT_COLUMNS).order_by(accounts.c.email_key))
            return [account_from_row(row) for row in result]

        return await self._db.read(load)

    async def authenticate(self, email: str, password: str) -> Account | None:
        """The account when `password` is right, else None. An unknown address costs one
        hash verification, like a wrong password. A hash made with older cost parameters is
        replaced after a successful check."""
        key = normalize_email(email)

        async def load(conn: AsyncConnection) -> tuple[Account, str] | None:
            result = await conn.execute(
                select(*ACCOUNT_COLUMNS, accounts.c.password_hash).where(
                    accounts.c.email_key == key
                )
            )
            row = result.first()
            return None if row is None else (account_from_row(row), row.password_hash)

        found = await self._db.read(load) if is_valid_email(key) else None
        if found is None:
            await self._hasher.verify_dummy(password)
            return None
        account, stored_hash = found
        if not await self._hasher.verify(stored_hash, password):
            return None
        if self._hasher.needs_rehash(stored_hash):
            new_hash = await self._hasher.hash(password)

            async def rehash(conn: AsyncConnection) -> None:
                # Only if unchanged meanwhile: a concurrent set_password must win.
                await conn.execute(
                    update(accounts)
                    .where(accounts.c.id == account.id, accounts.c.password_hash == stored_hash)
                    .values(password_hash=new_hash)
                )

            await self._db.write(rehash)
        return account

    async def set_password(self, email: str, password: str) -> None:
        """Replace the password. Raises EmptyPassword or NoSuchAccount."""
        key = normalize_email(email)
        _check_password(password)
        if await self.get(key) is None:
            raise NoSuchAccount(f"no account for {key}")
        new_hash = await self._hasher.hash(password)

        async def store(conn: AsyncConnection) -> bool:
            result = await conn.execute(
                update(accounts)
                .where(accounts.c.email_key == key)
                .values(password_hash=new_hash)
                .returning(accounts.c.id)
            )
            return result.first() is not None

        if not await self._db.write(store):
            raise NoSuchAccount(f"no account for {key}")

    async def delete(self, email: str) -> dict[str, int]:
        """Delete the account with its lists and groups, and remove it from everyone else's
        lists. Returns {e-mail: new list version} of each user whose lists changed.
        Raises NoSuchAccount."""
        key = normalize_email(email)

        async def remove(conn: AsyncConnection) -> dict[str, int]:
            row = await find_account(conn, key)
            if row is None:
                raise NoSuchAccount(f"no account for {key}")
            account_id: int = row.id
            owners_of = select(contacts.c.owner_id).where(
                contacts.c.contact_id == account_id, contacts.c.owner_id != account_id
            )
            owners = {r.owner_id for r in await conn.execute(owners_of)}
            await lock_accounts(conn, owners | {account_id})
            # Everyone who still lists the account (re-read under the locks) gets a new version.
            bumped = await conn.execute(
                update(accounts)
                .where(accounts.c.id.in_(owners_of))
                .values(list_version=accounts.c.list_version + 1)
                .returning(accounts.c.email_key, accounts.c.list_version)
            )
            changed = {r.email_key: int(r.list_version) for r in bumped}
            # Foreign keys cascade to entries, group memberships and groups.
            await conn.execute(delete(accounts).where(accounts.c.id == account_id))
            return changed

        return await self._db.write(remove)
