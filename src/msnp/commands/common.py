"""Pieces every command family shares: the --config option, the handler signature, one-line
errors, opening the configured database, and reading a new password.

The store and services are imported inside the functions that use them, so that client
commands (`msnp chat`, `msnp send`) start without loading SQLAlchemy."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias, TypeVar

from msnp.config import Config

if TYPE_CHECKING:
    from msnp.store.database import Database

T = TypeVar("T")

#: What a subcommand runs: parsed arguments and the loaded configuration in, exit status out.
Handler: TypeAlias = Callable[[argparse.Namespace, Config], int]
#: What `register(subparsers)` receives.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CommandError(Exception):
    """A failure reported as one line on stderr with a non-zero exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_config_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """`--config FILE`, accepted before or after the subcommand. Below the top level the
    default is SUPPRESS so that an option given earlier on the line is not reset."""
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        default=None if top_level else argparse.SUPPRESS,
        help="TOML configuration file (default: built-in settings)",
    )


def add_command(
    subparsers: Subparsers, name: str, handler: Handler, **kwargs: str
) -> argparse.ArgumentParser:
    """A subcommand parser that runs `handler` and takes --config."""
    parser = subparsers.add_parser(name, **kwargs)  # type: ignore[arg-type]
    add_config_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with refusals from the account service and the store (one-line messages)
    turned into CommandError."""
    from msnp.services.accounts import AccountError
    from msnp.store.errors import StoreError

    try:
        return asyncio.run(coro)
    except (AccountError, StoreError) as exc:
        raise CommandError(str(exc)) from None


async def open_database(config: Config) -> Database:
    """The configured database, created (SQLite) and migrated to the newest schema."""
    from msnp.store.database import Database

    db = await Database.open(config.database_url)
    try:
        await db.upgrade()
    except BaseException:
        await db.close()
        raise
    return db


def read_new_password(stdin: TextIO | None = None) -> str:
    """A password typed twice at a terminal, or the first line of standard input when it is
    not a terminal (for scripts: `echo secret | msnp user add ...`)."""
    stream = sys.stdin if stdin is None else stdin
    if stream is None or stream.closed:
        raise CommandError("no password given: standard input is closed")
    if stream.isatty():
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password (again): ")
        if first != second:
            raise CommandError("the passwords do not match")
        return first
    return stream.readline().rstrip("\r\n")
