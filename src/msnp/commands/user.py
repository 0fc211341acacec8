"""`msnp user add|passwd|del|list`: account administration."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from msnp.commands.common import (
    CommandError,
    Subparsers,
    add_command,
    add_config_option,
    open_database,
    read_new_password,
    run_async,
)
from msnp.commands.notify import ServiceUnreachable, admin_address, post_admin
from msnp.config import Config
from msnp.web.admin import ACCOUNT_DELETED_PATH, SIGN_OUT_PATH, read_admin_token
from msnp.wire.names import normalize_email

if TYPE_CHECKING:
    from msnp.services.accounts import AccountService
    from msnp.services.models import Account


@asynccontextmanager
async def account_service(config: Config) -> AsyncIterator[AccountService]:
    """An AccountService on the configured (and migrated) database, closed afterwards."""
    from msnp.services.accounts import AccountService
    from msnp.services.passwords import PasswordHasher

    db = await open_database(config)
    hasher = PasswordHasher(config.passwords)
    try:
        yield AccountService(db, hasher)
    finally:
        await hasher.close()
        await db.close()


def _add(args: argparse.Namespace, config: Config) -> int:
    password = read_new_password()

    async def run() -> Account:
        async with account_service(config) as accounts:
            return await accounts.create(args.email, password, args.name)

    account = run_async(run())
    print(f"created {account.email} ({account.display_name})")
    return 0


def _passwd(args: argparse.Namespace, config: Config) -> int:
    password = read_new_password()

    async def run() -> None:
        async with account_service(config) as accounts:
            await accounts.set_password(args.email, password)

    run_async(run())
    email = normalize_email(args.email)
    print(f"changed the password of {email}")
    _tell_running_service(config, email, SIGN_OUT_PATH, {"email": email})
    return 0


def _delete(args: argparse.Namespace, config: Config) -> int:
    async def run() -> dict[str, int]:
        async with account_service(config) as accounts:
            return await accounts.delete(args.email)

    versions = run_async(run())
    email = normalize_email(args.email)
    print(f"deleted {email}")
    _tell_running_service(config, email, ACCOUNT_DELETED_PATH,
                          {"email": email, "versions": versions})
    return 0


def _tell_running_service(config: Config, email: str, path: str, body: dict[str, Any]) -> None:
    """If the service is running, it signs the user out (and, for a deletion, updates the
    cached lists of contacts signed in now). Not running (or unreachable): nothing to do."""
    try:
        token = read_admin_token(config)
        address = admin_address(config)
    except (OSError, CommandError):
        return
    try:
        answer = post_admin(address, token, path, body)
    except ServiceUnreachable:
        return  # not running: the next sign-in reads the store
    except CommandError as exc:
        print(f"msnp: warning: the running service was not told: {exc}", file=sys.stderr)
        return
    if answer.get("signed_out"):
        print(f"signed {email} out of the running service")


def _list(args: argparse.Namespace, config: Config) -> int:
    async def run() -> list[Account]:
        async with account_service(config) as accounts:
            return await accounts.list_accounts()

    for account in run_async(run()):
        print(f"{account.email}\t{account.display_name}")
    return 0


def register(subparsers: Subparsers) -> None:
    user = subparsers.add_parser("user", help="manage accounts")
    add_config_option(user)
    commands = user.add_subparsers(dest="user_command", metavar="COMMAND", required=True)

    add = add_command(commands, "add", _add, help="create an account (password from stdin)")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name", help="display name (default: the e-mail address)")

    passwd = add_command(commands, "passwd", _passwd, help="change an account's password")
    passwd.add_argument("email", metavar="EMAIL")

    delete = add_command(commands, "del", _delete, help="delete an account and its lists")
    delete.add_argument("email", metavar="EMAIL")

    add_command(commands, "list", _list, help="list accounts and display names")
