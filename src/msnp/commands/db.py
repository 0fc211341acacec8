"""`msnp db upgrade`: create or migrate the configured database."""

from __future__ import annotations

import argparse

from msnp.commands.common import (
    Subparsers,
    add_command,
    add_config_option,
    open_database,
    run_async,
)
from msnp.config import Config


def _upgrade(args: argparse.Namespace, config: Config) -> int:
    async def run() -> tuple[str, str | None]:
        db = await open_database(config)  # opening migrates
        try:
            return db.url, await db.revision()
        finally:
            await db.close()

    url, revision = run_async(run())
    print(f"{url} is at revision {revision}")
    return 0


def register(subparsers: Subparsers) -> None:
    db = subparsers.add_parser("db", help="manage the database")
    add_config_option(db)
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    add_command(commands, "upgrade", _upgrade, help="create the tables or migrate them")
