"""`msnp send EMAIL TEXT`: sign in, open a chat, send one message, wait for its ACK, sign
out. For scripts: exit status 0 on delivery, otherwise one line on stderr and status 1."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from msnp.client import (
    AuthenticationError,
    Client,
    ClientError,
    DeliveryFailed,
    RequestTimeout,
    ServerError,
)
from msnp.client.cliargs import ACCOUNT_ENV, add_client_options, client_config, read_password
from msnp.commands.common import CommandError, Subparsers, add_command
from msnp.config import Config
from msnp.wire.errors import ErrorCode

#: Switchboard refusals that mean "cannot reach that person", not "something broke".
_UNREACHABLE: dict[int, str] = {
    ErrorCode.NOT_ONLINE: "is offline or not accepting messages",
    ErrorCode.INVALID_USERNAME: "is not a valid account name",
    ErrorCode.ALREADY_THERE: "cannot be invited (is that you?)",
}


async def send(client: Client, to: str, text: str, join_timeout: float) -> None:
    """Raises CommandError with the line to show."""
    try:
        await client.sign_in()
    except AuthenticationError:
        raise CommandError("sign-in failed: wrong e-mail address or password") from None
    except ClientError as exc:
        raise CommandError(f"sign-in failed: {exc}") from None
    try:
        chat = await client.start_chat(to, wait=False)
        await chat.wait_for_participants(to, timeout=join_timeout)
        await chat.send_text(text, ack="A")
    except ServerError as exc:
        reason = _UNREACHABLE.get(exc.code)
        raise CommandError(
            f"cannot send to {to}: it {reason}" if reason else f"cannot send to {to}: {exc}"
        ) from None
    except RequestTimeout:
        raise CommandError(
            f"{to} did not join the conversation within {join_timeout:g} s"
        ) from None
    except DeliveryFailed:
        raise CommandError(f"the message to {to} was not delivered") from None
    except ClientError as exc:
        raise CommandError(f"cannot send to {to}: {exc}") from None
    finally:
        await client.sign_out()


def _run(args: argparse.Namespace, config: Config) -> int:
    account = args.account or os.environ.get(ACCOUNT_ENV)
    if not account:
        raise CommandError(f"no account: give --account or set ${ACCOUNT_ENV}", exit_code=2)
    try:
        password = read_password(args)  # before TEXT '-': the password is stdin's first line
        client = Client(account, password, client_config(args, config))
    except ValueError as exc:
        raise CommandError(str(exc), exit_code=2) from None
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise CommandError("nothing to send", exit_code=2)
    asyncio.run(send(client, args.to, text.rstrip("\r\n"), args.wait))
    return 0


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "send", _run, help="send one message and exit (for scripts)"
    )
    parser.add_argument("to", metavar="EMAIL", help="who gets the message")
    parser.add_argument("text", metavar="TEXT", help="the message ('-': read stdin)")
    parser.add_argument(
        "-a", "--account", help=f"your account (default: ${ACCOUNT_ENV})"
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for the contact to join (30)",
    )
    add_client_options(parser)
