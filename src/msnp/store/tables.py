"""The schema: accounts, their groups, contact-list entries and FL group memberships.

Migrations in `msnp/store/migrations/versions` create exactly this; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    true,
)

# Explicit constraint names keep future migrations (and SQLite batch rebuilds) predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Identity is the lower-case address; `email` keeps the address as it was given.
    Column("email_key", String(129), nullable=False, unique=True),
    Column("email", String(129), nullable=False),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("member_id", BigInteger, nullable=False, unique=True),
    Column("blp", String(2), nullable=False, server_default="AL"),
    Column("gtc", String(1), nullable=False, server_default="A"),
    Column("phh", Text, nullable=True),
    Column("phw", Text, nullable=True),
    Column("phm", Text, nullable=True),
    Column("mob", String(1), nullable=True),
    Column("mbe", String(1), nullable=True),
    Column("verified", Boolean, nullable=False, server_default=true()),
    Column("list_version", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("email_key = lower(email)", name="email_key_lower"),
    CheckConstraint("blp IN ('AL', 'BL')", name="blp"),
    CheckConstraint("gtc IN ('A', 'N')", name="gtc"),
)

groups = Table(
    "groups",
    metadata,
    Column(
        "owner_id",
        Integer,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("group_id", SmallInteger, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    CheckConstraint("group_id >= 0 AND group_id <= 29", name="group_id_range"),
)

contacts = Table(
    "contacts",
    metadata,
    Column(
        "owner_id",
        Integer,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "contact_id",
        Integer,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("stored_name", Text, nullable=False),
    Column("lists", SmallInteger, nullable=False),  # ListBits: FL 1, AL 2, BL 4, RL 8
    CheckConstraint("lists >= 0 AND lists <= 15", name="lists_range"),
    # Allow and block are exclusive (error 219); the database refuses it as a last resort.
    CheckConstraint("(lists & 6) <> 6", name="allow_xor_block"),
    Index("ix_contacts_contact_id", "contact_id"),
)

contact_groups = Table(
    "contact_groups",
    metadata,
    Column("owner_id", Integer, primary_key=True),
    Column("contact_id", Integer, primary_key=True),
    Column("group_id", SmallInteger, primary_key=True, autoincrement=False),
    ForeignKeyConstraint(
        ["owner_id", "contact_id"],
        ["contacts.owner_id", "contacts.contact_id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["owner_id", "group_id"],
        ["groups.owner_id", "groups.group_id"],
        ondelete="CASCADE",
    ),
)
