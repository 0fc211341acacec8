"""Alembic, run programmatically on an open Database, so migrations work from an installed
package without an alembic.ini or a working directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from msnp.store.database import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant will do: it only has to be the same for every process sharing the database.
_PG_MIGRATION_LOCK = 0x6D736E70  # "msnp"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> str:
    if connection.dialect.name == "postgresql":
        # Two processes starting together must not both create the tables.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "head")
    return MigrationContext.configure(connection).get_current_revision() or ""


async def upgrade(db: Database) -> str:
    """Migrate to the newest revision in one transaction; returns that revision."""
    async with db.begin(write=True) as conn:
        return await conn.run_sync(_upgrade)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    async with db.begin(write=False) as conn:
        return await conn.run_sync(_current)
