"""Alembic environment. `msnp.store.migrate` passes an open connection in
`config.attributes["connection"]`; the `alembic` command line (for writing new revisions)
instead reads the URL from `-x url=...` or the MSNP_DATABASE_URL environment variable."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from msnp.store.database import normalize_url
from msnp.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url(url: str) -> None:
    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run)
    finally:
        await engine.dispose()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "MSNP_DATABASE_URL"
    )
    if not url:
        raise RuntimeError("give the database with -x url=... or MSNP_DATABASE_URL")
    asyncio.run(_run_from_url(url))


_main()
