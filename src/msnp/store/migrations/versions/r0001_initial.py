"""Initial schema: accounts, groups, contacts, contact_groups.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("email_key", sa.String(129), nullable=False),
        sa.Column("email", sa.String(129), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("blp", sa.String(2), nullable=False, server_default="AL"),
        sa.Column("gtc", sa.String(1), nullable=False, server_default="A"),
        sa.Column("phh", sa.Text(), nullable=True),
        sa.Column("phw", sa.Text(), nullable=True),
        sa.Column("phm", sa.Text(), nullable=True),
        sa.Column("mob", sa.String(1), nullable=True),
        sa.Column("mbe", sa.String(1), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("list_version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email_key = lower(email)", name=op.f("ck_accounts_email_key_lower")),
        sa.CheckConstraint("blp IN ('AL', 'BL')", name=op.f("ck_accounts_blp")),
        sa.CheckConstraint("gtc IN ('A', 'N')", name=op.f("ck_accounts_gtc")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email_key", name=op.f("uq_accounts_email_key")),
        sa.UniqueConstraint("member_id", name=op.f("uq_accounts_member_id")),
    )
    op.create_table(
        "groups",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "group_id >= 0 AND group_id <= 29", name=op.f("ck_groups_group_id_range")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.id"],
            name=op.f("fk_groups_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "group_id", name=op.f("pk_groups")),
    )
    op.create_table(
        "contacts",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.Text(), nullable=False),
        sa.Column("lists", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("lists >= 0 AND lists <= 15", name=op.f("ck_contacts_lists_range")),
        sa.CheckConstraint("(lists & 6) <> 6", name=op.f("ck_contacts_allow_xor_block")),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_owner_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_contact_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", "contact_id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_contact_id", "contacts", ["contact_id"])
    op.create_table(
        "contact_groups",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id", "contact_id"],
            ["contacts.owner_id", "contacts.contact_id"],
            name=op.f("fk_contact_groups_owner_id_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id", "group_id"],
            ["groups.owner_id", "groups.group_id"],
            name=op.f("fk_contact_groups_owner_id_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "owner_id", "contact_id", "group_id", name=op.f("pk_contact_groups")
        ),
    )


def downgrade() -> None:
    op.drop_table("contact_groups")
    op.drop_index("ix_contacts_contact_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_table("groups")
    op.drop_table("accounts")
